package county

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
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

func (r *report) chapter(title string) {
	t := r.l.chapter(r.chap, title)
	r.chap++
	if r.f.Y() > layout.Top {
		r.f.Space(14)
	}
	r.f.Heading(t, stChapter, keep+20, 0)
	r.f.Rule(0.8, layout.ColAccent)
	r.f.Space(10)
}

func (r *report) furniture(p *layout.Page, n, total int) {
	m, l := &r.ds.Meta, r.l
	sans := r.f.Font(layout.Sans)
	left := []rune(m.CountyName + " · " + l.ReportKind)
	right := []rune(l.ReportPeriod + " " + l.period(m.Period) + "　" + l.FiguresPeriod + " " + l.period(m.Figures()))
	if l.en() {
		right = []rune(l.ReportPeriod + ": " + l.period(m.Period) + " · " + l.FiguresPeriod + " " + l.period(m.Figures()))
	}
	p.Text(sans, layout.MarginX, 46, 8.5, layout.ColMuted, left, nil, false)
	p.Text(sans, layout.MarginX+layout.ContentW-sans.TextWidth(string(right), 8.5), 46, 8.5, layout.ColMuted, right, nil, false)
	p.Rect(layout.MarginX, 52, layout.ContentW, 0.6, layout.ColAccent)
	foot := fmt.Sprintf(l.PageOf, n, total)
	p.Rect(layout.MarginX, layout.PageH-48, layout.ContentW, 0.4, layout.ColRule)
	p.Text(sans, (layout.PageW-sans.TextWidth(foot, 8.5))/2, layout.PageH-32, 8.5, layout.ColMuted, []rune(foot), nil, false)
}

func (r *report) cover() {
	f, l, m := r.f, r.l, &r.ds.Meta
	f.NewPage(true)
	f.Draw(func(p *layout.Page) {
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
	f.Para(m.Title, layout.Style{Face: layout.Serif, Size: 21, Leading: 32, Color: layout.ColText, Bold: true, Align: layout.Center, After: 6})
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
		rows = append(rows, [2]string{l.Translation, t.By + ". " + t.Note})
	}
	key := layout.Style{Face: layout.Sans, Size: 10.5, Color: layout.ColMuted}
	val := layout.Style{Face: layout.Serif, Size: 10.5, Leading: 18, Color: layout.ColText, Align: layout.Left, After: 4}
	for _, row := range rows {
		f.Text(layout.MarginX+40, f.Y()+3.5, key, row[0])
		f.ParaAt(row[1], val, layout.MarginX+130, layout.ContentW-170)
	}
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
		for _, p := range m.Lead {
			f.Para(p, stQuote)
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
	if t := m.Translation; t != nil && l.en() {
		rows = append(rows, l.Translation+r.colon()+t.By+". "+t.Note)
	}
	for _, row := range rows {
		f.Para(row, layout.Style{Face: layout.Kai, Size: 10, Leading: 17, Color: layout.ColText, Align: layout.Left})
	}
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

// indicators sets the cards, the table of every figure and the targets;
// it returns the page they start on.
func (r *report) indicators() int {
	f, l, ds := r.f, r.l, r.ds
	r.chapter(l.Indicators)
	page := f.Page()
	fig := ds.Meta.Figures()
	f.Para(fmt.Sprintf(l.FiguresNote, l.figures(fig)), stNote)
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
		if in.Estimated {
			c.Badge = l.Estimated
		}
		cards = append(cards, c)
	}
	if len(cards) > 0 {
		f.Heading(l.KeyCards, stSub, 90, -1)
		f.Cards(cards, 3)
		f.Space(8)
	}
	r.indicatorTable(fig, word)
	r.targetTable()
	return page
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
		Cols: []layout.Column{{Title: l.Name, W: w * 0.36}, {Title: l.period(fig), W: w * 0.12, Right: true}, {Title: l.Unit, W: w * 0.15, Sans: true}, {Title: word, W: w * 0.13, Right: true}, {Title: l.Remarks, W: w * 0.24}},
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
		Cols: []layout.Column{{Title: l.Name, W: w * 0.45}, {Title: l.period(ds.Meta.TargetPeriod) + r.space() + l.Target, W: w * 0.30}, {Title: l.period(ds.Meta.Figures()), W: w * 0.25}},
		Rows: rows, Face: layout.Serif,
	})
}

func (r *report) chartsChapter(charts []*layout.Chart) {
	if len(charts) == 0 {
		return
	}
	r.chapter(r.l.Charts)
	for _, c := range charts {
		r.f.Chart(c)
		r.f.Space(16)
	}
}

