// Package city is the city's monthly comparison report, the renderer's second
// template: a cover, the month's board of submissions, the composite ranking
// and each indicator's ranking with a chart, the method (formula, weights,
// statistics and the input figures) and the sources. It composes the layout
// primitives only. The edition is Simplified Chinese (Input.Lang zh-CN, the
// default) or English (en): every fixed text comes from the edition's labels,
// names in English where the input gives them, a Chinese text without an
// English form marked as the original (lang.OriginalMark).
package city

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// Input is what the report shows: the city, the month's board and its
// ranking (which carries its own input).
// The board's states, deadline and verdicts are the caller's, in the
// edition's language.
type Input struct {
	Lang       string // zh-CN (default) or en
	CityName   string // 衡阳市
	CityNameEn string // Hengyang City
	Period     string // YYYY-MM
	Deadline   string // as shown, e.g. 2023年2月5日24时
	Board      []BoardRow
	Ranking    *ranking.Result
	Sources    []Source
	// Unreadable are the members (by code) whose data could not be read:
	// named under the board, left out of the comparison.
	Unreadable []string
	// NamesEn are the members' English names by county code; a member
	// without one here has its ranking member's NameEn.
	NamesEn map[string]string
}

// BoardRow is one county's submission as the board shows it.
type BoardRow struct {
	Code, Name, State, SubmittedAt, By, Verdict string
}

// Source is where one county's figures were published (Date YYYY-MM-DD).
type Source struct {
	Code, County, Publication, PublicationEn, Date, URL string
}

// Output is the rendered report and its charts (SVG, one per ranking).
type Output struct {
	PDF    []byte
	Pages  int
	Charts []layout.File
}

var (
	stBody    = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 19, Color: layout.ColText, Indent: 21, After: 3}
	stNote    = layout.Style{Face: layout.Kai, Size: 9.5, Leading: 15.5, Color: layout.ColMuted, After: 4}
	stChapter = layout.Style{Face: layout.Sans, Size: 16, Leading: 24, Color: layout.ColText, Bold: true, Align: layout.Left, After: 10}
	stSection = layout.Style{Face: layout.Sans, Size: 12.5, Leading: 19, Color: layout.ColText, Bold: true, Align: layout.Left, After: 5}
	stCaption = layout.Style{Face: layout.Sans, Size: 10, Leading: 16, Color: layout.ColText, Bold: true, Align: layout.Center, After: 4}
	stFormula = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 19, Color: layout.ColText, Align: layout.Left, After: 2}
)

const keep = 3 * 19.0

type report struct {
	in     *Input
	l      *labels
	f      *layout.Flow
	charts []*layout.Chart
}

// Render sets the city's report of in.
func Render(in *Input, fonts *layout.Fonts) (*Output, error) {
	if in.Ranking == nil {
		return nil, fmt.Errorf("city report: no ranking for %s", in.Period)
	}
	l, err := labelsFor(in.Lang)
	if err != nil {
		return nil, err
	}
	r := &report{in: in, l: l, f: layout.New(fonts)}
	r.f.Furniture = r.furniture
	r.cover()
	r.f.NewPage(false)
	r.board()
	r.composite()
	r.indicators()
	r.method()
	r.sources()
	city, sep := r.city(), " "
	if l.en() {
		sep = ", "
	}
	out := &Output{PDF: r.f.Finish(layout.Meta{
		Title: city + sep + l.Kind + " " + l.period(in.Period), Author: city,
		Subject: l.ReportPeriod + " " + l.period(in.Period), Keywords: city + ", " + l.Keywords + ", " + l.Methods[in.Ranking.Input.Method], Lang: l.Lang,
	}), Pages: r.f.Pages()}
	for _, c := range r.charts {
		out.Charts = append(out.Charts, layout.File{Name: c.Name + ".svg", Data: c.SVG()})
	}
	return out, nil
}

// city is the city's name in the edition's language.
func (r *report) city() string { return r.l.pick(r.in.CityName, r.in.CityNameEn) }

