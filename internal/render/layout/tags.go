package layout

import (
	"strconv"
	"unicode"
)

// Elem is an element of the document's logical structure (a tagged PDF's
// structure tree): a heading, a paragraph, a table and its cells, a list,
// a figure. A screen reader reads the document as this tree, in its order,
// not as the page draws it.
//
// The flow builds the tree as content is laid out (Heading, Para, Table,
// Chart, Image open and close their own elements); a template groups
// content with Begin and End. Content is either in a leaf element (a
// heading, a paragraph, a cell, a caption, a figure) or an artifact:
// whatever is drawn inside a grouping element (the document, a table, a
// row, a list) without a leaf of its own is decoration, and whatever the
// flow draws as page furniture is a pagination artifact.
type Elem struct {
	Role  string // standard structure type: H1, P, Table, TH, Figure, …
	Alt   string // alternative text (Figure)
	Lang  string // the element's language, when it is not the document's
	Scope string // TH: Row or Column

	parent *Elem
	kids   []*Elem
	mcrs   []mcr // marked content, in page order
	page   int   // flow page (1-based) it was begun on
	art    string
	obj    int // its object number, when written
	annot  int // the link annotation it stands for (Link), when written
}

// mcr is a piece of marked content: MCID mcid on page (0-based).
type mcr struct{ page, mcid int }

// Artifacts: content that is not part of the text (ISO 32000-1, 14.8.2.2).
var (
	artLayout = &Elem{art: "/Type /Layout"}                      // rules, backgrounds
	artPage   = &Elem{art: "/Type /Pagination"}                  // repeated table headers
	artHeader = &Elem{art: "/Type /Pagination /Subtype /Header"} // running header
	artFooter = &Elem{art: "/Type /Pagination /Subtype /Footer"} // page number
	// unmarked: drawing that marks its own content (a list item's first
	// line, its label and body in one text object)
	unmarked = &Elem{art: "-"}
)

// containers are the grouping roles: they hold elements, never content.
var containers = map[string]bool{
	"Document": true, "Part": true, "Sect": true, "Div": true, "Art": true,
	"Table": true, "THead": true, "TBody": true, "TFoot": true, "TR": true,
	"L": true, "LI": true, "TOC": true,
}

func (e *Elem) leaf() bool { return e != nil && e.art == "" && !containers[e.Role] }

// Kids are the element's children, in reading order.
func (e *Elem) Kids() []*Elem { return e.kids }

func (e *Elem) add(k *Elem) *Elem {
	k.parent = e
	e.kids = append(e.kids, k)
	return k
}

// Begin opens an element of role in the current one; what follows goes
// into it until End.
func (f *Flow) Begin(role string) *Elem {
	e := f.cur.add(&Elem{Role: role, page: max(1, f.Page())})
	f.cur = e
	return e
}

// End closes the element opened last.
func (f *Flow) End() {
	if f.cur.parent != nil {
		f.cur = f.cur.parent
	}
}

// Structure is the root of the document's structure (role Document).
func (f *Flow) Structure() *Elem { return f.root }

// leafFor opens an element of role (P when empty) for content, unless the
// current element already takes content (a cell, a list body): it returns
// whether it opened one, for endLeaf.
func (f *Flow) leafFor(role string) bool {
	if f.cur.leaf() {
		return false
	}
	if role == "" {
		role = "P"
	}
	f.Begin(role)
	return true
}

func (f *Flow) endLeaf(opened bool) {
	if opened {
		f.End()
	}
}

// content is the element what is drawn now belongs to: the current leaf,
// else none (an artifact).
func (f *Flow) content() *Elem {
	if f.cur.leaf() {
		return f.cur
	}
	return nil
}

// mark makes what is drawn next part of e (nil or an artifact sentinel:
// not text). Consecutive drawing of one element shares one marked-content
// sequence; a page's sequences are numbered (MCID) in drawing order, which
// is the order the tree lists them in. The sequence is begun by the next
// drawing (sync), so that no sequence is empty.
func (p *Page) mark(e *Elem) {
	switch e {
	case nil:
		e = artLayout
	case unmarked:
		e = nil
	}
	p.want = e
}

// sync begins the marked-content sequence drawing goes into now.
func (p *Page) sync() {
	if p.want == p.cur || p.doc.root == nil {
		return
	}
	if p.cur != nil {
		p.c.WriteString("EMC\n")
	}
	p.cur = p.want
	switch {
	case p.cur == nil:
	case p.cur.art != "":
		p.c.WriteString("/Artifact << " + p.cur.art + " >> BDC\n")
	default:
		b := p.openMCID(p.c.AvailableBuffer(), p.cur)
		p.c.Write(append(b, '\n'))
	}
}