func (r *report) projects() {
	l, ds := r.l, r.ds
	if len(ds.Projects) == 0 {
		return
	}
	r.chapter(l.Projects)
	var rows [][]string
	for _, p := range ds.Projects {
		inv := "—"
		if p.Investment != nil {
			inv = l.amount(p.Investment, p.Unit)
		}
		st := strings.Trim(strings.Join([]string{p.Status, p.Note}, r.sep()), r.sep())
		rows = append(rows, []string{p.Name, inv, st})
	}
	w := layout.ContentW
	r.f.Table(layout.Table{
		Caption: r.tableNo() + l.Projects, CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: l.Project, W: w * 0.40}, {Title: l.Investment, W: w * 0.18, Right: true}, {Title: l.Status, W: w * 0.42}},
		Rows: rows, Face: layout.Serif,
	})
}

// narrative sets the chapter of one kind: its sections, plus the notes that
// belong with them (a titled note with what follows it, an untitled one
// with what precedes it).
func (r *report) narrative(kind, title string) {
	owner := sectionOwners(r.ds.Sections)
	started := false
	for i := range r.ds.Sections {
		if owner[i] != kind {
			continue
		}
		if !started {
			r.chapter(title)
			started = true
		}
		r.section(&r.ds.Sections[i], &r.orig.Sections[i])
	}
}

func (r *report) section(s, orig *dataset.Section) {
	f, l := r.f, r.l
	if s.Title != "" || s.Label != "" {
		h := strings.TrimSpace(s.Label + "　" + s.Title)
		if l.en() && s.Label != "" && s.Title != "" {
			h = s.Label + ": " + s.Title
		}
		if orig.Title == "" && orig.Kind != dataset.KindNote {
			h += l.Untitled
		}
		f.Heading(h, stSection, keep, 1)
	}
	if s.Kind == dataset.KindPlan {
		if s.Summary != "" {
			f.Heading(l.Summary, stSub, keep, -1)
			f.Para(s.Summary, stBody)
		}
		if len(s.Items) > 0 {
			f.Heading(l.Tasks, stSub, keep, -1)
		}
	} else if s.Summary != "" {
		f.Para(s.Summary, stBody)
	}
	for _, it := range s.Items {
		f.Para(it, stBody)
	}
	for _, n := range s.Notes {
		f.Para(l.EditorNote+n.Text, stNote)
	}
	f.Space(6)
}

type photo struct {
	p   dataset.Photo
	img []byte // nil when no usable file
}

func (r *report) loadPhotos() []photo {
	var out []photo
	for _, p := range r.ds.Photos {
		ph := photo{p: p}
		if p.Asset != "" && r.opts.Assets != nil && fs.ValidPath(path.Clean(p.Asset)) {
			if b, err := fs.ReadFile(r.opts.Assets, path.Clean(p.Asset)); err == nil && len(b) < 32<<20 {
				ph.img = b
			}
		}
		out = append(out, ph)
	}
	return out
}

// photoList sets the photographs that have files, each with its caption,
// and lists the captions of those without: no empty placeholder is printed.
func (r *report) photoList() {
	f, l := r.f, r.l
	if len(r.photos) == 0 {
		return
	}
	r.chapter(l.Photos)
	var missing []photo
	for _, ph := range r.photos {
		if ph.img == nil {
			missing = append(missing, ph)
			continue
		}
		h := layout.ContentW * 0.55
		f.Ensure(h + 40)
		if f.Image(ph.img, layout.MarginX, layout.ContentW, h) {
			f.Space(h + 6)
			f.Para(r.caption(ph.p), stCaption)
		} else {
			missing = append(missing, ph)
		}
	}
	if len(missing) > 0 {
		f.Para(l.PhotoNote, stNote)
		for i, ph := range missing {
			f.Para(fmt.Sprintf("%d. %s", i+1, r.caption(ph.p)), layout.Style{Face: layout.Kai, Size: 10.5, Leading: 18, Color: layout.ColText, Align: layout.Left, After: 2})
		}
	}
}

func (r *report) caption(p dataset.Photo) string {
	s := p.Caption
	if p.Credit != "" {
		if r.l.en() {
			s += " (" + r.l.PhotoCredit + p.Credit + ")"
		} else {
			s += "（" + p.Credit + "）"
		}
	}
	return s
}

// sectionOwners says which chapter (review or plan) each section is set in.
func sectionOwners(secs []dataset.Section) []string {
	owner := make([]string, len(secs))
	for i, s := range secs {
		if s.Kind != dataset.KindNote {
			owner[i] = s.Kind
		}
	}
	for i, s := range secs {
		if s.Kind == dataset.KindNote && s.Title == "" {
			for j := i - 1; j >= 0; j-- {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
	}
	for i := len(secs) - 1; i >= 0; i-- {
		if owner[i] == "" {
			for j := i + 1; j < len(secs); j++ {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
		if owner[i] == "" {
			owner[i] = dataset.KindReview
		}
	}
	return owner
}