// member is a member's name in the edition's language.
func (r *report) member(code, name string) string {
	if !r.l.en() {
		return name
	}
	if e := r.in.NamesEn[code]; e != "" {
		return e
	}
	for _, m := range r.in.Ranking.Input.Members {
		if m.Code == code && m.NameEn != "" {
			return m.NameEn
		}
	}
	return lang.Original(name)
}

// nameW is the width of a column of the members' names in cells of size
// points: base, or wider (to at most 150) when a name would wrap, as
// English names and marked originals do.
func (r *report) nameW(base, size float64) float64 {
	w := base
	for _, m := range r.in.Ranking.Input.Members {
		name := r.member(m.Code, m.Name)
		w = max(w, r.f.TextWidth(name, layout.Style{Face: layout.Serif, Size: size})+2*5+2) // the cell's padding
	}
	return min(w, 150)
}

// unit is an indicator's unit in the edition's language ("" for a
// counting word in English).
func (r *report) unit(u string) string {
	if !r.l.en() {
		return u
	}
	if e, ok := dataset.UnitEnglish(u, ""); ok {
		return e
	}
	return lang.Original(u)
}

// measured is a measure's name with its unit: 总量（亿元） / Value (100 million yuan).
func (r *report) measured(measure, unit string) string {
	m := r.l.Measures[measure]
	if u := r.unit(unit); u != "" {
		return fmt.Sprintf(r.l.Unit, m, u)
	}
	return m
}

func (r *report) furniture(p *layout.Page, n, total int) {
	sans := r.f.Font(layout.Sans)
	left := []rune(r.city() + " · " + r.l.Kind)
	right := []rune(r.l.ReportPeriod + " " + r.l.period(r.in.Period))
	p.Text(sans, layout.MarginX, 46, 8.5, layout.ColMuted, left, nil, false)
	p.Text(sans, layout.MarginX+layout.ContentW-sans.TextWidth(string(right), 8.5), 46, 8.5, layout.ColMuted, right, nil, false)
	p.Rect(layout.MarginX, 52, layout.ContentW, 0.6, layout.ColAccent)
	foot := fmt.Sprintf(r.l.PageOf, n, total)
	p.Rect(layout.MarginX, layout.PageH-48, layout.ContentW, 0.4, layout.ColRule)
	p.Text(sans, (layout.PageW-sans.TextWidth(foot, 8.5))/2, layout.PageH-32, 8.5, layout.ColMuted, []rune(foot), nil, false)
}

func (r *report) cover() {
	f, in, l := r.f, r.in, r.l
	f.NewPage(true)
	f.Draw(func(p *layout.Page) {
		p.Rect(0, 0, layout.PageW, 10, layout.ColAccent)
		p.Rect(layout.MarginX, 292, layout.ContentW, 1.6, layout.ColAccent)
	})
	centre := func(y float64, st layout.Style, s string) {
		f.Text(layout.MarginX+(layout.ContentW-f.TextWidth(s, st))/2, y, st, s)
	}
	centre(140, layout.Style{Face: layout.Sans, Size: 14, Color: layout.ColAccent}, l.CoverKicker)
	centre(182, layout.Style{Face: layout.Sans, Size: 32, Color: layout.ColText, Bold: true}, r.city())
	centre(244, layout.Style{Face: layout.Sans, Size: 17, Color: layout.ColText}, l.period(in.Period))
	f.SetY(318)
	f.Para(fmt.Sprintf(l.CoverLine, len(in.Ranking.Input.Members)),
		layout.Style{Face: layout.Serif, Size: 19, Leading: 30, Color: layout.ColText, Bold: true, Align: layout.Center, After: 6})
	f.SetY(layout.PageH - 250)
	rows := [][2]string{
		{l.ReportPeriod, l.period(in.Period)},
		{l.Deadline, in.Deadline},
		{l.Method, l.Methods[in.Ranking.Input.Method]},
		{l.Compiler, r.city()},
	}
	key := layout.Style{Face: layout.Sans, Size: 10.5, Color: layout.ColMuted}
	val := layout.Style{Face: layout.Serif, Size: 10.5, Leading: 18, Color: layout.ColText, Align: layout.Left, After: 4}
	for _, row := range rows {
		f.Text(layout.MarginX+40, f.Y()+3.5, key, row[0])
		f.ParaAt(row[1], val, layout.MarginX+130, layout.ContentW-170)
	}
}

