package city

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// members counts, for each term, the counties that have a figure for it,
// and reports whether every term has more than any other measure.
func (r *report) coverage() (counts []string, most bool) {
	res := r.in.Ranking
	n := func(rk ranking.Ranking) int {
		c := 0
		for _, row := range rk.Rows {
			if row.Rank > 0 {
				c++
			}
		}
		return c
	}
	least, others := 1<<30, 0
	for _, t := range res.Input.Terms {
		c := 0
		for _, rk := range res.Indicators {
			if rk.ID == t.ID && rk.Measure == t.Measure {
				c = n(rk)
			}
		}
		least = min(least, c)
		counts = append(counts, strconv.Itoa(c))
	}
	for _, rk := range append(append([]ranking.Ranking(nil), res.Indicators...), res.Thin...) {
		if !isTerm(res.Input.Terms, rk.ID, rk.Measure) {
			others = max(others, n(rk))
		}
	}
	return counts, least > others
}

// oneIndicator reports whether the terms are measures of one indicator.
func oneIndicator(terms []ranking.Term) bool {
	for _, t := range terms {
		if t.ID != terms[0].ID {
			return false
		}
	}
	return len(terms) > 1
}

func isTerm(terms []ranking.Term, id, measure string) bool {
	for _, t := range terms {
		if t.ID == id && t.Measure == measure {
			return true
		}
	}
	return false
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
	counts, most := r.coverage()
	suffix := ""
	if most {
		suffix = l.MostSuffix
	}
	r.f.Para(fmt.Sprintf(l.CompositeIntro, l.Methods[res.Input.Method], r.list(terms), strings.Join(counts, l.CountSep), suffix,
		r.l.missing(r.nothing())), stBody)
	var rows [][]string
	var bars []layout.Bar
	statuses := false
	for _, s := range res.Composite {
		if s.Score == nil {
			var lacks []string
			for _, lack := range s.Lacks {
				id, measure, _ := strings.Cut(lack, "/")
				lacks = append(lacks, fmt.Sprintf(l.Lacks, r.termLabel(id, measure)))
			}
			rows = append(rows, []string{"—", r.member(s.Code, s.Name), r.why(s.Missing), strings.Join(lacks, l.EnumSep), ""})
			continue
		}
		var parts []string
		for _, ts := range s.Terms {
			label := r.termLabel(ts.ID, ts.Measure)
			if oneIndicator(res.Input.Terms) {
				label = l.Measures[ts.Measure] // 总量 85.68；增速 84.00: the paragraph names the indicator
			}
			parts = append(parts, fmt.Sprintf("%s %s", label, score(ts.Normalized)))
		}
		name := r.member(s.Code, s.Name)
		st := r.scoreStatus(s.Code)
		statuses = statuses || st != ""
		if st == "" {
			st = l.Statuses[""]
		}
		rows = append(rows, []string{strconv.Itoa(s.Rank), name, score(*s.Score), strings.Join(parts, l.PartSep), st})
		b := layout.Bar{Label: name, Value: *s.Score, Text: score(*s.Score)}
		b.Estimated, b.Preliminary = strings.Contains(st, l.Statuses[ranking.Estimated]), strings.Contains(st, l.Statuses[ranking.Preliminary])
		bars = append(bars, b)
	}
	c := l.CompositeCols
	nw := r.nameW(80, 9.5)
	sw, stw := 72.0, 58.0 // 综合得分（分）; 初步核算
	if l.en() {
		sw, stw = 75, 70 // Score (points); Preliminary
	}
	cols := []layout.Column{{Title: c[0], W: 36, Right: true}, {Title: c[1], W: nw, RowHeader: true}, {Title: fmt.Sprintf(l.Unit, c[2], l.Score), W: sw, Right: true}}
	if statuses {
		cols = append(cols, layout.Column{Title: c[3], W: layout.ContentW - 36 - sw - stw - nw}, layout.Column{Title: l.StatusCol, W: stw})
	} else {
		cols = append(cols, layout.Column{Title: c[3], W: layout.ContentW - 36 - sw - nw})
		for i := range rows {
			rows[i] = rows[i][:4]
		}
	}
	r.f.Table(layout.Table{Caption: l.CompositeCaption, CaptionStyle: stCaption, Cols: cols, Rows: rows})
	if statuses {
		r.f.Para(l.StatusNote, stNote)
	}
	r.chart("chart-composite", fmt.Sprintf(l.CompositeChart, l.Methods[res.Input.Method]), bars, false)
}

