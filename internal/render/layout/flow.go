package layout

import (
	"fmt"
	"math"
	"strings"
)

// Page geometry: A4 with the type area of a printed report.
const (
	MarginX  = 62.0
	Top      = 76.0
	Bottom   = PageH - 64.0
	ContentW = PageW - 2*MarginX
)

// Align is how a paragraph's lines sit.
type Align int

// Alignments.
const (
	Justify Align = iota // full lines fill the measure, the last is flush left
	Left
	Center
)

// Style is how a paragraph or heading is set.
type Style struct {
	Face    Face
	Size    float64 // points
	Leading float64 // line height
	Color   RGB
	Indent  float64 // first-line indent (two em for Chinese body text)
	Bold    bool
	// Role is the structure role of what is set in this style (P when
	// empty; a heading's follows its level). Inside an element that takes
	// content (a cell, a list body) the text is part of it.
	Role  string
	Align Align
	After float64 // space after
}

// Flow lays content out down A4 pages: paragraphs, headings, tables,
// cards, charts and images flow on from page to page and break where they
// must (a heading never ends a page, a table repeats its header). Drawing is
// recorded per page and played into the PDF by Finish, after the page count
// (for the furniture) and the contents (for its page numbers) are known.
type Flow struct {
	Fonts *Fonts
	// Furniture draws the running header and footer of page n (1-based)
	// of total; it is not called for pages marked Bare.
	Furniture func(p *Page, n, total int)

	pages    []*lpage
	root     *Elem // the structure tree (Document)
	cur      *Elem // the element content goes into now
	lastH    int   // the level of the last bookmarked heading (1 for H1)
	y        float64
	toc      []Entry
	outlines []outline
	images   map[[32]byte]pdfImage // prepared once, embedded in Finish
}

type lpage struct {
	ops  []pageOp
	bare bool
}

// pageOp is drawing recorded on a page and the structure element it
// belongs to (nil: an artifact).
type pageOp struct {
	e  *Elem
	fn func(*Page)
}

// Entry is a line of the contents: a chapter (level 0) or a section (1).
type Entry struct {
	Title string
	Level int
	Page  int // 1-based
	Y     float64
}

// New starts an empty flow.
func New(fonts *Fonts) *Flow {
	root := &Elem{Role: "Document", page: 1}
	return &Flow{Fonts: fonts, root: root, cur: root}
}

// Font is the font of a face.
func (f *Flow) Font(face Face) *Font { return f.Fonts[face] }

// NewPage starts a page; bare pages get no furniture (a cover).
func (f *Flow) NewPage(bare bool) {
	f.pages = append(f.pages, &lpage{bare: bare})
	f.y = Top
}

// Page is the current page number (1-based).
func (f *Flow) Page() int { return len(f.pages) }

// Y is where the next content goes on the current page.
func (f *Flow) Y() float64 { return f.y }

// SetY moves to y on the current page.
func (f *Flow) SetY(y float64) { f.y = y }

// Space adds vertical space, never carried over to the top of a new page.
func (f *Flow) Space(h float64) {
	f.y = math.Min(f.y+h, Bottom)
}

// Left is the room left on the current page.
func (f *Flow) Left() float64 { return Bottom - f.y }

// Ensure starts a new page unless h points fit on this one.
func (f *Flow) Ensure(h float64) {
	if len(f.pages) == 0 || f.y+h > Bottom+1e-6 {
		f.NewPage(false)
	}
}

// Draw records drawing on the current page, as content of the current
// leaf element, else (inside a grouping element) as decoration.
func (f *Flow) Draw(fn func(p *Page)) { f.drawAs(f.content(), fn) }

// Decorate records drawing on the current page that is not content: a
// rule, a background.
func (f *Flow) Decorate(fn func(p *Page)) { f.drawAs(nil, fn) }

func (f *Flow) drawAs(e *Elem, fn func(p *Page)) {
	lp := f.pages[len(f.pages)-1]
	lp.ops = append(lp.ops, pageOp{e, fn})
}

// Text draws one line (no wrapping) with its top at y.
func (f *Flow) Text(x, y float64, st Style, s string) {
	font, r := f.Fonts[st.Face], []rune(s)
	base := y + st.Size*0.86
	opened := f.leafFor(st.Role)
	f.Draw(func(p *Page) { p.Text(font, x, base, st.Size, st.Color, r, nil, st.Bold) })
	f.endLeaf(opened)
}

// TextWidth is the width of s in style st.
func (f *Flow) TextWidth(s string, st Style) float64 {
	return f.Fonts[st.Face].TextWidth(s, st.Size)
}

// Lines counts the lines s takes in style st over width w.
func (f *Flow) Lines(s string, st Style, w float64) int {
	return len(setText([]rune(s), f.Fonts[st.Face], st.Size, w, st.Indent, st.Align == Justify))
}

// Para sets a paragraph across the measure.
func (f *Flow) Para(s string, st Style) { f.ParaAt(s, st, MarginX, ContentW) }