func (r *report) chapter(n int) {
	if r.f.Y() > layout.Top {
		r.f.Space(14)
	}
	r.f.Heading(r.l.Chapters[n], stChapter, keep+20, 0)
	r.f.Rule(0.8, layout.ColAccent)
	r.f.Space(10)
}

func (r *report) board() {
	l := r.l
	r.chapter(0)
	counts := map[string]int{}
	rows := make([][]string, 0, len(r.in.Board))
	for _, b := range r.in.Board {
		counts[b.State]++
		by := b.By
		if by == "" {
			by = "—"
		}
		rows = append(rows, []string{r.member(b.Code, b.Name), b.State, b.SubmittedAt, by, b.Verdict})
	}
	var parts []string
	for _, b := range r.in.Board {
		if n := counts[b.State]; n > 0 {
			parts = append(parts, fmt.Sprintf(l.BoardCount, b.State, n))
			counts[b.State] = 0
		}
	}
	r.f.Para(fmt.Sprintf(l.BoardIntro, len(r.in.Board), r.in.Deadline, strings.Join(parts, l.ListSep)), stBody)
	c := l.BoardCols
	nw, sw, tw := r.nameW(80, 9.5), 90.0, 128.0 // 2023-02-03 10:00（逾期）
	if l.en() {
		sw, tw = 105, 85 // "Submitted, awaiting review"; 2023-02-03 10:00
	}
	r.f.Table(layout.Table{
		Caption: l.BoardCaption, CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: c[0], W: nw}, {Title: c[1], W: sw}, {Title: c[2], W: tw, Sans: true}, {Title: c[3], W: 70, Sans: true}, {Title: c[4], W: layout.ContentW - nw - sw - tw - 70}},
		Rows: rows,
	})
	if len(r.in.Unreadable) > 0 {
		names := make([]string, 0, len(r.in.Unreadable))
		for _, code := range r.in.Unreadable {
			name := code
			for _, b := range r.in.Board {
				if b.Code == code {
					name = b.Name
				}
			}
			names = append(names, r.member(code, name))
		}
		r.f.Para(fmt.Sprintf(l.Unreadable, strings.Join(names, l.EnumSep)), stNote)
	}
}

func (r *report) composite() {
	res := r.in.Ranking
	if len(res.Input.Terms) == 0 {
		return
	}
	l := r.l
	r.chapter(1)
	var terms []string
	for _, t := range res.Input.Terms {
		terms = append(terms, r.termName(t))
	}
	r.f.Para(fmt.Sprintf(l.CompositeIntro, l.Methods[res.Input.Method], strings.Join(terms, l.EnumSep)), stBody)
	var rows [][]string
	var bars []layout.Bar
	for _, s := range res.Composite {
		if s.Score == nil {
			var lacks []string
			for _, lack := range s.Lacks {
				id, measure, _ := strings.Cut(lack, "/")
				lacks = append(lacks, fmt.Sprintf(l.Lacks, r.termLabel(id, measure)))
			}
			rows = append(rows, []string{"—", r.member(s.Code, s.Name), l.missing(s.Missing), strings.Join(lacks, l.EnumSep)})
			continue
		}
		var parts []string
		for _, ts := range s.Terms {
			parts = append(parts, fmt.Sprintf("%s %s", r.termLabel(ts.ID, ts.Measure), score(ts.Normalized)))
		}
		name := r.member(s.Code, s.Name)
		rows = append(rows, []string{strconv.Itoa(s.Rank), name, score(*s.Score), strings.Join(parts, l.PartSep)})
		bars = append(bars, layout.Bar{Label: name, Value: *s.Score, Text: score(*s.Score)})
	}
	c := l.CompositeCols
	nw := r.nameW(80, 9.5)
	r.f.Table(layout.Table{
		Caption: l.CompositeCaption, CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: c[0], W: 40, Right: true}, {Title: c[1], W: nw}, {Title: c[2], W: 70, Right: true}, {Title: c[3], W: layout.ContentW - 110 - nw}},
		Rows: rows,
	})
	r.chart("chart-composite", fmt.Sprintf(l.CompositeChart, l.Methods[res.Input.Method]), bars, false)
}

