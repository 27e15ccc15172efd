package render

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // decode configs and non-RGB JPEGs
	_ "image/png"
	"io"
	"sort"
	"strconv"
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

func hexRGB(s string) RGB {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return RGB{float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255}
}

// pdfDoc collects pages drawn with one embedded font and writes a PDF 1.7 file.
type pdfDoc struct {
	font  *Font
	pages []*pdfPage
	// The embedded subset renumbers glyphs: order[cid] is the font's glyph
	// for CID cid (in the order of first use, .notdef first), cids the inverse.
	order []uint16
	cids  map[uint16]uint16
	// used maps each CID drawn to the smallest rune drawn with it (ToUnicode).
	used     map[uint16]rune
	images   []pdfImage
	outlines []outline
	title    string
	author   string
	subject  string
	lang     string
}

type pdfPage struct {
	doc  *pdfDoc
	c    bytes.Buffer
	imgs map[int]bool
}

type pdfImage struct {
	w, h   int
	filter string // DCTDecode or FlateDecode
	cs     string
	data   []byte
}

type outline struct {
	title string
	page  int
	y     float64
}

func newPDF(f *Font) *pdfDoc {
	return &pdfDoc{font: f, used: map[uint16]rune{}, order: []uint16{0}, cids: map[uint16]uint16{0: 0}}
}

// cid returns the CID of the font's glyph g, given one on first use.
func (d *pdfDoc) cid(g uint16) uint16 {
	c, ok := d.cids[g]
	if !ok {
		c = uint16(len(d.order))
		d.cids[g] = c
		d.order = append(d.order, g)
	}
	return c
}