// ParaAt sets a paragraph in the column x..x+w, flowing across pages.
func (f *Flow) ParaAt(s string, st Style, x, w float64) { f.paraAt(s, st, x, w, 0) }

// ListItem sets a list item (LI) in the column x..x+w: its label (1. or
// ·) and its body, set as one paragraph label+body. Items go in a list:
// f.Begin("L") … f.End().
func (f *Flow) ListItem(label, body string, st Style, x, w float64) {
	f.Begin("LI")
	f.paraAt(label+body, st, x, w, len([]rune(label)))
	f.End()
}

// paraAt sets a paragraph; with label > 0 it is a list item's, the first
// label characters its Lbl, the rest its LBody.
func (f *Flow) paraAt(s string, st Style, x, w float64, label int) {
	text := []rune(s)
	font := f.Fonts[st.Face]
	lines := setText(text, font, st.Size, w, st.Indent, st.Align == Justify)
	lh := st.Leading
	if lh == 0 {
		lh = st.Size * 1.5
	}
	var lbl, body *Elem
	if label > 0 {
		lbl = f.Begin("Lbl")
		f.End()
		body = f.Begin("LBody")
		defer f.End()
	}
	opened := f.leafFor(st.Role)
	defer f.endLeaf(opened)
	for i, ln := range lines {
		// a paragraph's last two lines stay together (no widow line at a page top)
		need := lh
		if i == len(lines)-2 {
			need = 2 * lh
		}
		f.Ensure(need)
		lx := x
		if i == 0 {
			lx += st.Indent
		}
		switch st.Align {
		case Center:
			lx = x + (w-ln.width)/2
		}
		lx += ln.x0
		seg := lineText(text, ln)
		adj := ln.adj
		by := f.y + (lh-st.Size)/2 + st.Size*0.86
		col, bold := st.Color, st.Bold
		if i == 0 && lbl != nil && label < ln.end {
			cut := label - ln.start
			f.drawAs(unmarked, func(p *Page) { p.text(font, lx, by, st.Size, col, seg, adj, bold, cut, lbl, body) })
		} else {
			f.Draw(func(p *Page) { p.Text(font, lx, by, st.Size, col, seg, adj, bold) })
		}
		f.y += lh
	}
	f.y += st.After
}

// Heading sets a heading kept with what follows: it starts a new page
// unless keep points (the first lines of what follows) fit below it.
// bookmark adds it to the contents and the PDF outline at level (0 or 1);
// level < 0 leaves it out.
func (f *Flow) Heading(s string, st Style, keep float64, level int) {
	lines := f.Lines(s, st, ContentW)
	lh := st.Leading
	if lh == 0 {
		lh = st.Size * 1.5
	}
	f.Ensure(float64(lines)*lh + st.After + keep)
	if level >= 0 {
		f.Bookmark(s, level)
	}
	if st.Role == "" {
		st.Role = f.headingRole(level)
	}
	f.Para(s, st)
}

// headingRole is the role of a heading: H1 for a chapter (level 0), H2
// for a section (1), and one below the last of those for a heading left
// out of the contents (level < 0), so that no level is skipped.
func (f *Flow) headingRole(level int) string {
	h := level + 1
	if level < 0 {
		h = min(f.lastH+1, 3)
	} else {
		f.lastH = h
	}
	return "H" + string(rune('0'+min(max(h, 1), 6)))
}

// Bookmark adds a contents entry and a PDF bookmark at the current position.
func (f *Flow) Bookmark(title string, level int) {
	title = strings.Join(strings.Fields(title), " ")
	f.toc = append(f.toc, Entry{Title: title, Level: level, Page: f.Page(), Y: f.y})
	f.outlines = append(f.outlines, outline{title: title, level: level, page: f.Page() - 1, y: f.y})
}

// Entries are the contents so far.
func (f *Flow) Entries() []Entry { return f.toc }

// Chart draws a chart across the measure, on one page.
func (f *Flow) Chart(c *Chart) {
	f.Ensure(c.H)
	x, y := MarginX, f.y
	// the title is the figure's caption, the source line a paragraph after
	// it; the drawing is the figure, its alternative text the chart's data
	var title, src *Elem
	if c.Title != "" {
		title = f.cur.add(&Elem{Role: "Caption", page: f.Page()})
	}
	fig := f.cur.add(&Elem{Role: "Figure", Alt: c.Alt, page: f.Page()})
	if c.hasSource {
		src = f.cur.add(&Elem{Role: "P", page: f.Page()})
	}
	f.drawAs(fig, func(p *Page) { c.drawPDF(p, x, y, title, fig, src) })
	f.y += c.H
}

// CanDraw reports whether Image can draw data (a JPEG or PNG it reads).
func CanDraw(data []byte) bool {
	_, _, _, err := newPDF().addImage(data)
	return err == nil
}

