package layout

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// A4 in points.
const (
	PageW = 595.28
	PageH = 841.89
)

// RGB is a colour with components in 0..1.
type RGB struct{ R, G, B float64 }

// HexRGB reads "#RRGGBB".
func HexRGB(s string) RGB {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return RGB{float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255}
}

// pdfDoc collects pages drawn with up to three embedded fonts and writes a
// PDF 1.7 file.
type pdfDoc struct {
	fonts    []*fontRes // in the order of first use
	byFont   map[*Font]*fontRes
	pages    []*Page
	images   []pdfImage
	byImage  map[[32]byte]int // SHA-256 of an image's bytes → its index in images
	outlines []outline
	meta     Meta
	root     *Elem   // the structure tree; nil: an untagged document
	links    []*Elem // the element of each link annotation, by StructParent - len(pages)
}

// fontRes is one font's subset in the document. The subset renumbers
// glyphs: order[cid] is the font's glyph for CID cid (in the order of first
// use, .notdef first), cids the inverse; used maps each CID drawn to the
// smallest rune drawn with it (ToUnicode).
type fontRes struct {
	font  *Font
	name  string // resource name, F1 …
	order []uint16
	cids  map[uint16]uint16
	used  map[uint16]rune
}

// Meta is the document information: in the edition's language.
type Meta struct {
	Title, Author, Subject, Keywords, Lang string
}

type Page struct {
	doc   *pdfDoc
	c     bytes.Buffer
	imgs  map[int]bool
	fonts map[*fontRes]bool
	links []link
	index int     // 0-based
	cur   *Elem   // the open marked-content sequence
	want  *Elem   // the sequence drawing goes into next
	mcids []*Elem // the element of each MCID (the page's ParentTree entry)
}

// link is a clickable area (top-left coordinates) going to a page and
// height, or, when uri is set, to that web address.
type link struct {
	x, y, w, h float64
	page       int
	destY      float64
	uri        string
	elem       *Elem  // the structure element the link is part of
	alt        string // what it links to, in words (/Contents)
}

// outline is a bookmark: level 0 for a chapter, 1 for a section in it.
type outline struct {
	title string
	level int
	page  int
	y     float64
}

func newPDF() *pdfDoc {
	return &pdfDoc{byFont: map[*Font]*fontRes{}}
}

func (d *pdfDoc) res(f *Font) *fontRes {
	r, ok := d.byFont[f]
	if !ok {
		r = &fontRes{font: f, name: "F" + strconv.Itoa(len(d.fonts)+1), order: []uint16{0}, cids: map[uint16]uint16{0: 0}, used: map[uint16]rune{}}
		d.fonts = append(d.fonts, r)
		d.byFont[f] = r
	}
	return r
}

// cid returns the CID of the font's glyph g, given one on first use.
func (r *fontRes) cid(g uint16) uint16 {
	c, ok := r.cids[g]
	if !ok {
		c = uint16(len(r.order))
		r.cids[g] = c
		r.order = append(r.order, g)
	}
	return c
}

func (d *pdfDoc) newPage() *Page {
	p := &Page{doc: d, imgs: map[int]bool{}, fonts: map[*fontRes]bool{}, index: len(d.pages)}
	d.pages = append(d.pages, p)
	return p
}

// Link makes the area (top-left x, y, w, h) a link to page (0-based) at destY.
func (p *Page) Link(x, y, w, h float64, page int, destY float64) {
	p.links = append(p.links, link{x, y, w, h, page, destY, "", p.linkElem(), ""})
}

// URILink makes the area (top-left x, y, w, h) a link to the web address
// uri (http or https only: a PDF link can also launch files, which a
// report never should).
func (p *Page) URILink(x, y, w, h float64, uri string) {
	if !strings.HasPrefix(uri, "http://") && !strings.HasPrefix(uri, "https://") {
		return
	}
	p.links = append(p.links, link{x, y, w, h, -1, 0, uri, p.linkElem(), uri})
}