func (r *report) indicators() {
	res := r.in.Ranking
	if len(res.Indicators) == 0 {
		return
	}
	l := r.l
	r.chapter(2)
	r.f.Para(l.IndicatorsIntro, stBody)
	for i, ind := range res.Indicators {
		name := r.termLabel(ind.ID, ind.Measure)
		r.f.Heading(fmt.Sprintf(l.IndicatorTitle, i+1, name), stSection, keep+120, 1)
		measured := r.measured(ind.Measure, ind.Unit)
		var rows [][]string
		for _, row := range ind.Rows {
			if row.Rank == 0 {
				rows = append(rows, []string{"—", r.member(row.Code, row.Name), l.missing(row.Missing)})
				continue
			}
			rows = append(rows, []string{strconv.Itoa(row.Rank), r.member(row.Code, row.Name), row.Literal})
		}
		bars := Bars(ind, func(row ranking.Row) string { return r.member(row.Code, row.Name) })
		r.f.Table(layout.Table{
			Cols: []layout.Column{{Title: l.RankCols[0], W: 60, Right: true}, {Title: l.RankCols[1], W: r.nameW(120, 9.5)}, {Title: measured, W: 120, Right: true}},
			Rows: rows,
		})
		title := ind.Name + measured
		if l.en() {
			title = r.indicatorName(ind.ID) + ": " + measured
		}
		r.chart(fmt.Sprintf("chart-%d-%s-%s", i+1, ind.ID, ind.Measure), title, bars, ind.Measure == ranking.Change)
	}
}

// Bars are an indicator's bars as the report and the city portal draw
// them: the ranked members in rank order, labelled by label; members
// without a comparable figure (未上报) have no bar, never a zero one.
func Bars(ind ranking.Ranking, label func(ranking.Row) string) []layout.Bar {
	var bars []layout.Bar
	for _, row := range ind.Rows {
		if row.Rank == 0 || row.Figure == nil {
			continue
		}
		text := row.Literal
		if ind.Measure == ranking.Change {
			text += "%"
		}
		bars = append(bars, layout.Bar{Label: label(row), Value: *row.Figure, Text: text})
	}
	return bars
}

// Chart is an indicator's bar chart, width points wide; changes are drawn
// about zero (signed).
func Chart(f *layout.Font, name, title, source string, bars []layout.Bar, signed bool, width float64) *layout.Chart {
	return layout.BarChart(f, layout.BarSpec{Name: name, Title: title, Bars: bars, Width: width, Signed: signed, Source: source})
}

func (r *report) chart(name, title string, bars []layout.Bar, signed bool) {
	if len(bars) == 0 {
		return
	}
	c := Chart(r.f.Font(layout.Sans), name, title, r.l.ChartSource, bars, signed, layout.ContentW)
	r.charts = append(r.charts, c)
	r.f.Space(6)
	r.f.Chart(c)
}