// openMCID appends the start of a marked-content sequence of e to b: its
// role and the page's next MCID, recorded for the parent tree.
func (p *Page) openMCID(b []byte, e *Elem) []byte { return p.openSeq(b, e, "") }

// openSeq is openMCID for a sequence in language lang ("": the
// document's), tagged Span.
func (p *Page) openSeq(b []byte, e *Elem, lang string) []byte {
	mcid := len(p.mcids)
	p.mcids = append(p.mcids, e)
	e.mcrs = append(e.mcrs, mcr{p.index, mcid})
	b = append(b, '/')
	if lang != "" {
		b = append(b, "Span << /Lang "...)
		b = append(b, pdfLiteral(lang)...)
		b = append(b, " /MCID "...)
	} else {
		b = append(b, e.Role...)
		b = append(b, " << /MCID "...)
	}
	b = strconv.AppendInt(b, int64(mcid), 10)
	return append(b, " >> BDC"...)
}

// Header marks what the page furniture draws next as the running header.
func (p *Page) Header() { p.mark(artHeader) }

// Footer marks what the page furniture draws next as the running footer
// (the page number).
func (p *Page) Footer() { p.mark(artFooter) }

// closeMarks ends the page's open marked-content sequence; the next
// drawing begins another.
func (p *Page) closeMarks() {
	if p.cur != nil {
		p.c.WriteString("EMC\n")
		p.cur = nil
	}
}

// langSpans finds the runs of s in another language than the document's
// lang: Latin words in a Chinese edition (en), Chinese in an English one
// (zh-CN). It returns the runs as [start, end) pairs and their language;
// digits and punctuation alone are no change of language.
func langSpans(s []rune, lang string) (spans []int, other string) {
	zh := lang != "en"
	in := func(r rune) bool { // may be part of a run
		if zh {
			return r < 0x2000 // Latin letters, digits, punctuation, spaces
		}
		return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
	}
	key := func(r rune) bool { // makes a run of the other language
		if zh {
			return r < 0x250 && unicode.IsLetter(r)
		}
		return r >= 0x2E80 && unicode.Is(unicode.Han, r)
	}
	start, has := -1, false
	flush := func(end int) {
		if start >= 0 && has {
			for end > start && s[end-1] == ' ' { // trailing spaces stay outside
				end--
			}
			// so does a last word without a letter (… gov.cn 2023年)
			for k := end - 1; k > start; k-- {
				if key(s[k]) {
					break
				}
				if s[k] == ' ' {
					end = k
					for end > start && s[end-1] == ' ' {
						end--
					}
				}
			}
			for start < end && s[start] == ' ' {
				start++
			}
			spans = append(spans, start, end)
		}
		start, has = -1, false
	}
	for i, r := range s {
		if in(r) {
			if start < 0 {
				start = i
			}
			has = has || key(r)
			continue
		}
		flush(i)
	}
	flush(len(s))
	if zh {
		return spans, "en"
	}
	return spans, "zh-CN"
}

// pdfLiteral is an ASCII name such as a language tag as a PDF string.
func pdfLiteral(s string) string { return "(" + s + ")" }

// linkElem is the structure element of a link drawn now: a Link in the
// current element, which the link annotation is referenced from (OBJR).
func (p *Page) linkElem() *Elem {
	if p.doc.root == nil || p.want == nil || p.want.art != "" {
		return nil
	}
	return p.want.add(&Elem{Role: "Link"})
}

// insertAt puts es into the document, in this order, before the first of
// its parts begun after page n: content laid out late (the contents page,
// filled in once the page numbers are known) is read where it stands.
func (f *Flow) insertAt(n int, es ...*Elem) (*Elem, *Elem) {
	kids := f.root.kids
	i := 0
	for i < len(kids) && kids[i].page <= n {
		i++
	}
	rest := append([]*Elem(nil), kids[i:]...)
	f.root.kids = kids[:i]
	for _, e := range es {
		f.root.add(e)
	}
	f.root.kids = append(f.root.kids, rest...)
	return es[0], es[len(es)-1]
}

// contents is a link annotation's /Contents entry: its alternate
// description for a screen reader (PDF/UA 7.18.5), "" when it has none.
func (l link) contents() string {
	if l.alt == "" {
		return ""
	}
	return " /Contents " + pdfString(l.alt)
}
