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
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/render/layout"
)

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
	out := &Output{PDF: r.f.Finish(r.meta()), Pages: r.f.Pages()}
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

// measured is a measure's name with its unit: 总量（亿元） / Value (billion yuan).
func (r *report) measured(measure, unit string) string {
	m := r.l.Measures[measure]
	if unit != "" {
		return fmt.Sprintf(r.l.Unit, m, unit)
	}
	return m
}

// meta is the PDF's document information. The city is named as its
// author only when it compiled figures submitted to it; a report of
// figures compiled from published sources names no author.
func (r *report) meta() layout.Meta {
	l, in := r.l, r.in
	city, sep := r.city(), " "
	if l.en() {
		sep = ", "
	}
	title := city + sep + l.Kind + " " + l.period(in.Period)
	subject := l.ReportPeriod + " " + l.period(in.Period)
	if fig := r.figuresText(); fig != "" {
		title += fmt.Sprintf(l.FiguresOf, fig)
		if l.en() {
			title = city + sep + l.Kind + ", " + l.period(in.Period) + " " + fmt.Sprintf(l.FiguresOf, fig)
		}
		subject += sep + l.FiguresPeriod + " " + fig
	}
	author := ""
	if in.count(FromPortal) > 0 {
		author = city
	}
	return layout.Meta{Title: title, Author: author, Subject: subject,
		Keywords: city + ", " + l.Keywords + ", " + l.Methods[in.Ranking.Input.Method], Lang: l.Lang}
}

// figuresText is the period of the figures as shown (2022年 / 2022; several
// joined); "" when no county has figures.
func (r *report) figuresText() string {
	var ps []string
	for _, p := range r.in.figures() {
		ps = append(ps, r.l.period(p))
	}
	return strings.Join(ps, r.l.EnumSep)
}

func (r *report) furniture(p *layout.Page, n, total int) {
	sans := r.f.Font(layout.Sans)
	l := r.l
	left := []rune(r.city() + " · " + l.Kind)
	right := l.ReportPeriod + " " + l.period(r.in.Period)
	if fig := r.figuresText(); fig != "" {
		if l.en() {
			right = l.ReportPeriod + ": " + l.period(r.in.Period) + " · " + l.FiguresPeriod + " " + fig
		} else {
			right += "　" + l.FiguresPeriod + " " + fig
		}
	}
	p.Header()
	p.Text(sans, layout.MarginX, 46, 8.5, layout.ColMuted, left, nil, false)
	p.Text(sans, layout.MarginX+layout.ContentW-sans.TextWidth(right, 8.5), 46, 8.5, layout.ColMuted, []rune(right), nil, false)
	p.Rect(layout.MarginX, 52, layout.ContentW, 0.6, layout.ColAccent)
	foot := fmt.Sprintf(l.PageOf, n, total)
	p.Footer()
	p.Rect(layout.MarginX, layout.PageH-48, layout.ContentW, 0.4, layout.ColRule)
	p.Text(sans, (layout.PageW-sans.TextWidth(foot, 8.5))/2, layout.PageH-32, 8.5, layout.ColMuted, []rune(foot), nil, false)
}

// monthly reports whether the figures are a month's: only then is the
// report a 月报 (monthly report) on its cover.
func (r *report) monthly() bool {
	ps := r.in.figures()
	return len(ps) > 0 && len(ps[0]) == 7 && ps[0][5] != 'Q'
}

// provenance is the cover's line on where the figures come from.
func (r *report) provenance() string {
	l, in := r.l, r.in
	portal, published := in.count(FromPortal), in.count(FromPublished)
	switch {
	case portal > 0 && published > 0:
		return fmt.Sprintf(l.FromMixed, portal, published)
	case portal > 0:
		return l.FromAllPortal
	case published > 0:
		return l.FromAllPublished
	}
	return ""
}

func (r *report) cover() {
	f, in, l := r.f, r.in, r.l
	f.NewPage(true)
	f.Decorate(func(p *layout.Page) {
		p.Rect(0, 0, layout.PageW, 10, layout.ColAccent)
		p.Rect(layout.MarginX, 292, layout.ContentW, 1.6, layout.ColAccent)
	})
	centre := func(y float64, st layout.Style, s string) {
		f.Text(layout.MarginX+(layout.ContentW-f.TextWidth(s, st))/2, y, st, s)
	}
	kicker := l.Kicker
	if r.monthly() {
		kicker = l.KickerMonthly
	}
	centre(140, layout.Style{Face: layout.Sans, Size: 14, Color: layout.ColAccent}, kicker)
	centre(182, layout.Style{Face: layout.Sans, Size: 32, Color: layout.ColText, Bold: true}, r.city())
	centre(244, layout.Style{Face: layout.Sans, Size: 17, Color: layout.ColText}, l.period(in.Period))
	fig := r.figuresText()
	if fig != "" {
		centre(270, layout.Style{Face: layout.Sans, Size: 11, Color: layout.ColMuted}, fmt.Sprintf(l.FiguresOf, fig))
	}
	f.SetY(318)
	line := l.CoverLine
	if in.process() {
		line = l.CoverLineProcess
	}
	f.Para(fmt.Sprintf(line, len(in.Ranking.Input.Members)),
		layout.Style{Face: layout.Serif, Size: 19, Leading: 30, Color: layout.ColText, Bold: true, Align: layout.Center, After: 6, Role: "H1"})
	f.SetY(layout.PageH - 250)
	rows := [][2]string{{l.ReportPeriod, l.period(in.Period)}}
	if fig != "" {
		rows = append(rows, [2]string{l.FiguresPeriod, fig})
	}
	if in.process() {
		rows = append(rows, [2]string{l.Deadline, in.Deadline})
	}
	rows = append(rows, [2]string{l.Method, l.Methods[in.Ranking.Input.Method]})
	if p := r.provenance(); p != "" {
		rows = append(rows, [2]string{l.DataFrom, p})
	}
	if in.count(FromPortal) > 0 {
		rows = append(rows, [2]string{l.Compiler, r.city()})
	}
	key := layout.Style{Face: layout.Sans, Size: 10.5, Color: layout.ColMuted}
	val := layout.Style{Face: layout.Serif, Size: 10.5, Leading: 18, Color: layout.ColText, Align: layout.Left, After: 4}
	// the cover's particulars: a table of two columns, each row headed by its key
	f.Begin("Table")
	for _, row := range rows {
		f.Begin("TR")
		f.Begin("TH").Scope = "Row"
		f.Text(layout.MarginX+40, f.Y()+3.5, key, row[0])
		f.End()
		f.Begin("TD")
		f.ParaAt(row[1], val, layout.MarginX+130, layout.ContentW-170)
		f.End()
		f.End()
	}
	f.End()
}

func (r *report) chapter(n int) {
	if r.f.Y() > layout.Top {
		r.f.Space(14)
	}
	title := r.l.Chapters[n]
	if r.in.process() {
		title = r.l.ChaptersProcess[n]
	}
	r.f.Heading(title, stChapter, keep+20, 0)
	r.f.Rule(0.8, layout.ColAccent)
	r.f.Space(10)
}