func (d *pdfDoc) newPage() *pdfPage {
	p := &pdfPage{doc: d, imgs: map[int]bool{}}
	d.pages = append(d.pages, p)
	return p
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

func (p *pdfPage) f(format string, args ...any) { fmt.Fprintf(&p.c, format, args...) }

// nums writes vs separated by spaces, then op and a newline.
func (p *pdfPage) nums(op string, vs ...float64) {
	b := p.c.AvailableBuffer()
	for _, v := range vs {
		b = appendNum(b, v)
		b = append(b, ' ')
	}
	b = append(b, op...)
	b = append(b, '\n')
	p.c.Write(b)
}

func (p *pdfPage) fillColor(c RGB)   { p.nums("rg", c.R, c.G, c.B) }
func (p *pdfPage) strokeColor(c RGB) { p.nums("RG", c.R, c.G, c.B) }

// Rect fills a rectangle; coordinates are from the top-left, y down.
func (p *pdfPage) Rect(x, y, w, h float64, c RGB) {
	p.fillColor(c)
	p.nums("re f", x, PageH-y-h, w, h)
}

// StrokeRect outlines a rectangle.
func (p *pdfPage) StrokeRect(x, y, w, h, lw float64, c RGB) {
	p.strokeColor(c)
	p.f("%s w %s %s %s %s re S\n", num(lw), num(x), num(PageH-y-h), num(w), num(h))
}

// Line strokes a polyline through pts (x0, y0, x1, y1, ...).
func (p *pdfPage) Line(lw float64, c RGB, dash bool, pts ...float64) {
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
func (p *pdfPage) Circle(cx, cy, r float64, c RGB) {
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

// Text draws s with its baseline at y; tc is extra space after each character (for justification).
func (p *pdfPage) Text(x, y, size float64, c RGB, s []rune, tc float64) {
	if len(s) == 0 {
		return
	}
	p.fillColor(c)
	b := p.c.AvailableBuffer()
	b = append(b, "BT /F1 "...)
	b = appendNum(b, size)
	b = append(b, " Tf "...)
	if tc != 0 {
		b = strconv.AppendFloat(b, tc, 'f', 3, 64)
		b = append(b, " Tc "...)
	}
	b = append(b, "1 0 0 1 "...)
	b = appendNum(b, x)
	b = append(b, ' ')
	b = appendNum(b, PageH-y)
	b = append(b, " Tm <"...)
	const hexd = "0123456789ABCDEF"
	d := p.doc
	for _, r := range s {
		g := d.cid(d.font.GID(r))
		if u, ok := d.used[g]; !ok || r < u {
			d.used[g] = r
		}
		b = append(b, hexd[g>>12], hexd[g>>8&15], hexd[g>>4&15], hexd[g&15])
	}
	b = append(b, "> Tj "...)
	if tc != 0 {
		b = append(b, "0 Tc "...)
	}
	b = append(b, "ET\n"...)
	p.c.Write(b)
}

// Image draws image idx into the box.
func (p *pdfPage) Image(idx int, x, y, w, h float64) {
	p.imgs[idx] = true
	p.f("q %s 0 0 %s %s %s cm /Im%d Do Q\n", num(w), num(h), num(x), num(PageH-y-h), idx)
}

// addImage registers a JPEG (embedded as is) or PNG/other (decoded, flate RGB).
func (d *pdfDoc) addImage(data []byte) (int, int, int, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, 0, err
	}
	if cfg.Width*cfg.Height > 40e6 {
		return 0, 0, 0, fmt.Errorf("image too large (%dx%d)", cfg.Width, cfg.Height)
	}
	if format == "jpeg" && (cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.GrayModel) {
		cs := "DeviceRGB"
		if cfg.ColorModel == color.GrayModel {
			cs = "DeviceGray"
		}
		d.images = append(d.images, pdfImage{w: cfg.Width, h: cfg.Height, filter: "DCTDecode", cs: cs, data: data})
		return len(d.images) - 1, cfg.Width, cfg.Height, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return 0, 0, 0, err
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Over)
	raw := make([]byte, 0, 3*b.Dx()*b.Dy())
	for i := 0; i < len(rgba.Pix); i += 4 {
		raw = append(raw, rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2])
	}
	d.images = append(d.images, pdfImage{w: b.Dx(), h: b.Dy(), filter: "FlateDecode", cs: "DeviceRGB", data: deflate(raw)})
	return len(d.images) - 1, b.Dx(), b.Dy(), nil
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
	type0, cid, desc, file, tounicode := alloc(), alloc(), alloc(), alloc(), alloc()

	// A subset tag derived from the glyphs used: stable for the same content.
	orig := make([]int, 0, len(d.used))
	for c := range d.used {
		orig = append(orig, int(d.order[c]))
	}
	sort.Ints(orig)
	h := sha256.New()
	var nb []byte
	for _, g := range orig {
		nb = strconv.AppendInt(nb[:0], int64(g), 10)
		nb = append(nb, ',')
		h.Write(nb)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := string(tag) + "+" + d.font.Name
	upm := float64(d.font.unitsPerEm)
	scale := func(v int) int { return int(float64(v) * 1000 / upm) }

	d.order = d.font.closure(d.order, d.cids)
	order := d.order
	set(type0, "<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", base, cid, tounicode)
	var w bytes.Buffer
	w.WriteString("[0 [")
	for _, g := range order {
		w.Write(strconv.AppendInt(nil, int64(scale(d.font.Advance(g))), 10))
		w.WriteByte(' ')
	}
	w.WriteString("] ]")
	set(cid, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W %s /CIDToGIDMap /Identity >>", base, desc, w.String())
	bb := d.font.BBox
	set(desc, "<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		base, scale(int(bb[0])), scale(int(bb[1])), scale(int(bb[2])), scale(int(bb[3])), scale(d.font.Ascent), scale(d.font.Descent), scale(d.font.CapHeight), file)
	// The subset is built and compressed while the pages are.
	var subLen int
	var subZ []byte
	fontDone := make(chan struct{})
	go func() {
		defer close(fontDone)
		sub := d.font.Subset(order, d.cids)
		subLen, subZ = len(sub), deflateParallel(sub, 2)
	}()

	gids := make([]int, 0, len(d.used))
	for c := range d.used {
		gids = append(gids, int(c))
	}
	sort.Ints(gids)
	var cm bytes.Buffer
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		j := min(i+100, len(gids))
		fmt.Fprintf(&cm, "%d beginbfchar\n", j-i)
		for _, g := range gids[i:j] {
			fmt.Fprintf(&cm, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{d.used[uint16(g)]}) {
				fmt.Fprintf(&cm, "%04X", u)
			}
			cm.WriteString(">\n")
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	stream(tounicode, "/Filter /FlateDecode", deflate(cm.Bytes()))

	imgObj := make([]int, len(d.images))
	for i, im := range d.images {
		imgObj[i] = alloc()
		stream(imgObj[i], fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent 8 /Filter /%s", im.w, im.h, im.cs, im.filter), im.data)
	}
	pageObj := make([]int, len(d.pages))
	var kids bytes.Buffer
	for i, p := range d.pages {
		pageObj[i] = alloc()
		content := alloc()
		var xo bytes.Buffer
		if len(p.imgs) > 0 {
			idx := make([]int, 0, len(p.imgs))
			for k := range p.imgs {
				idx = append(idx, k)
			}
			sort.Ints(idx)
			xo.WriteString(" /XObject <<")
			for _, k := range idx {
				fmt.Fprintf(&xo, " /Im%d %d 0 R", k, imgObj[k])
			}
			xo.WriteString(" >>")
		}
		set(pageObj[i], "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R >>%s >> /Contents %d 0 R >>",
			pagesObj, num(PageW), num(PageH), type0, xo.String(), content)
		stream(content, "/Filter /FlateDecode", deflate(p.c.Bytes()))
		fmt.Fprintf(&kids, "%d 0 R ", pageObj[i])
	}
	<-fontDone
	stream(file, fmt.Sprintf("/Filter /FlateDecode /Length1 %d", subLen), subZ)
	set(pagesObj, "<< /Type /Pages /Kids [%s] /Count %d >>", bytes.TrimSpace(kids.Bytes()), len(d.pages))

	outl := ""
	if len(d.outlines) > 0 {
		root := alloc()
		items := make([]int, len(d.outlines))
		for i := range items {
			items[i] = alloc()
		}
		for i, o := range d.outlines {
			var nav string
			if i > 0 {
				nav += fmt.Sprintf(" /Prev %d 0 R", items[i-1])
			}
			if i+1 < len(items) {
				nav += fmt.Sprintf(" /Next %d 0 R", items[i+1])
			}
			set(items[i], "<< /Title %s /Parent %d 0 R%s /Dest [%d 0 R /XYZ 0 %s null] >>", pdfString(o.title), root, nav, pageObj[o.page], num(PageH-o.y))
		}
		set(root, "<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>", items[0], items[len(items)-1], len(items))
		outl = fmt.Sprintf(" /Outlines %d 0 R /PageMode /UseOutlines", root)
	}
	set(catalog, "<< /Type /Catalog /Pages %d 0 R /Lang %s%s >>", pagesObj, pdfString(d.lang), outl)
	set(info, "<< /Title %s /Author %s /Subject %s /Producer (countyreport) /Creator (countyreport) >>", pdfString(d.title), pdfString(d.author), pdfString(d.subject))

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
