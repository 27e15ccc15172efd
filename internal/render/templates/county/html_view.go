package county

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// htmlView is what html.tmpl shows: plain strings in the edition's
// language, worked out here so that the template only places them. A nil
// chapter is left out, and the chapters are numbered in the order shown.
type htmlView struct {
	Lang, Title string
	PageCounter template.CSS
	Cover       htmlCover
	Overview    *htmlOverview
	Figures     *htmlFigures
	Charts      *htmlCharts
	Review      *htmlChapter
	Projects    *htmlProjects
	Plan        *htmlChapter
	Photos      *htmlPhotos
}

type htmlCover struct{ Kind, County, Period, Title, Subtitle string }

type htmlOverview struct {
	Heading    string
	FromSource bool   // compiled from a publication: its lead is quoted
	Compiled   string // "据《衡阳日报》报道整理"
	LeadFrom   string
	Quotes     []string
	Lead       []string // the lead's paragraphs, when the county issued it
	Meta       []htmlTerm
}

type htmlTerm struct{ Term, Desc string }

type htmlFigures struct {
	Heading, Note, CardsTitle, TableTitle string
	Cards                                 []htmlCard
	Columns                               []string
	Rows                                  []htmlRow
	Targets                               *htmlTargets
}

type htmlCard struct {
	Name, Unit, Change, Word, Dir, Estimated, Line, Milestone string
	HasValue                                                  bool
	Value                                                     string
}

type htmlRow struct{ Name, Value, Unit, Change, Dir, Remarks string }

type htmlTargets struct {
	Title   string
	Columns []string
	Rows    []struct{ Name, Target string }
}

type htmlCharts struct {
	Heading string
	Figures []struct {
		ID  string
		SVG template.HTML // drawn by layout, which escapes its text
	}
}

type htmlChapter struct {
	Heading  string
	Sections []htmlSection
}

type htmlSection struct {
	HasHeading             bool
	Label, Title           string
	SummaryHead, TasksHead string
	Summary, Items, Notes  []string
}

type htmlProjects struct {
	Heading string
	Columns []string
	Rows    []struct{ Name, Investment, Status string }
}

type htmlPhotos struct {
	Heading, Note string
	Shown         []htmlPhoto
	Missing       []htmlPhoto
}

type htmlPhoto struct {
	Caption, Credit string
	Src             template.URL
}

// newHTMLView builds the view of ds, the edition's copy of the dataset.
func newHTMLView(ds *dataset.Dataset, l *labels, charts []*layout.Chart, photos []photo) *htmlView {
	m := &ds.Meta
	chap := 0
	heading := func(t string) string { h := l.chapter(chap, t); chap++; return h }
	kind := l.ReportKind
	if m.City != "" {
		kind = m.City + " · " + kind
	}
	v := &htmlView{
		Lang:        l.Lang,
		Title:       m.CountyName + " " + l.period(m.Period) + " — " + m.Title,
		PageCounter: pageCounter(l.PageOf),
		Cover: htmlCover{Kind: kind, County: m.CountyName, Title: m.Title, Subtitle: m.Subtitle,
			Period: l.ReportPeriod + " " + l.period(m.Period) + " · " + l.FiguresPeriod + " " + l.figures(m.Figures())},
	}
	v.Overview = htmlOverviewOf(m, l, heading(l.Overview))
	v.Figures = htmlFiguresOf(ds, l, heading(l.Indicators))
	if len(charts) > 0 {
		v.Charts = &htmlCharts{Heading: heading(l.Charts)}
		for _, c := range charts {
			v.Charts.Figures = append(v.Charts.Figures, struct {
				ID  string
				SVG template.HTML
			}{c.Name, template.HTML(c.SVG())})
		}
	}
	owner := sectionOwners(ds.Sections)
	v.Review = htmlChapterOf(ds.Sections, owner, dataset.KindReview, l, func() string { return heading(l.Review) })
	if len(ds.Projects) > 0 {
		v.Projects = htmlProjectsOf(ds.Projects, l, heading(l.Projects))
	}
	v.Plan = htmlChapterOf(ds.Sections, owner, dataset.KindPlan, l, func() string { return heading(l.Plan) })
	if len(photos) > 0 {
		v.Photos = htmlPhotosOf(photos, l, heading(l.Photos))
	}
	return v
}

func htmlOverviewOf(m *dataset.Meta, l *labels, h string) *htmlOverview {
	o := &htmlOverview{Heading: h}
	if m.Issuer == "" && m.Source != nil {
		pub := m.Source.Publication
		if l.en() {
			pub = "the " + pub
		}
		o.FromSource, o.Compiled, o.Quotes = true, fmt.Sprintf(l.CompiledFrom, pub), m.Lead
		if len(m.Lead) > 0 {
			o.LeadFrom = fmt.Sprintf(l.LeadFrom, m.Source.Publication)
		}
	} else {
		for _, p := range m.Lead {
			o.Lead = append(o.Lead, strings.Split(p, "\n")...)
		}
	}
	if m.Issuer != "" {
		o.Meta = append(o.Meta, htmlTerm{l.Issuer, m.Issuer})
	}
	if e := m.Event; e != nil {
		t := htmlTerm{l.Event, e.Name}
		if e.Date != "" {
			t.Desc += "（" + l.date(e.Date) + "）"
		}
		o.Meta = append(o.Meta, t)
	}
	if s := m.Source; s != nil {
		t := htmlTerm{l.Publication, s.Publication}
		if s.Headline != "" {
			t.Desc += "《" + s.Headline + "》"
		}
		o.Meta = append(o.Meta, t)
		if len(s.Authors) > 0 {
			o.Meta = append(o.Meta, htmlTerm{l.Authors, strings.Join(s.Authors, "　")})
		}
	}
	return o
}