// pdfASCII is s as a PDF literal string of its ASCII bytes (a URI), with
// the delimiters escaped; other bytes are percent-encoded.
func pdfASCII(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x21 || c > 0x7e:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

func num(v float64) string { return string(appendNum(nil, v)) }

// appendNum appends v with at most two decimals, trailing zeros trimmed.
func appendNum(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 2, 64)
	for len(b)-start > 1 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b)-start > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

func (p *Page) f(format string, args ...any) { fmt.Fprintf(&p.c, format, args...) }

// nums writes vs separated by spaces, then op and a newline.
func (p *Page) nums(op string, vs ...float64) {
	b := p.c.AvailableBuffer()
	for _, v := range vs {
		b = appendNum(b, v)
		b = append(b, ' ')
	}
	b = append(b, op...)
	b = append(b, '\n')
	p.c.Write(b)
}

func (p *Page) fillColor(c RGB)   { p.nums("rg", c.R, c.G, c.B) }
func (p *Page) strokeColor(c RGB) { p.nums("RG", c.R, c.G, c.B) }

// Rect fills a rectangle; coordinates are from the top-left, y down.
func (p *Page) Rect(x, y, w, h float64, c RGB) {
	p.sync()
	p.fillColor(c)
	p.nums("re f", x, PageH-y-h, w, h)
}

// StrokeRect outlines a rectangle.
func (p *Page) StrokeRect(x, y, w, h, lw float64, c RGB) {
	p.sync()
	p.strokeColor(c)
	p.f("%s w %s %s %s %s re S\n", num(lw), num(x), num(PageH-y-h), num(w), num(h))
}

// Line strokes a polyline through pts (x0, y0, x1, y1, ...).
func (p *Page) Line(lw float64, c RGB, dash bool, pts ...float64) {
	p.sync()
	p.strokeColor(c)
	b := p.c.AvailableBuffer()
	if dash {
		b = append(b, "[2 2] 0 d "...)
	}
	b = appendNum(b, lw)
	b = append(b, " w 1 J 1 j "...)
	for i := 0; i+1 < len(pts); i += 2 {
		b = appendNum(b, pts[i])
		b = append(b, ' ')
		b = appendNum(b, PageH-pts[i+1])
		if i == 0 {
			b = append(b, " m "...)
		} else {
			b = append(b, " l "...)
		}
	}
	b = append(b, 'S')
	if dash {
		b = append(b, " [] 0 d"...)
	}
	b = append(b, '\n')
	p.c.Write(b)
}

// Circle fills a circle.
func (p *Page) Circle(cx, cy, r float64, c RGB) {
	p.sync()
	const k = 0.5523
	y := PageH - cy
	p.fillColor(c)
	p.f("%s %s m %s %s %s %s %s %s c %s %s %s %s %s %s c %s %s %s %s %s %s c %s %s %s %s %s %s c f\n",
		num(cx+r), num(y),
		num(cx+r), num(y+k*r), num(cx+k*r), num(y+r), num(cx), num(y+r),
		num(cx-k*r), num(y+r), num(cx-r), num(y+k*r), num(cx-r), num(y),
		num(cx-r), num(y-k*r), num(cx-k*r), num(y-r), num(cx), num(y-r),
		num(cx+k*r), num(y-r), num(cx+r), num(y-k*r), num(cx+r), num(y))
}

// Image draws image idx into the box.
func (p *Page) Image(idx int, x, y, w, h float64) {
	p.sync()
	p.imgs[idx] = true
	p.f("q %s 0 0 %s %s %s cm /Im%d Do Q\n", num(w), num(h), num(x), num(PageH-y-h), idx)
}

// Flate writers are costly to create (about 1 MB each): reuse them. Streams
// use BestSpeed; chart PNGs level 2, which on their long runs of flat colour
// is about a third faster than BestSpeed for 8% more bytes.
var (
	flatePool    = sync.Pool{New: func() any { w, _ := flate.NewWriter(io.Discard, flate.BestSpeed); return w }}
	flatePoolPNG = sync.Pool{New: func() any { w, _ := flate.NewWriter(io.Discard, 2); return w }}
)

// deflate compresses b as a zlib stream at BestSpeed.
func deflate(b []byte) []byte { return zlibStream(&flatePool, 0x7801, b) }