// Image draws a JPEG or PNG scaled into the box w×h at x (centred), on the
// current page. It reports false (drawing nothing) for data it cannot read.
//
// Each image is decoded once, however often it is drawn: what the PDF
// embeds is kept (by the SHA-256 of its bytes) until Finish.
func (f *Flow) Image(data []byte, alt string, x, w, h float64) bool {
	key := imageKey(data)
	im, ok := f.images[key]
	if !ok {
		var err error
		if im, err = prepareImage(data); err != nil {
			return false
		}
		if f.images == nil {
			f.images = map[[32]byte]pdfImage{}
		}
		f.images[key] = im
	}
	y := f.y
	fig := f.cur.add(&Elem{Role: "Figure", Alt: alt, page: f.Page()})
	f.drawAs(fig, func(p *Page) {
		idx, iw, ih := p.doc.addPrepared(key, im), im.w, im.h
		s := math.Min(w/float64(iw), h/float64(ih))
		dw, dh := float64(iw)*s, float64(ih)*s
		p.Image(idx, x+(w-dw)/2, y+(h-dh)/2, dw, dh)
	})
	return true
}

// Finish plays the pages into a PDF with meta as its document information
// and the bookmarks as its outline. It is called once: playing the pages
// records each element's marked content (and its links) in the structure.
func (f *Flow) Finish(meta Meta) []byte {
	doc := newPDF()
	doc.meta = meta
	doc.root = f.root
	total := len(f.pages)
	for i, lp := range f.pages {
		p := doc.newPage()
		for _, op := range lp.ops {
			p.mark(op.e)
			op.fn(p)
		}
		if !lp.bare && f.Furniture != nil {
			p.mark(artPage)
			f.Furniture(p, i+1, total)
		}
		p.closeMarks()
	}
	doc.outlines = f.outlines
	return doc.Bytes()
}

// Pages is the number of pages so far.
func (f *Flow) Pages() int { return len(f.pages) }

// OnPage records drawing on page n (1-based), e.g. a contents page filled
// in once the rest is laid out: as content of the current leaf element,
// else as decoration (like Draw).
func (f *Flow) OnPage(n int, fn func(p *Page)) { f.onPage(n, f.content(), fn) }

func (f *Flow) onPage(n int, e *Elem, fn func(p *Page)) {
	lp := f.pages[n-1]
	lp.ops = append(lp.ops, pageOp{e, fn})
}

// Contents sets the entries as a contents page on page n (reserved
// earlier with NewPage), every line a link to its page. Long titles wrap;
// none is cut.
func (f *Flow) Contents(n int, title string, titleStyle, chapter, section Style, pageLabel func(int) string) {
	tf := f.Fonts[titleStyle.Face]
	tr := []rune(title)
	// the contents are read where they stand, before what follows page n
	head, toc := f.insertAt(n, &Elem{Role: "H1", page: n}, &Elem{Role: "TOC", page: n})
	f.onPage(n, head, func(p *Page) {
		p.Text(tf, MarginX+(ContentW-tf.TextWidth(title, titleStyle.Size))/2, Top+titleStyle.Size, titleStyle.Size, titleStyle.Color, tr, nil, titleStyle.Bold)
	})
	y := Top + titleStyle.Size + 32
	for _, e := range f.toc {
		st, x := chapter, MarginX
		if e.Level > 0 {
			st, x = section, MarginX+2*section.Size
		}
		font := f.Fonts[st.Face]
		pn := pageLabel(e.Page)
		pw := font.TextWidth(pn, st.Size)
		w := MarginX + ContentW - x - pw - 24
		text := []rune(e.Title)
		lines := setText(text, font, st.Size, w, 0, false)
		lh := st.Leading
		top := y
		item := toc.add(&Elem{Role: "TOCI", page: n})
		for i, ln := range lines {
			seg, adj := lineText(text, ln), ln.adj
			yy := y + st.Size
			lastW, x0 := ln.width, ln.x0
			isLast := i == len(lines)-1
			f.onPage(n, item, func(p *Page) {
				p.Text(font, x+x0, yy, st.Size, st.Color, seg, adj, st.Bold)
				if isLast {
					p.mark(nil) // the dotted leader
					p.Line(0.5, ColRule, true, x+lastW+6, yy-2, MarginX+ContentW-pw-6, yy-2)
					p.mark(item)
					p.Text(font, MarginX+ContentW-pw, yy, st.Size, st.Color, []rune(pn), nil, st.Bold)
				}
			})
			y += lh
		}
		page, destY, h := e.Page-1, e.Y, y-top
		alt := e.Title
		f.onPage(n, item, func(p *Page) {
			p.Link(MarginX, top, ContentW, h, page, destY)
			p.links[len(p.links)-1].alt = alt
		})
		y += st.After
	}
}

// Rule draws a horizontal rule across the measure at the current position.
func (f *Flow) Rule(lw float64, col RGB) {
	y := f.y
	f.Decorate(func(p *Page) { p.Rect(MarginX, y, ContentW, lw, col) })
}

func (e Entry) String() string { return fmt.Sprintf("%d %q p%d", e.Level, e.Title, e.Page) }

// File is a named blob produced by a template (a chart's SVG or PNG).
type File struct {
	Name string
	Data []byte
}