// scoreStatus names the statuses of the figures a county's composite
// score rests on (预计, 初步核算), "" when all are as published.
func (r *report) scoreStatus(code string) string {
	var out []string
	for _, m := range r.in.Ranking.Input.Members {
		if m.Code != code {
			continue
		}
		for _, t := range r.in.Ranking.Input.Terms {
			if st := m.Figures[t.ID].Status; st != "" && !contains(out, r.l.Statuses[st]) {
				out = append(out, r.l.Statuses[st])
			}
		}
	}
	return strings.Join(out, r.l.EnumSep)
}

func (r *report) indicators() {
	res := r.in.Ranking
	if len(res.Indicators) == 0 && len(res.Thin) == 0 {
		return
	}
	l := r.l
	r.chapter(2)
	r.f.Para(fmt.Sprintf(l.IndicatorsIntro, r.least()), stBody)
	for i, ind := range res.Indicators {
		sc := r.scaleOf(ind.Measure, ind.Unit, literals(ind))
		name := r.termLabel(ind.ID, ind.Measure)
		r.f.Heading(fmt.Sprintf(l.IndicatorTitle, i+1, name), stSection, keep+120, 1)
		measured := r.measured(ind.Measure, sc.unit)
		var rows [][]string
		statuses := false
		for _, row := range ind.Rows {
			if row.Rank == 0 {
				rows = append(rows, []string{"—", r.member(row.Code, row.Name), r.why(row.Missing), ""})
				continue
			}
			statuses = statuses || row.Status != ""
			rows = append(rows, []string{strconv.Itoa(row.Rank), r.member(row.Code, row.Name), sc.show(row.Literal), l.Statuses[row.Status]})
		}
		cols := []layout.Column{{Title: l.RankCols[0], W: 60, Right: true}, {Title: l.RankCols[1], W: r.nameW(120, 9.5), RowHeader: true}, {Title: measured, W: 150, Right: true}}
		if statuses {
			cols = append(cols, layout.Column{Title: l.StatusCol, W: layout.ContentW - 210 - cols[1].W})
		} else {
			for i := range rows {
				rows[i] = rows[i][:3]
			}
		}
		r.f.Table(layout.Table{Cols: cols, Rows: rows})
		bars := barsIn(ind, sc, func(row ranking.Row) string { return r.member(row.Code, row.Name) })
		title := ind.Name + measured
		if l.en() {
			title = r.indicatorName(ind.ID) + ": " + measured
		}
		r.chart(fmt.Sprintf("chart-%d-%s-%s", i+1, ind.ID, ind.Measure), title, bars, ind.Measure == ranking.Change)
	}
	r.thin(len(res.Indicators) + 1)
}

// least is the fewest counties a ranked measure needs.
func (r *report) least() int {
	if n := r.in.Ranking.Input.MinMembers; n > 0 {
		return n
	}
	return ranking.MinMembers
}

