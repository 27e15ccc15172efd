package city

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/typeset"
)

func (r *report) method() {
	res := r.in.Ranking
	l := r.l
	r.chapter(3)
	r.f.Para(l.MethodIntro, stBody)
	r.f.Begin("L")
	for _, line := range l.MethodLines {
		r.f.ListItem("· ", line, stFormula, layout.MarginX+21, layout.ContentW-21)
	}
	r.f.End()
	r.f.Para(fmt.Sprintf(l.MethodUse, l.Methods[res.Input.Method]), stBody)
	total := 0
	for _, t := range res.Input.Terms {
		total += t.Weight
	}
	scored := 0 // the statistics are over the counties with a composite score
	for _, sc := range res.Composite {
		if sc.Score != nil {
			scored++
		}
	}
	var rows [][]string
	for i, t := range res.Input.Terms {
		dir := l.Higher
		if t.Direction == ranking.Lower {
			dir = l.Lower
		}
		sc, lits := r.termScale(t)
		row := []string{r.termName(t), sc.unit, fmt.Sprintf("%d/%d", t.Weight, total), dir, strconv.Itoa(scored), "—", "—", "—", "—"}
		if i < len(res.Stats) {
			s, d := res.Stats[i], sc.decimals(lits)
			row[5], row[6], row[7], row[8] = fixed(sc.float(s.Min), d), fixed(sc.float(s.Max), d), fixed(sc.float(s.Mean), d), fixed(sc.float(s.SD), d)
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		nw, uw, dw := 95.0, 40.0, 55.0
		if l.en() {
			nw, uw, dw = 70, 62, 78 // billion yuan; higher is better, on one line
		}
		w := (layout.ContentW - nw - uw - 35 - dw - 48) / 4
		c := l.StatsCols
		r.f.Table(layout.Table{
			Caption: l.StatsCaption, CaptionStyle: stCaption,
			Cols: []layout.Column{{Title: c[0], W: nw, RowHeader: true}, {Title: c[1], W: uw, Sans: true}, {Title: c[2], W: 35, Right: true}, {Title: c[3], W: dw},
				{Title: c[4], W: 48, Right: true}, {Title: c[5], W: w, Right: true}, {Title: c[6], W: w, Right: true}, {Title: c[7], W: w, Right: true}, {Title: c[8], W: w, Right: true}},
			Rows: rows, Size: 9,
		})
	}
	r.inputs()
}

// termScale is the scale a term's figures are shown in, with the figures
// the composite used.
func (r *report) termScale(t ranking.Term) (scale, []string) {
	var lits []string
	unit := ""
	for _, s := range r.in.Ranking.Composite {
		if s.Score == nil {
			continue
		}
		for _, m := range r.in.Ranking.Input.Members {
			if m.Code != s.Code {
				continue
			}
			f := m.Figures[t.ID]
			lit := f.Value
			if t.Measure == ranking.Change {
				lit = f.Change
			}
			lits, unit = append(lits, lit), f.Unit
		}
	}
	return r.scaleOf(t.Measure, unit, lits), lits
}

// inputs lists the figures each term was computed from, as published or
// submitted, with their units and statuses.
func (r *report) inputs() {
	res := r.in.Ranking
	if len(res.Input.Terms) == 0 {
		return
	}
	l := r.l
	nw := r.nameW(90, 9.5)
	cols := []layout.Column{{Title: l.RankCols[1], W: nw, RowHeader: true}}
	w := (layout.ContentW - nw) / float64(len(res.Input.Terms))
	scales := make([]scale, len(res.Input.Terms))
	for i, t := range res.Input.Terms {
		scales[i], _ = r.termScale(t)
		cols = append(cols, layout.Column{Title: fmt.Sprintf(l.Unit, r.termName(t), scales[i].unit), W: w, Right: true})
	}
	var rows [][]string
	for _, m := range res.Input.Members {
		row := []string{r.member(m.Code, m.Name)}
		for i, t := range res.Input.Terms {
			f := m.Figures[t.ID]
			v := f.Value
			if t.Measure == ranking.Change {
				v = f.Change
			}
			switch {
			case !m.Submitted:
				v = r.why(ranking.NotReported)
			case v == "":
				v = l.missing(ranking.NoFigure)
			default:
				v = scales[i].show(v)
				if f.Status != "" {
					v += r.paren(l.Statuses[f.Status])
				}
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	r.f.Table(layout.Table{Caption: l.InputsCaption, CaptionStyle: stCaption, Cols: cols, Rows: rows})
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
		pub := l.pick(typeset.Punctuate(s.Publication), s.PublicationEn)
		if h := l.pick(typeset.Punctuate(s.Headline), s.HeadlineEn); h != "" && !strings.Contains(s.Publication, s.Headline) {
			if l.en() {
				pub += ", “" + h + "”"
			} else {
				pub += "《" + h + "》"
			}
		}
		date := s.Date
		if l.en() {
			date = lang.Date(date)
		} else if len(date) == 10 {
			m, _ := strconv.Atoi(date[5:7])
			d, _ := strconv.Atoi(date[8:])
			date = fmt.Sprintf("%s年%d月%d日", date[:4], m, d)
		}
		if date != "" {
			pub += l.DateSep + date
		}
		rows = append(rows, []string{r.member(s.Code, s.County), pub, s.URL})
	}
	c := l.SourceCols
	nw := r.nameW(70, 8.5)
	r.f.Table(layout.Table{
		Cols: []layout.Column{{Title: c[0], W: nw, RowHeader: true}, {Title: c[1], W: 190}, {Title: c[2], W: layout.ContentW - 190 - nw, Sans: true, Link: true}},
		Rows: rows, Size: 8.5,
	})
	var none []string
	for _, b := range r.in.Board {
		if b.From == "" {
			none = append(none, r.member(b.Code, b.Name))
		}
	}
	if len(none) > 0 {
		r.f.Para(fmt.Sprintf(l.SourcesNote, r.list(none)), stNote)
	}
}

func (r *report) termName(t ranking.Term) string { return r.termLabel(t.ID, t.Measure) }

// termLabel names a term by the indicator's name in the rankings:
// 地区生产总值总量 / GDP; 地区生产总值增速 / GDP growth.
func (r *report) termLabel(id, measure string) string {
	return fmt.Sprintf(r.l.TermMeasures[measure], r.indicatorName(id))
}

// indicatorName is an indicator's name in the edition's language: as the
// rankings or, for one not ranked, the counties' figures name it.
func (r *report) indicatorName(id string) string {
	res := r.in.Ranking
	for _, ind := range append(append([]ranking.Ranking(nil), res.Indicators...), res.Thin...) {
		if ind.ID == id && ind.Name != "" {
			return r.l.pick(ind.Name, ind.NameEn)
		}
	}
	for _, m := range res.Input.Members {
		if f, ok := m.Figures[id]; ok && f.Name != "" {
			return r.l.pick(f.Name, f.NameEn)
		}
	}
	return r.l.text(id)
}

func score(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