func (r *report) method() {
	res := r.in.Ranking
	l := r.l
	r.chapter(3)
	r.f.Para(l.MethodIntro, stBody)
	for _, line := range l.MethodLines {
		r.f.ParaAt("· "+line, stFormula, layout.MarginX+21, layout.ContentW-21)
	}
	r.f.Para(fmt.Sprintf(l.MethodUse, l.Methods[res.Input.Method]), stBody)
	total := 0
	for _, t := range res.Input.Terms {
		total += t.Weight
	}
	var rows [][]string
	for i, t := range res.Input.Terms {
		dir := l.Higher
		if t.Direction == ranking.Lower {
			dir = l.Lower
		}
		row := []string{r.termName(t), t.ID, fmt.Sprintf("%d/%d", t.Weight, total), dir, "—", "—", "—", "—"}
		if i < len(res.Stats) {
			s := res.Stats[i]
			row[4], row[5], row[6], row[7] = num(s.Min), num(s.Max), num(s.Mean), num(s.SD)
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		dw := 60.0
		if l.en() {
			dw = 85 // higher is better, on one line
		}
		w := (layout.ContentW - 175 - dw) / 4
		c := l.StatsCols
		r.f.Table(layout.Table{
			Caption: l.StatsCaption, CaptionStyle: stCaption,
			Cols: []layout.Column{{Title: c[0], W: 100}, {Title: c[1], W: 40, Sans: true}, {Title: c[2], W: 35, Right: true}, {Title: c[3], W: dw},
				{Title: c[4], W: w, Right: true}, {Title: c[5], W: w, Right: true}, {Title: c[6], W: w, Right: true}, {Title: c[7], W: w, Right: true}},
			Rows: rows, Size: 9,
		})
	}
	r.inputs()
}

// inputs lists the figures each term was computed from, as the counties wrote them.
func (r *report) inputs() {
	res := r.in.Ranking
	if len(res.Input.Terms) == 0 {
		return
	}
	nw := r.nameW(90, 9.5)
	cols := []layout.Column{{Title: r.l.RankCols[1], W: nw}}
	w := (layout.ContentW - nw) / float64(len(res.Input.Terms))
	for _, t := range res.Input.Terms {
		cols = append(cols, layout.Column{Title: r.termName(t), W: w, Right: true})
	}
	var rows [][]string
	for _, m := range res.Input.Members {
		row := []string{r.member(m.Code, m.Name)}
		for _, t := range res.Input.Terms {
			f := m.Figures[t.ID]
			v := f.Value
			if t.Measure == ranking.Change {
				v = f.Change
			}
			if v == "" {
				v = r.l.missing(ranking.NotReported)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	r.f.Table(layout.Table{Caption: r.l.InputsCaption, CaptionStyle: stCaption, Cols: cols, Rows: rows})
}

func (r *report) sources() {
	r.f.Ensure(keep + 140) // the heading with the table's header and first rows
	l := r.l
	r.chapter(4)
	if len(r.in.Sources) == 0 {
		r.f.Para(l.NoSources, stBody)
		return
	}
	var rows [][]string
	for _, s := range r.in.Sources {
		pub, date := l.pick(s.Publication, s.PublicationEn), s.Date
		if l.en() {
			date = lang.Date(date)
		}
		if date != "" {
			pub += l.DateSep + date
		}
		rows = append(rows, []string{r.member(s.Code, s.County), pub, s.URL})
	}
	c := l.SourceCols
	nw := r.nameW(70, 8.5)
	r.f.Table(layout.Table{
		Cols: []layout.Column{{Title: c[0], W: nw}, {Title: c[1], W: 170}, {Title: c[2], W: layout.ContentW - 170 - nw, Sans: true}},
		Rows: rows, Size: 8.5,
	})
	r.f.Para(l.SourcesNote, stNote)
}

func (r *report) termName(t ranking.Term) string { return r.termLabel(t.ID, t.Measure) }

// termLabel names a term by the indicator's name in the rankings:
// GDP总量 / GDP, value.
func (r *report) termLabel(id, measure string) string {
	return fmt.Sprintf(r.l.TermMeasures[measure], r.indicatorName(id))
}

// indicatorName is an indicator's name in the rankings, in the edition's
// language (its id when no ranking names it).
func (r *report) indicatorName(id string) string {
	for _, ind := range r.in.Ranking.Indicators {
		if ind.ID == id {
			return r.l.pick(ind.Name, ind.NameEn)
		}
	}
	if r.l.en() {
		return id
	}
	return id + " "
}

func score(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// num shows a statistic to four decimals at most (2.5, 29.6631).
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
