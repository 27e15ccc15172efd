package city

import (
	"fmt"
	"strings"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/typeset"
)

// board is the first chapter: which figures came from where (published
// sources, the portal, or nowhere) and, for the portal's, the submission
// and its review. Columns that would hold nothing (submission columns
// when no county submitted) are left out.
func (r *report) board() {
	l, in := r.l, r.in
	r.chapter(0)
	r.f.Para(r.boardIntro(), stBody)
	portal := in.count(FromPortal) > 0
	c := l.BoardCols
	nw := r.nameW(70, 9.5)
	cols := []layout.Column{{Title: c[0], W: nw, RowHeader: true}}
	if portal {
		fw, sw, tw := 90.0, 80.0, 95.0
		vw := layout.ContentW - nw - fw - 60 - sw - tw - 55
		cols = append(cols, layout.Column{Title: c[1], W: fw}, layout.Column{Title: c[2], W: 60}, layout.Column{Title: c[3], W: sw},
			layout.Column{Title: c[4], W: tw, Sans: true}, layout.Column{Title: c[5], W: 55, Sans: true}, layout.Column{Title: c[6], W: vw})
	} else {
		cols = append(cols, layout.Column{Title: c[1], W: layout.ContentW - nw - 90}, layout.Column{Title: c[2], W: 90})
	}
	var rows [][]string
	for _, b := range in.Board {
		fig := "—"
		if b.Figures != "" {
			fig = l.period(b.Figures)
		}
		row := []string{r.member(b.Code, b.Name), r.fromWord(b), fig}
		if portal {
			if b.From == FromPortal || b.From == "" && in.process() {
				row = append(row, dash(b.State), dash(b.SubmittedAt), dash(b.By), dash(b.Verdict))
			} else {
				row = append(row, "—", "—", "—", "—")
			}
		}
		rows = append(rows, row)
	}
	caption := l.BoardCaption
	if in.process() {
		caption = l.BoardCaptionProcess
	}
	r.f.Table(layout.Table{Caption: caption, CaptionStyle: stCaption, Cols: cols, Rows: rows})
	r.unreadable()
}

// unreadable names, under the board, the members whose data could not be
// read (too large, corrupt): left out of this period's comparison.
func (r *report) unreadable() {
	if len(r.in.Unreadable) == 0 {
		return
	}
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
	r.f.Para(fmt.Sprintf(r.l.Unreadable, strings.Join(names, r.l.EnumSep)), stNote)
}

// boardIntro says what is compared, for which period, and where each
// county's figures came from.
func (r *report) boardIntro() string {
	l, in := r.l, r.in
	var published, portal, none []string
	for _, b := range in.Board {
		name := r.member(b.Code, b.Name)
		switch b.From {
		case FromPublished:
			published = append(published, name)
		case FromPortal:
			portal = append(portal, name)
		default:
			none = append(none, name)
		}
	}
	fig := r.figuresText()
	if fig == "" {
		fig = l.period(in.Period)
	}
	parts := []string{fmt.Sprintf(l.IntroCompare, len(in.Board), fig)}
	if len(published) > 0 {
		parts = append(parts, fmt.Sprintf(l.IntroPublished, r.list(published)))
	}
	if len(portal) > 0 {
		parts = append(parts, fmt.Sprintf(l.IntroPortal, r.list(portal), in.Deadline))
	}
	if len(none) > 0 {
		f := l.IntroNoSource
		if in.process() {
			f = l.IntroNotReported
		}
		parts = append(parts, fmt.Sprintf(f, r.list(none)))
	}
	sep := ""
	if l.en() {
		sep = " "
	}
	return strings.Join(parts, sep)
}

// list joins names: 衡阳县、衡南县 / Hengyang County, Hengnan County and Qidong County.
func (r *report) list(names []string) string {
	if !r.l.en() || len(names) < 2 {
		return strings.Join(names, r.l.EnumSep)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// fromWord is where a row's figures came from, in the edition's words.
func (r *report) fromWord(b BoardRow) string {
	switch b.From {
	case FromPublished:
		if b.Source != "" {
			return r.l.Published + r.l.Colon + r.l.pick(typeset.Punctuate(b.Source), b.SourceEn)
		}
		return r.l.Published
	case FromPortal:
		return r.l.Portal
	}
	return r.l.missing(r.nothing())
}

// nothing is why a county with no figures has none: 未上报 when it was
// asked to submit, else no published figures were found.
func (r *report) nothing() string {
	if r.in.process() {
		return ranking.NotReported
	}
	return noSource
}

// why is a row's reason in the edition's words: a county with no figures
// at all as nothing says.
func (r *report) why(missing string) string {
	if missing == ranking.NotReported {
		missing = r.nothing()
	}
	return r.l.missing(missing)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
