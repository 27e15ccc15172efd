package render

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"

	gotext "github.com/go-text/typesetting/font"
)

// Font locations.
const (
	FontEnv     = "COUNTYREPORT_FONT"
	DefaultFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
	FontPackage = "fonts-wqy-microhei"
)

// FindFont returns the font file to use: explicit (a flag) if set, else
// $COUNTYREPORT_FONT, else Debian's fonts-wqy-microhei path.
func FindFont(explicit string) (string, error) {
	for _, p := range []string{explicit, os.Getenv(FontEnv), DefaultFont} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if p != DefaultFont {
			return "", fmt.Errorf("font %s: %w", p, err)
		}
	}
	return "", fmt.Errorf("font not found at %s: install the Debian package %s (make deps), or set --font or %s", DefaultFont, FontPackage, FontEnv)
}

// Font is a TrueType face (the first of a TTC) loaded once and shared; it is
// safe for concurrent use.
type Font struct {
	Name       string
	gt         *gotext.Font
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	numHMetric int
	loca       []uint32
	adv        []uint16 // advance width of every glyph
	Ascent     int      // font units
	Descent    int      // negative
	CapHeight  int
	BBox       [4]int16

	// bmp maps every rune of the Basic Multilingual Plane to its glyph,
	// filled once at parse time so that the hot path (widths while setting
	// text, glyphs while drawing) takes no lock.
	bmp []uint16

	mu   sync.RWMutex
	gids map[rune]uint16 // beyond the BMP, filled on demand

	outMu    sync.Mutex
	outFace  *gotext.Face // guarded by outMu: a Face is not safe for concurrent use
	outlines map[uint16]gotext.GlyphOutline
}

var (
	fontMu    sync.Mutex
	fontCache = map[string]*Font{}
)