// thin lists the measures too few counties have, with their figures, unranked.
func (r *report) thin(n int) {
	res, l := r.in.Ranking, r.l
	if len(res.Thin) == 0 {
		return
	}
	r.f.Heading(fmt.Sprintf(l.ThinTitle, n), stSection, keep+60, 1)
	r.f.Para(fmt.Sprintf(l.ThinIntro, r.least()), stBody)
	var rows [][]string
	for _, ind := range res.Thin {
		sc := r.scaleOf(ind.Measure, ind.Unit, literals(ind))
		var figs []string
		for _, row := range ind.Rows {
			if row.Rank == 0 {
				continue
			}
			fig := r.member(row.Code, row.Name) + " " + sc.show(row.Literal)
			if row.Status != "" {
				fig += r.paren(l.Statuses[row.Status])
			}
			figs = append(figs, fig)
		}
		rows = append(rows, []string{r.termLabel(ind.ID, ind.Measure), sc.unit, strings.Join(figs, l.PartSep)})
	}
	c := l.ThinCols
	r.f.Table(layout.Table{Cols: []layout.Column{{Title: c[0], W: 150, RowHeader: true}, {Title: c[1], W: 80, Sans: true}, {Title: c[2], W: layout.ContentW - 230}}, Rows: rows})
}

// paren puts s in the edition's brackets: （预计） / (estimate).
func (r *report) paren(s string) string {
	if r.l.en() {
		return " (" + strings.ToLower(s) + ")"
	}
	return "（" + s + "）"
}

// literals are the figures of a ranking's ranked rows, as written.
func literals(ind ranking.Ranking) []string {
	var out []string
	for _, row := range ind.Rows {
		if row.Rank > 0 {
			out = append(out, row.Literal)
		}
	}
	return out
}

// Bars are an indicator's bars as the report and the city portal draw
// them: the ranked members in rank order, labelled by label, estimates
// and preliminary figures drawn lighter; members without a comparable
// figure have no bar, never a zero one.
func Bars(ind ranking.Ranking, label func(ranking.Row) string) []layout.Bar {
	return barsIn(ind, scale{}, label)
}

func barsIn(ind ranking.Ranking, sc scale, label func(ranking.Row) string) []layout.Bar {
	var bars []layout.Bar
	for _, row := range ind.Rows {
		if row.Rank == 0 || row.Figure == nil {
			continue
		}
		text := sc.show(row.Literal)
		if ind.Measure == ranking.Change {
			text += "%"
		}
		bars = append(bars, layout.Bar{Label: label(row), Value: sc.float(*row.Figure), Text: text,
			Estimated: row.Status == ranking.Estimated, Preliminary: row.Status == ranking.Preliminary})
	}
	return bars
}

// Chart is an indicator's bar chart in edition lang, width points wide;
// changes are drawn about zero (signed). Its legend names the statuses
// (公布数, 初步核算, 预计) when any bar has one, as the report's does.
func Chart(f *layout.Font, lang, name, title, source string, bars []layout.Bar, signed bool, width float64) *layout.Chart {
	l, err := labelsFor(lang)
	if err != nil {
		l = &zh
	}
	spec := layout.BarSpec{Name: name, Title: title, Bars: bars, Width: width, Signed: signed, Source: source, Lang: l.Lang,
		Actual: l.Statuses[""], Estimated: l.Statuses[ranking.Estimated], Preliminary: l.Statuses[ranking.Preliminary]}
	if signed {
		spec.Note = l.ChartNote
	}
	return layout.BarChart(f, spec)
}

func (r *report) chart(name, title string, bars []layout.Bar, signed bool) {
	if len(bars) == 0 {
		return
	}
	c := Chart(r.f.Font(layout.Sans), r.l.Lang, name, title, r.sourceLine(), bars, signed, layout.ContentW)
	r.charts = append(r.charts, c)
	r.f.Space(6)
	r.f.Chart(c)
}

// sourceLine is the line under every chart: where the figures came from.
func (r *report) sourceLine() string {
	portal, published := r.in.count(FromPortal), r.in.count(FromPublished)
	switch {
	case portal > 0 && published > 0:
		return r.l.SourceMixed
	case portal > 0:
		return r.l.SourcePortal
	}
	return r.l.SourcePublished
}
