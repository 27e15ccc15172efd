package county

import (
	"fmt"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
	"strings"
)

// indicators sets the cards, the table of every figure and the targets;
// it returns the page they start on.
func (r *report) indicators() int {
	f, l, ds := r.f, r.l, r.ds
	fig := ds.Meta.Figures()
	cards := r.cards(fig)
	// the chapter's heading, its note and the card grid on one page
	if h := 120 + f.CardsHeight(cards, 3); len(cards) > 0 && h < layout.Bottom-layout.Top {
		f.Ensure(h)
	}
	r.chapter(l.Indicators)
	page := f.Page()
	f.Para(fmt.Sprintf(l.FiguresNote, l.figures(fig)), stNote)
	if len(cards) > 0 {
		// the heading kept with the whole grid, which stays on one page
		f.Heading(l.KeyCards, stSub, min(f.CardsHeight(cards, 3), layout.Bottom-layout.Top-40), -1)
		f.Cards(cards, 3)
		f.Space(8)
	}
	r.indicatorTable(fig, l.changeWord(fig))
	r.targetTable()
	return page
}

// cards are the key indicators' cards.
func (r *report) cards(fig string) []layout.Card {
	l, ds := r.l, r.ds
	var keys []*dataset.Indicator
	for i := range ds.Indicators {
		if in := &ds.Indicators[i]; in.Key && (in.Value != nil || in.Change != nil) {
			keys = append(keys, in)
		}
	}
	var cards []layout.Card
	word := l.changeWord(fig)
	for _, in := range keys {
		c := layout.Card{Title: in.Name, FigureCol: layout.ColText, FootCol: layout.ColMuted, FigureFace: layout.Sans}
		if in.Value != nil {
			c.Figure, c.Unit = l.num(in.Value), in.Unit
		} else {
			c.Figure, c.FigureCol, c.Unit = change(in.Change), dirCol(in.Change), word
		}
		var foot []string
		if in.Value != nil && in.Change != nil {
			foot = append(foot, word+" "+change(in.Change))
			c.FootCol = dirCol(in.Change)
		}
		if in.Milestone != "" {
			foot = append(foot, in.Milestone)
		}
		c.Foot = strings.Join(foot, r.sep())
		switch {
		case in.Estimated:
			c.Badge = l.Estimated
		case in.Preliminary:
			c.Badge = l.Preliminary
		}
		cards = append(cards, c)
	}
	return cards
}

func dirCol(n *dataset.Number) layout.RGB {
	if n != nil && n.Float() < 0 {
		return layout.ColDown
	}
	return layout.ColUp
}

func (r *report) indicatorTable(fig, word string) {
	l, ds := r.l, r.ds
	w := layout.ContentW
	var rows [][]string
	var ins []*dataset.Indicator
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Value == nil && in.Change == nil {
			continue
		}
		v, c := "—", "—"
		if in.Value != nil {
			v = l.num(in.Value)
		}
		if in.Change != nil {
			c = change(in.Change)
		}
		rows = append(rows, []string{in.Name, v, in.Unit, c, l.remarks(in, fig)})
		ins = append(ins, in)
	}
	r.f.Table(layout.Table{
		Caption: r.tableNo() + r.ofPeriod(l.Table, l.period(fig)), CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: l.Name, W: w * 0.36, RowHeader: true}, {Title: l.period(fig), W: w * 0.12, Right: true}, {Title: l.Unit, W: w * 0.15, Sans: true}, {Title: word, W: w * 0.13, Right: true}, {Title: l.Remarks, W: w * 0.24}},
		Rows: rows, Face: layout.Serif,
		Colour: func(ri, ci int) layout.RGB {
			if ci == 3 && ins[ri].Change != nil {
				return dirCol(ins[ri].Change)
			}
			return layout.ColText
		},
	})
}

// ofPeriod titles what for a period: 2022年指标一览 / All indicators, 2022.
func (r *report) ofPeriod(what, period string) string {
	if r.l.en() {
		return what + ", " + period
	}
	return period + what
}

func (r *report) space() string {
	if r.l.en() {
		return " "
	}
	return ""
}

// tableNo numbers the tables: 表1　/ Table 1.
func (r *report) tableNo() string {
	r.tables++
	if r.l.en() {
		return fmt.Sprintf("Table %d. ", r.tables)
	}
	return fmt.Sprintf("表%d　", r.tables)
}

func (r *report) targetTable() {
	l, ds := r.l, r.ds
	var rows [][]string
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Target != nil {
			was := "—"
			if in.Value != nil {
				was = l.amount(in.Value, in.Unit)
			}
			rows = append(rows, []string{in.Name, l.target(in), was})
		}
	}
	if len(rows) == 0 {
		return
	}
	w := layout.ContentW
	r.f.Table(layout.Table{
		Caption: r.tableNo() + r.ofPeriod(l.Targets, l.period(ds.Meta.TargetPeriod)), CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: l.Name, W: w * 0.45, RowHeader: true}, {Title: l.period(ds.Meta.TargetPeriod) + r.space() + l.Target, W: w * 0.30}, {Title: l.period(ds.Meta.Figures()), W: w * 0.25}},
		Rows: rows, Face: layout.Serif,
	})
}

func (r *report) chartsChapter(charts []*layout.Chart) {
	if len(charts) == 0 {
		return
	}
	r.chapterBefore(r.l.Charts, charts[0].H)
	for _, c := range charts {
		r.f.Chart(c)
		r.f.Space(16)
	}
}