// zlibStream compresses b with a writer from pool and frames it as zlib
// (what compress/zlib writes: header hdr for the writer's level, the
// deflate stream, the Adler-32 of b).
func zlibStream(pool *sync.Pool, hdr uint16, b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	buf.Write([]byte{byte(hdr >> 8), byte(hdr)})
	fw := pool.Get().(*flate.Writer)
	fw.Reset(&buf)
	fw.Write(b) // a bytes.Buffer does not fail
	fw.Close()
	pool.Put(fw)
	return binary.BigEndian.AppendUint32(buf.Bytes(), adler32.Checksum(b))
}

// deflateParallel is deflate for large b: b is cut into parts compressed on
// their own goroutines, each a run of deflate blocks that starts afresh (no
// match reaches back into the part before) and ends byte-aligned, so that
// they concatenate into one zlib stream. The bytes depend only on b and
// parts, not on the scheduling; the price is a few matches lost at the cuts.
func deflateParallel(b []byte, parts int) []byte {
	const minPart = 32 << 10
	if parts > len(b)/minPart {
		parts = len(b) / minPart
	}
	if parts < 2 {
		return deflate(b)
	}
	segs := make([][]byte, parts)
	var wg sync.WaitGroup
	for i := range segs {
		lo, hi := len(b)*i/parts, len(b)*(i+1)/parts
		wg.Go(func() {
			var buf bytes.Buffer
			buf.Grow((hi-lo)*3/4 + 64)
			fw := flatePool.Get().(*flate.Writer)
			fw.Reset(&buf)
			fw.Write(b[lo:hi])
			if i == parts-1 {
				fw.Close() // the final block
			} else {
				fw.Flush() // byte-aligned, not final
			}
			flatePool.Put(fw)
			segs[i] = buf.Bytes()
		})
	}
	wg.Wait()
	n := 2 + 4
	for _, s := range segs {
		n += len(s)
	}
	out := make([]byte, 0, n)
	out = append(out, 0x78, 0x01) // zlib header: deflate, 32K window, fastest
	for _, s := range segs {
		out = append(out, s...)
	}
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(b))
}