// LoadFont reads and parses the font at path once per process.
func LoadFont(path string) (*Font, error) {
	fontMu.Lock()
	defer fontMu.Unlock()
	if f, ok := fontCache[path]; ok {
		return f, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseFont(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	fontCache[path] = f
	return f, nil
}

// ParseFont parses a TTF or the first face of a TTC with TrueType outlines.
func ParseFont(data []byte) (*Font, error) {
	off := 0
	if bytes.HasPrefix(data, []byte("ttcf")) {
		if len(data) < 16 {
			return nil, errors.New("truncated TTC header")
		}
		off = int(binary.BigEndian.Uint32(data[12:]))
	}
	if off+12 > len(data) {
		return nil, errors.New("truncated font")
	}
	n := int(binary.BigEndian.Uint16(data[off+4:]))
	f := &Font{tables: map[string][]byte{}, gids: map[rune]uint16{}}
	for i := 0; i < n; i++ {
		rec := off + 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("truncated table directory")
		}
		tag := string(data[rec : rec+4])
		to := int(binary.BigEndian.Uint32(data[rec+8:]))
		tl := int(binary.BigEndian.Uint32(data[rec+12:]))
		if to < 0 || tl < 0 || to+tl > len(data) {
			return nil, fmt.Errorf("table %q out of bounds", tag)
		}
		f.tables[tag] = data[to : to+tl]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("no %s table (TrueType outlines required)", t)
		}
	}
	head, hhea := f.tables["head"], f.tables["hhea"]
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	for i := 0; i < 4; i++ {
		f.BBox[i] = int16(binary.BigEndian.Uint16(head[36+2*i:]))
	}
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	f.numGlyphs = int(binary.BigEndian.Uint16(f.tables["maxp"][4:]))
	f.Ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.Descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.numHMetric = int(binary.BigEndian.Uint16(hhea[34:]))
	f.CapHeight = f.Ascent * 7 / 10
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.CapHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	loca := f.tables["loca"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for i := range f.loca {
		if longLoca {
			if 4*i+4 > len(loca) {
				return nil, errors.New("truncated loca")
			}
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if 2*i+2 > len(loca) {
				return nil, errors.New("truncated loca")
			}
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
	}
	if len(f.tables["hmtx"]) < 4*f.numHMetric || f.numHMetric == 0 {
		return nil, errors.New("truncated hmtx")
	}
	f.adv = make([]uint16, max(f.numGlyphs, 1))
	for g := range f.adv {
		i := min(g, f.numHMetric-1)
		f.adv[g] = binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])
	}
	f.Name = "WenQuanYiMicroHei"
	// go-text reads the cmap and the outlines (for the PNG charts).
	faces, err := gotext.ParseTTC(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	f.gt = faces[0].Font
	f.bmp = make([]uint16, 0x10000)
	for r := rune(0); r < 0x10000; r++ {
		if x, ok := f.gt.NominalGlyph(r); ok && x <= 0xFFFF {
			f.bmp[r] = uint16(x)
		}
	}
	f.outlines = map[uint16]gotext.GlyphOutline{}
	return f, nil
}

// outline returns glyph g's outline in font units, parsed once per process.
// The result is shared: callers must not modify it.
func (f *Font) outline(g uint16) (gotext.GlyphOutline, bool) {
	f.outMu.Lock()
	defer f.outMu.Unlock()
	if o, ok := f.outlines[g]; ok {
		return o, len(o.Segments) > 0
	}
	if f.outFace == nil {
		f.outFace = gotext.NewFace(f.gt)
	}
	o, ok := f.outFace.GlyphDataOutline(gotext.GID(g))
	if !ok {
		o = gotext.GlyphOutline{}
	}
	f.outlines[g] = o
	return o, ok && len(o.Segments) > 0
}

// GID returns the glyph for r (0 when the font lacks it).
func (f *Font) GID(r rune) uint16 {
	if r >= 0 && r < rune(len(f.bmp)) {
		return f.bmp[r]
	}
	f.mu.RLock()
	g, ok := f.gids[r]
	f.mu.RUnlock()
	if ok {
		return g
	}
	x, ok := f.gt.NominalGlyph(r)
	if !ok || x > 0xFFFF {
		x = 0
	}
	f.mu.Lock()
	f.gids[r] = uint16(x)
	f.mu.Unlock()
	return uint16(x)
}

// Advance is the advance width of glyph g in font units.
func (f *Font) Advance(g uint16) int {
	if int(g) < len(f.adv) {
		return int(f.adv[g])
	}
	return int(f.adv[len(f.adv)-1])
}

// lsb is the left side bearing of glyph g in font units.
func (f *Font) lsb(g uint16) uint16 {
	hmtx := f.tables["hmtx"]
	if int(g) < f.numHMetric {
		return binary.BigEndian.Uint16(hmtx[4*int(g)+2:])
	}
	if o := 4*f.numHMetric + 2*(int(g)-f.numHMetric); o+2 <= len(hmtx) {
		return binary.BigEndian.Uint16(hmtx[o:])
	}
	return 0
}

// Width is the advance of r at size (points).
func (f *Font) Width(r rune, size float64) float64 {
	return float64(f.Advance(f.GID(r))) * size / float64(f.unitsPerEm)
}

// TextWidth is the width of s at size.
func (f *Font) TextWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += f.Width(r, size)
	}
	return w
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { return f.GID(r) != 0 }