func htmlFiguresOf(ds *dataset.Dataset, l *labels, h string) *htmlFigures {
	m := &ds.Meta
	fig := m.Figures()
	word := l.changeWord(fig)
	f := &htmlFigures{Heading: h, Note: fmt.Sprintf(l.FiguresNote, l.figures(fig)), CardsTitle: l.KeyCards,
		TableTitle: l.period(fig) + " " + l.Table, Columns: []string{l.Name, l.period(fig), l.Unit, word, l.Remarks}}
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Value == nil && in.Change == nil {
			continue
		}
		if in.Key {
			f.Cards = append(f.Cards, htmlCardOf(in, l, word))
		}
		row := htmlRow{Name: in.Name, Value: "—", Unit: in.Unit, Change: "—", Remarks: l.remarks(in, fig)}
		if in.Value != nil {
			row.Value = in.Value.String()
		}
		if in.Change != nil {
			row.Change, row.Dir = change(in.Change), dir(in.Change)
		}
		f.Rows = append(f.Rows, row)
	}
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Target == nil {
			continue
		}
		if f.Targets == nil {
			f.Targets = &htmlTargets{Title: l.period(m.TargetPeriod) + " " + l.Targets, Columns: []string{l.Name, l.Target}}
		}
		f.Targets.Rows = append(f.Targets.Rows, struct{ Name, Target string }{in.Name, l.target(in)})
	}
	return f
}

// htmlCardOf is a key figure's card: its value and unit, or its change
// when it has no value, then the estimate tag, the change beside a value
// and the milestone.
func htmlCardOf(in *dataset.Indicator, l *labels, word string) htmlCard {
	c := htmlCard{Name: in.Name, Unit: in.Unit, Word: word, Dir: dir(in.Change), Milestone: in.Milestone, HasValue: in.Value != nil}
	if in.Value != nil {
		c.Value = in.Value.String()
	}
	if in.Change != nil {
		c.Change = change(in.Change)
		if in.Value != nil {
			c.Line = word + " " + c.Change
		}
	}
	if in.Estimated {
		c.Estimated = l.Estimated
	}
	return c
}

// htmlChapterOf is the chapter of the sections owned by kind, or nil when
// there are none (heading is called only then, so that numbers run on).
func htmlChapterOf(secs []dataset.Section, owner []string, kind string, l *labels, heading func() string) *htmlChapter {
	var c *htmlChapter
	for i, s := range secs {
		if owner[i] != kind {
			continue
		}
		if c == nil {
			c = &htmlChapter{Heading: heading()}
		}
		c.Sections = append(c.Sections, htmlSectionOf(s, l))
	}
	return c
}

func htmlSectionOf(s dataset.Section, l *labels) htmlSection {
	paras := func(ss ...string) []string {
		var out []string
		for _, s := range ss {
			out = append(out, strings.Split(s, "\n")...)
		}
		return out
	}
	h := htmlSection{HasHeading: s.Label != "" || s.Title != "", Label: s.Label, Title: s.Title, Items: paras(s.Items...)}
	if h.Title == "" && s.Kind != dataset.KindNote {
		h.Title = strings.TrimSpace(l.Untitled)
	}
	if s.Summary != "" {
		h.Summary = paras(s.Summary)
		if s.Kind == dataset.KindPlan {
			h.SummaryHead = l.Summary
		}
	}
	if s.Kind == dataset.KindPlan && len(s.Items) > 0 {
		h.TasksHead = l.Tasks
	}
	for _, n := range s.Notes {
		h.Notes = append(h.Notes, l.EditorNote+n.Text)
	}
	return h
}

func htmlProjectsOf(projects []dataset.Project, l *labels, h string) *htmlProjects {
	p := &htmlProjects{Heading: h, Columns: []string{l.Project, l.Investment, l.Status}}
	sep := "；"
	if l.en() {
		sep = "; "
	}
	for _, pr := range projects {
		inv := "—"
		if pr.Investment != nil {
			inv = l.amount(pr.Investment, pr.Unit)
		}
		st := strings.Trim(strings.Join([]string{pr.Status, pr.Note}, sep), sep)
		p.Rows = append(p.Rows, struct{ Name, Investment, Status string }{pr.Name, inv, st})
	}
	return p
}

// htmlPhotosOf shows the photographs that have files and lists the
// captions of those without.
func htmlPhotosOf(photos []photo, l *labels, h string) *htmlPhotos {
	p := &htmlPhotos{Heading: h, Note: l.PhotoNote}
	for _, ph := range photos {
		v := htmlPhoto{Caption: ph.p.Caption}
		if ph.p.Credit != "" {
			v.Credit = l.PhotoCredit + ph.p.Credit
		}
		if ph.img == nil {
			p.Missing = append(p.Missing, v)
			continue
		}
		v.Src = dataURL(ph.img)
		p.Shown = append(p.Shown, v)
	}
	return p
}
