package county

import (
	"fmt"
	"github.com/countyreport/countyreport/internal/render/layout"
	"strings"
)

// sep joins parts the edition's way: "；" or "; ".
func (r *report) sep() string {
	if r.l.en() {
		return "; "
	}
	return "；"
}

// compiled is the line that says who the report is from: the issuer, or
// 据《衡阳日报》报道整理 when it is compiled from a publication.
func (r *report) compiled() string {
	m := &r.ds.Meta
	if m.Issuer != "" {
		return ""
	}
	if m.Source != nil {
		pub := m.Source.Publication
		if r.l.en() {
			pub = "the " + pub
		}
		return fmt.Sprintf(r.l.CompiledFrom, pub)
	}
	return ""
}

func (r *report) chapter(title string) { r.chapterBefore(title, 0) }

// chapterBefore is chapter with the first first points of what follows
// (a chart, drawn whole) kept on the heading's page too, so the heading
// never ends a page whose rest is left empty.
func (r *report) chapterBefore(title string, first float64) {
	t := r.l.chapter(r.chap, title)
	r.chap++
	if r.f.Y() > layout.Top {
		r.f.Space(14)
	}
	r.f.Heading(t, stChapter, max(keep+20, first+chapterGap), 0)
	r.f.Rule(0.8, layout.ColAccent)
	r.f.Space(chapterGap)
}

// chapterGap is the space between a chapter's rule and what follows.
const chapterGap = 10

func (r *report) furniture(p *layout.Page, n, total int) {
	m, l := &r.ds.Meta, r.l
	sans := r.f.Font(layout.Sans)
	left := []rune(m.CountyName + " · " + l.ReportKind)
	right := []rune(l.ReportPeriod + " " + l.period(m.Period) + "　" + l.FiguresPeriod + " " + l.period(m.Figures()))
	if l.en() {
		right = []rune(l.ReportPeriod + ": " + l.period(m.Period) + " · " + l.FiguresPeriod + " " + l.period(m.Figures()))
	}
	p.Header()
	p.Text(sans, layout.MarginX, 46, 8.5, layout.ColMuted, left, nil, false)
	p.Text(sans, layout.MarginX+layout.ContentW-sans.TextWidth(string(right), 8.5), 46, 8.5, layout.ColMuted, right, nil, false)
	p.Rect(layout.MarginX, 52, layout.ContentW, 0.6, layout.ColAccent)
	foot := fmt.Sprintf(l.PageOf, n, total)
	p.Footer()
	p.Rect(layout.MarginX, layout.PageH-48, layout.ContentW, 0.4, layout.ColRule)
	p.Text(sans, (layout.PageW-sans.TextWidth(foot, 8.5))/2, layout.PageH-32, 8.5, layout.ColMuted, []rune(foot), nil, false)
}

func (r *report) cover() {
	f, l, m := r.f, r.l, &r.ds.Meta
	f.NewPage(true)
	f.Decorate(func(p *layout.Page) {
		p.Rect(0, 0, layout.PageW, 10, layout.ColAccent)
		p.Rect(layout.MarginX, 292, layout.ContentW, 1.6, layout.ColAccent)
	})
	centre := func(y float64, st layout.Style, s string) {
		f.Text(layout.MarginX+(layout.ContentW-f.TextWidth(s, st))/2, y, st, s)
	}
	kind := l.ReportKind
	if m.City != "" {
		kind = m.City + " · " + kind
	}
	centre(140, layout.Style{Face: layout.Sans, Size: 14, Color: layout.ColAccent}, kind)
	centre(182, layout.Style{Face: layout.Sans, Size: 32, Color: layout.ColText, Bold: true}, m.CountyName)
	centre(244, layout.Style{Face: layout.Sans, Size: 17, Color: layout.ColText}, l.period(m.Period))
	f.SetY(318)
	f.Para(m.Title, layout.Style{Face: layout.Serif, Size: 21, Leading: 32, Color: layout.ColText, Bold: true, Align: layout.Center, After: 6, Role: "H1"})
	if m.Subtitle != "" {
		f.Para(m.Subtitle, layout.Style{Face: layout.Kai, Size: 13, Leading: 21, Color: layout.ColMuted, Align: layout.Center})
	}
	f.SetY(layout.PageH - 270)
	rows := [][2]string{
		{l.ReportPeriod, l.period(m.Period)},
		{l.FiguresPeriod, l.figures(m.Figures())},
	}
	if m.TargetPeriod != "" {
		rows = append(rows, [2]string{l.TargetPeriod, l.period(m.TargetPeriod)})
	}
	if m.Event != nil {
		v := m.Event.Name
		if m.Event.Date != "" {
			v += "（" + l.date(m.Event.Date) + "）"
			if l.en() {
				v = m.Event.Name + ", " + l.date(m.Event.Date)
			}
		}
		rows = append(rows, [2]string{l.Event, v})
	}
	if m.Issuer != "" {
		rows = append(rows, [2]string{l.Issuer, m.Issuer})
	} else if s := r.compiled(); s != "" {
		rows = append(rows, [2]string{l.Source, s})
	}
	if t := m.Translation; t != nil && l.en() {
		// said once: the note when there is one (it names the translator), else who
		v := t.Note
		if v == "" {
			v = t.By
		}
		rows = append(rows, [2]string{l.Translation, v})
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

func (r *report) overview() {
	f, l, m := r.f, r.l, &r.ds.Meta
	r.chapter(l.Overview)
	if s := r.compiled(); s != "" {
		f.Para(s+r.end(), stNote)
	}
	if len(m.Lead) > 0 && m.Source != nil && m.Issuer == "" {
		// the lead is the publication's own (本报推出…): quoted as its words
		f.Heading(fmt.Sprintf(l.LeadFrom, m.Source.Publication), stSub, keep, -1)
		st := stQuote
		if l.en() {
			st.Align = layout.Left // English in italic, justified, opens wide gaps
		}
		for _, p := range m.Lead {
			f.Para(p, st)
		}
	} else {
		for _, p := range m.Lead {
			f.Para(p, stBody)
		}
	}
	f.Space(8)
	var rows []string
	if m.Event != nil {
		v := m.Event.Name
		if m.Event.Date != "" {
			v += r.paren(l.date(m.Event.Date))
		}
		rows = append(rows, l.Event+r.colon()+v)
	}
	if s := m.Source; s != nil {
		v := s.Publication
		if s.Headline != "" {
			v += r.title(s.Headline)
		}
		if s.Date != "" {
			v += " " + l.date(s.Date)
		}
		rows = append(rows, l.Publication+r.colon()+v)
		if len(s.Authors) > 0 {
			rows = append(rows, l.Authors+r.colon()+strings.Join(s.Authors, r.sep()))
		}
		if s.URL != "" {
			rows = append(rows, l.Source+r.colon()+s.URL)
		}
	}
	for _, row := range rows {
		f.Para(row, layout.Style{Face: layout.Kai, Size: 10, Leading: 17, Color: layout.ColText, Align: layout.Left})
	}
	r.missingPhotos()
}

func (r *report) colon() string {
	if r.l.en() {
		return ": "
	}
	return "："
}

func (r *report) end() string {
	if r.l.en() {
		return "."
	}
	return "。"
}

func (r *report) paren(s string) string {
	if r.l.en() {
		return " (" + s + ")"
	}
	return "（" + s + "）"
}

func (r *report) title(s string) string {
	if r.l.en() {
		return ", “" + s + "”"
	}
	return "《" + s + "》"
}