func (f *Font) glyph(g uint16) []byte {
	if int(g) >= f.numGlyphs {
		return nil
	}
	a, b := f.loca[g], f.loca[g+1]
	glyf := f.tables["glyf"]
	if a >= b || int(b) > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// closure appends to order (new glyph id → original glyph id, order[0] the
// .notdef glyph) the components of its composite glyphs, recursively, and
// records their new ids in ids.
func (f *Font) closure(order []uint16, ids map[uint16]uint16) []uint16 {
	for i := 0; i < len(order); i++ {
		for _, c := range components(f.glyph(order[i])) {
			if _, ok := ids[c]; !ok && int(c) < f.numGlyphs {
				ids[c] = uint16(len(order))
				order = append(order, c)
			}
		}
	}
	return order
}

// Subset builds a TrueType file holding only the glyphs in order, renumbered:
// new glyph i is the original glyph order[i] (order[0] must be 0, .notdef;
// ids is the inverse, and must cover every component of a composite glyph in
// order, see closure). Embedded as FontFile2 with an identity CID-to-GID map,
// the CIDs in the content streams are these new ids. Renumbering keeps hmtx
// and loca as small as the subset rather than the whole font's 49,000
// glyphs, which is most of the cost of embedding it.
func (f *Font) Subset(order []uint16, ids map[uint16]uint16) []byte {
	n := len(order)
	var glyf bytes.Buffer
	loca := make([]byte, 4*(n+1))
	hmtx := make([]byte, 4*n)
	for i, g := range order {
		binary.BigEndian.PutUint32(loca[4*i:], uint32(glyf.Len()))
		binary.BigEndian.PutUint16(hmtx[4*i:], uint16(f.Advance(g)))
		binary.BigEndian.PutUint16(hmtx[4*i+2:], f.lsb(g))
		data := f.glyph(g)
		if len(data) >= 10 && int16(binary.BigEndian.Uint16(data)) < 0 {
			data = remapComponents(data, ids)
		}
		glyf.Write(data)
		for glyf.Len()%4 != 0 {
			glyf.WriteByte(0)
		}
	}
	binary.BigEndian.PutUint32(loca[4*n:], uint32(glyf.Len()))
	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checksumAdjustment
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), f.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(n)) // numberOfHMetrics
	maxp := append([]byte(nil), f.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(n)) // numGlyphs
	tables := map[string][]byte{
		"head": head, "hhea": hhea, "maxp": maxp,
		"hmtx": hmtx, "loca": loca, "glyf": glyf.Bytes(),
	}
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	return writeSFNT(tables)
}

// remapComponents returns a copy of composite glyph g with its component
// glyph ids replaced by their new ids.
func remapComponents(g []byte, ids map[uint16]uint16) []byte {
	out := append([]byte(nil), g...)
	eachComponent(out, func(at int) {
		binary.BigEndian.PutUint16(out[at:], ids[binary.BigEndian.Uint16(out[at:])])
	})
	return out
}

// components lists the glyphs a composite glyph refers to.
func components(g []byte) []uint16 {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []uint16
	eachComponent(g, func(at int) { out = append(out, binary.BigEndian.Uint16(g[at:])) })
	return out
}

// eachComponent calls fn with the offset of every component glyph id in
// composite glyph g, following the 'glyf' component records (flags decide
// the size of the arguments and of the transform that follow each id).
func eachComponent(g []byte, fn func(at int)) {
	p := 10
	for p+4 <= len(g) {
		flags := binary.BigEndian.Uint16(g[p:])
		fn(p + 2)
		p += 4
		if flags&1 != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x08 != 0:
			p += 2
		case flags&0x40 != 0:
			p += 4
		case flags&0x80 != 0:
			p += 8
		}
		if flags&0x20 == 0 {
			break
		}
	}
}

func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	var out bytes.Buffer
	hdr := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(hdr, 0x00010000)
	binary.BigEndian.PutUint16(hdr[4:], uint16(n))
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	binary.BigEndian.PutUint16(hdr[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(hdr[8:], uint16(es))
	binary.BigEndian.PutUint16(hdr[10:], uint16(16*n-(16<<es)))
	off := len(hdr)
	for i, t := range tags {
		d := tables[t]
		rec := hdr[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], checksum(d))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(d)))
		off += (len(d) + 3) &^ 3
	}
	out.Write(hdr)
	for _, t := range tags {
		d := tables[t]
		out.Write(d)
		for i := len(d); i%4 != 0; i++ {
			out.WriteByte(0)
		}
	}
	return out.Bytes()
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