func pdfString(s string) string {
	var b bytes.Buffer
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// Bytes writes the PDF.
func (d *pdfDoc) Bytes() []byte {
	var objs [][]byte
	alloc := func() int { objs = append(objs, nil); return len(objs) }
	set := func(n int, format string, args ...any) { objs[n-1] = fmt.Appendf(nil, format, args...) }
	stream := func(n int, dict string, data []byte) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", dict, len(data))
		b.Write(data)
		b.WriteString("\nendstream")
		objs[n-1] = b.Bytes()
	}
	catalog, pagesObj, info := alloc(), alloc(), alloc()

	// Each font's subset is built and compressed while the pages are.
	fontObj := make([]int, len(d.fonts))
	fileObj := make([]int, len(d.fonts))
	subsets := make([][]byte, len(d.fonts))
	subLens := make([]int, len(d.fonts))
	var fontsDone sync.WaitGroup
	for i, r := range d.fonts {
		fontObj[i] = alloc()
		fileObj[i] = d.fontObjects(r, fontObj[i], alloc, set, stream)
		fontsDone.Go(func() {
			sub := r.font.Subset(r.order, r.cids)
			subLens[i], subsets[i] = len(sub), deflateParallel(sub, 2)
		})
	}

	imgObj := make([]int, len(d.images))
	for i, im := range d.images {
		imgObj[i] = alloc()
		stream(imgObj[i], fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent 8 /Filter /%s", im.w, im.h, im.cs, im.filter), im.data)
	}
	pageObj := make([]int, len(d.pages))
	for i := range d.pages {
		pageObj[i] = alloc()
	}
	var kids bytes.Buffer
	for i, p := range d.pages {
		content := alloc()
		var res bytes.Buffer
		res.WriteString("/Font <<")
		for j, r := range d.fonts {
			if p.fonts[r] {
				fmt.Fprintf(&res, " /%s %d 0 R", r.name, fontObj[j])
			}
		}
		res.WriteString(" >>")
		if len(p.imgs) > 0 {
			idx := make([]int, 0, len(p.imgs))
			for k := range p.imgs {
				idx = append(idx, k)
			}
			sort.Ints(idx)
			res.WriteString(" /XObject <<")
			for _, k := range idx {
				fmt.Fprintf(&res, " /Im%d %d 0 R", k, imgObj[k])
			}
			res.WriteString(" >>")
		}
		annots := ""
		if len(p.links) > 0 {
			var a bytes.Buffer
			a.WriteString(" /Annots [")
			for _, l := range p.links {
				if l.uri != "" {
					n := alloc()
					set(n, "<< /Type /Annot /Subtype /Link /Rect [%s %s %s %s] /Border [0 0 0]%s%s /A << /S /URI /URI %s >> >>",
						num(l.x), num(PageH-l.y-l.h), num(l.x+l.w), num(PageH-l.y), d.structParent(l.elem, n), l.contents(), pdfASCII(l.uri))
					fmt.Fprintf(&a, "%d 0 R ", n)
					continue
				}
				if l.page < 0 || l.page >= len(pageObj) {
					continue
				}
				n := alloc()
				set(n, "<< /Type /Annot /Subtype /Link /Rect [%s %s %s %s] /Border [0 0 0]%s%s /Dest [%d 0 R /XYZ 0 %s null] >>",
					num(l.x), num(PageH-l.y-l.h), num(l.x+l.w), num(PageH-l.y), d.structParent(l.elem, n), l.contents(), pageObj[l.page], num(PageH-l.destY))
				fmt.Fprintf(&a, "%d 0 R ", n)
			}
			annots = string(bytes.TrimSpace(a.Bytes())) + "]"
		}
		tagged := ""
		if d.root != nil {
			// annotations in the order of the structure (PDF/UA)
			tagged = fmt.Sprintf(" /StructParents %d /Tabs /S", i)
		}
		set(pageObj[i], "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << %s >>%s%s /Contents %d 0 R >>",
			pagesObj, num(PageW), num(PageH), res.String(), annots, tagged, content)
		stream(content, "/Filter /FlateDecode", deflate(p.c.Bytes()))
		fmt.Fprintf(&kids, "%d 0 R ", pageObj[i])
	}
	set(pagesObj, "<< /Type /Pages /Kids [%s] /Count %d >>", bytes.TrimSpace(kids.Bytes()), len(d.pages))

	outl := ""
	if len(d.outlines) > 0 {
		root := alloc()
		first, last, count := d.writeOutlines(root, pageObj, alloc, set)
		set(root, "<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>", first, last, count)
		outl = fmt.Sprintf(" /Outlines %d 0 R /PageMode /UseOutlines", root)
	}
	m := d.meta
	if d.root != nil {
		outl += fmt.Sprintf(" /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R", d.writeStruct(pageObj, alloc, func(n int, b []byte) { objs[n-1] = b }))
		xmp := alloc()
		stream(xmp, "/Type /Metadata /Subtype /XML", m.xmp())
		outl += fmt.Sprintf(" /Metadata %d 0 R", xmp)
	}
	set(catalog, "<< /Type /Catalog /Pages %d 0 R /Lang %s%s /ViewerPreferences << /DisplayDocTitle true >> >>", pagesObj, pdfString(m.Lang), outl)
	// no /Author when no one is named: a report compiled from published
	// sources names no compiler that did not compile it
	author := ""
	if m.Author != "" {
		author = " /Author " + pdfString(m.Author)
	}
	set(info, "<< /Title %s%s /Subject %s /Keywords %s /Producer (countyreport) /Creator (countyreport) >>",
		pdfString(m.Title), author, pdfString(m.Subject), pdfString(m.Keywords))
	fontsDone.Wait()
	for i := range d.fonts {
		stream(fileObj[i], fmt.Sprintf("/Filter /FlateDecode /Length1 %d", subLens[i]), subsets[i])
	}

	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", i+1)
		out.Write(o)
		out.WriteString("\nendobj\n")
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	id := sha256.Sum256(out.Bytes())
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%X> <%X>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, info, id[:16], id[:16], xref)
	return out.Bytes()
}
