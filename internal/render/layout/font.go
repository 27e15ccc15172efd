package layout

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	gotext "github.com/go-text/typesetting/font"

	"github.com/countyreport/countyreport/internal/typeset"
)

// Face is the role a font plays in a document.
type Face int

// The three faces of a Chinese government document: a 宋/明 serif for the
// body, a 黑体 sans for headings, figures and charts, a 楷体 for notes,
// quotations and secondary headings.
const (
	Serif Face = iota
	Sans
	Kai
	numFaces
	// Latin is the serif the Chinese serif and kai faces set Latin letters,
	// digits and, in English text, punctuation in: the Arphic faces' own are
	// monospaced.
	Latin = numFaces
)

// FaceFile is where a face comes from: a Debian TrueType package.
type FaceFile struct {
	Face    Face
	Env     string // overrides Default
	Default string
	Index   int    // face in a TTC: 0 is the simplified-Chinese (CN) one
	Package string // the Debian package that installs Default
	Licence string
}

// Faces are the document's fonts. All three allow embedding (OS/2 fsType 0,
// installable, for the Arphic fonts; 8, editable, for WenQuanYi), and their
// licences place no restriction on documents made with them.
var Faces = [numFaces]FaceFile{
	Serif: {Serif, "COUNTYREPORT_FONT_SERIF", "/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming", "Arphic Public License"},
	Sans:  {Sans, "COUNTYREPORT_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei", "Apache-2.0 or GPLv3 with font exception"},
	Kai:   {Kai, "COUNTYREPORT_FONT_KAI", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0, "fonts-arphic-ukai", "Arphic Public License"},
}

// LatinFace is the Latin serif (OS/2 fsType 0; Bitstream Vera licence).
var (
	LatinFace       = FaceFile{Latin, "COUNTYREPORT_FONT_LATIN", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0, "fonts-dejavu-core", "Bitstream Vera licence (DejaVu changes public domain)"}
	LatinSansFace   = FaceFile{Latin, "COUNTYREPORT_FONT_LATIN_SANS", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0, "fonts-dejavu-core", "Bitstream Vera licence (DejaVu changes public domain)"}
	LatinItalicFace = FaceFile{Latin, "COUNTYREPORT_FONT_LATIN_ITALIC", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 0, "fonts-dejavu-extra", "Bitstream Vera licence (DejaVu changes public domain)"}
)

// Fonts are the three faces of a document.
type Fonts [numFaces]*Font

// LoadFonts opens the three faces: paths[face] if set, else the face's
// environment variable, else its Debian path. A missing font is an error
// naming the package that provides it.
func LoadFonts(paths [numFaces]string) (*Fonts, error) {
	var fs Fonts
	for i, ff := range Faces {
		f, err := loadFace(ff, paths[i])
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	// each Chinese serif face sets Latin in the Latin serif: the kai in
	// its italic, as English sets what Chinese sets in 楷体
	for i, ff := range map[Face]FaceFile{Serif: LatinFace, Kai: LatinItalicFace, Sans: LatinSansFace} {
		latin, err := loadFace(ff, "")
		if err != nil {
			return nil, err
		}
		// the sans has Latin letters of its own; only its quotes and
		// dashes are full-width, wrong in English
		fs[i] = fs[i].withLatin(latin, i != Sans)
	}
	// but Chinese and its digits are never italic: within Chinese text
	// the kai sets Latin upright ("2023年" in a note), in the serif's Latin
	fs[Kai] = fs[Kai].uprightInCJK(fs[Serif].Latin)
	return &fs, nil
}

var (
	withMu    sync.Mutex
	withCache = map[[2]*Font]*Font{}
)

// withLatin is f setting Latin text in latin (one per pair, per process):
// letters and digits too when all, else only the punctuation of English
// text.
func (f *Font) withLatin(latin *Font, all bool) *Font {
	withMu.Lock()
	defer withMu.Unlock()
	k := [2]*Font{f, latin}
	if c, ok := withCache[k]; ok {
		return c
	}
	c := &Font{}
	*c = Font{Name: f.Name, data: f.data, tables: f.tables, unitsPerEm: f.unitsPerEm, numGlyphs: f.numGlyphs, numHMetric: f.numHMetric,
		longLoca: f.longLoca, cmap: f.cmap, Ascent: f.Ascent, Descent: f.Descent, CapHeight: f.CapHeight, BBox: f.BBox,
		gids: map[rune]uint16{}, outlines: map[uint16]gotext.GlyphOutline{}, Latin: latin, latinPunctOnly: !all, latinScale: 1}
	if all {
		c.latinScale = 0.92
	}
	withCache[k] = c
	return c
}

// uprightInCJK is f (a face with an italic Latin) setting Latin within
// Chinese text in upright instead (one per pair, per process).
func (f *Font) uprightInCJK(upright *Font) *Font {
	withMu.Lock()
	defer withMu.Unlock()
	k := [2]*Font{f, upright}
	if c, ok := uprightCache[k]; ok {
		return c
	}
	c := &Font{Name: f.Name, data: f.data, tables: f.tables, unitsPerEm: f.unitsPerEm, numGlyphs: f.numGlyphs, numHMetric: f.numHMetric,
		longLoca: f.longLoca, cmap: f.cmap, Ascent: f.Ascent, Descent: f.Descent, CapHeight: f.CapHeight, BBox: f.BBox,
		gids: map[rune]uint16{}, outlines: map[uint16]gotext.GlyphOutline{}, Latin: f.Latin, latinPunctOnly: f.latinPunctOnly,
		latinScale: f.latinScale, latinCJK: upright}
	uprightCache[k] = c
	return c
}

var uprightCache = map[[2]*Font]*Font{}

func loadFace(ff FaceFile, p string) (*Font, error) {
	if p == "" {
		p = os.Getenv(ff.Env)
	}
	if p == "" {
		p = ff.Default
	}
	f, err := LoadFont(p, ff.Index)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && p == ff.Default {
			return nil, fmt.Errorf("font not found at %s: install the Debian package %s (make deps), or set %s", p, ff.Package, ff.Env)
		}
		return nil, err
	}
	return f, nil
}

// Face is the font r is drawn in: f, or f.Latin for a Latin letter, digit
// or (in text with no Chinese, latinText) punctuation.
func (f *Font) Face(r rune, latinText bool) *Font {
	if f.Latin == nil || r == '\n' {
		return f
	}
	switch {
	case latinText && r >= 0x2000 && r < 0x2070, r < 0x2000 && !f.latinPunctOnly:
		if !latinText && f.latinCJK != nil && f.latinCJK.Has(r) {
			return f.latinCJK
		}
		if f.Latin.Has(r) {
			return f.Latin
		}
	}
	return f
}

// Font is one TrueType face, mapped from its file and read lazily: opening
// it reads the table directory and a few header fields; the cmap, metrics
// and outlines of a glyph are read when the glyph is first used, so a
// report touches a few hundred kilobytes of a 20 MB collection. It is safe
// for concurrent use.
type Font struct {
	Name       string
	data       []byte // the whole file, mapped read-only
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	numHMetric int
	longLoca   bool
	cmap       cmap
	Ascent     int // font units
	Descent    int // negative
	CapHeight  int
	BBox       [4]int16
	// Latin, when set, draws Latin text (see Face); only its punctuation
	// when latinPunctOnly.
	Latin          *Font
	latinPunctOnly bool
	// latinCJK, when set, draws Latin within Chinese text instead of Latin
	// (the kai's italic Latin is for English text only).
	latinCJK *Font
	// latinScale sizes Latin set within Chinese text: DejaVu's letters and
	// digits are larger and darker than the Arphic faces' Chinese.
	latinScale float64

	mu   sync.RWMutex
	gids map[rune]uint16

	outMu    sync.Mutex
	outlines map[uint16]gotext.GlyphOutline // decoded glyphs, guarded by outMu
}

var (
	fontMu    sync.Mutex
	fontCache = map[string]*Font{}
)

// LoadFont maps the font file at path once per process and opens face index.
func LoadFont(path string, index int) (*Font, error) {
	key := fmt.Sprintf("%s#%d", path, index)
	fontMu.Lock()
	defer fontMu.Unlock()
	if f, ok := fontCache[key]; ok {
		return f, nil
	}
	data, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseFont(data, index)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	fontCache[key] = f
	return f, nil
}

// mapFile maps path read-only; pages are read from disk (or the page
// cache) only when touched. The mapping lives as long as the process.
func mapFile(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 || st.Size() > 1<<30 {
		return nil, fmt.Errorf("font %s: size %d", path, st.Size())
	}
	b, err := syscall.Mmap(int(file.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return os.ReadFile(path) // a file system without mmap
	}
	return b, nil
}

// ParseFont opens face index of a TTF (index 0) or TTC with TrueType outlines.
func ParseFont(data []byte, index int) (*Font, error) {
	off := 0
	if bytes.HasPrefix(data, []byte("ttcf")) {
		if len(data) < 12 {
			return nil, errors.New("truncated TTC header")
		}
		n := int(binary.BigEndian.Uint32(data[8:]))
		if index < 0 || index >= n || 16+4*index > len(data) {
			return nil, fmt.Errorf("no face %d in a collection of %d", index, n)
		}
		off = int(binary.BigEndian.Uint32(data[12+4*index:]))
	} else if index != 0 {
		return nil, fmt.Errorf("no face %d in a single font", index)
	}
	if off+12 > len(data) {
		return nil, errors.New("truncated font")
	}
	n := int(binary.BigEndian.Uint16(data[off+4:]))
	f := &Font{data: data, tables: map[string][]byte{}, gids: map[rune]uint16{}, outlines: map[uint16]gotext.GlyphOutline{}}
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
	if len(head) < 54 || len(hhea) < 36 || len(f.tables["maxp"]) < 6 {
		return nil, errors.New("truncated head, hhea or maxp")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm == 0 {
		return nil, errors.New("unitsPerEm is 0")
	}
	for i := 0; i < 4; i++ {
		f.BBox[i] = int16(binary.BigEndian.Uint16(head[36+2*i:]))
	}
	f.longLoca = binary.BigEndian.Uint16(head[50:]) == 1
	f.numGlyphs = int(binary.BigEndian.Uint16(f.tables["maxp"][4:]))
	f.Ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.Descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.numHMetric = int(binary.BigEndian.Uint16(hhea[34:]))
	f.CapHeight = f.Ascent * 7 / 10
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.CapHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	if f.numHMetric == 0 || len(f.tables["hmtx"]) < 4*f.numHMetric {
		return nil, errors.New("truncated hmtx")
	}
	locaLen := 2
	if f.longLoca {
		locaLen = 4
	}
	if len(f.tables["loca"]) < locaLen*(f.numGlyphs+1) {
		return nil, errors.New("truncated loca")
	}
	var err error
	if f.cmap, err = parseCmap(f.tables["cmap"]); err != nil {
		return nil, err
	}
	f.Name = postscriptName(f.tables["name"])
	return f, nil
}

// GID returns the glyph for r (0 when the font lacks it).
func (f *Font) GID(r rune) uint16 {
	f.mu.RLock()
	g, ok := f.gids[r]
	f.mu.RUnlock()
	if ok {
		return g
	}
	g = f.cmap.lookup(r)
	if int(g) >= f.numGlyphs {
		g = 0
	}
	f.mu.Lock()
	f.gids[r] = g
	f.mu.Unlock()
	return g
}

// Advance is the advance width of glyph g in font units.
func (f *Font) Advance(g uint16) int {
	i := min(int(g), f.numHMetric-1)
	return int(binary.BigEndian.Uint16(f.tables["hmtx"][4*i:]))
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

// Width is the advance of r at size (points), in the face it is drawn in
// within Chinese text.
func (f *Font) Width(r rune, size float64) float64 {
	return f.WidthIn(r, size, false)
}

// WidthIn is the advance of r at size in text that is Latin (latinText) or not.
func (f *Font) WidthIn(r rune, size float64, latinText bool) float64 {
	g := f.Face(r, latinText)
	return float64(g.Advance(g.GID(r))) * f.RunSize(g, size, latinText) / float64(g.unitsPerEm)
}

// RunSize is the size a run in face g (f or f.Latin) is set at: Latin
// within Chinese text a little smaller.
func (f *Font) RunSize(g *Font, size float64, latinText bool) float64 {
	if g != f && !latinText && f.latinScale > 0 {
		return size * f.latinScale
	}
	return size
}

// TextWidth is the width of s at size.
func (f *Font) TextWidth(s string, size float64) float64 {
	latin := !typeset.HasHan([]rune(s))
	w := 0.0
	for _, r := range s {
		w += f.WidthIn(r, size, latin)
	}
	return w
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { return f.GID(r) != 0 }

func (f *Font) loca(g int) uint32 {
	l := f.tables["loca"]
	if f.longLoca {
		return binary.BigEndian.Uint32(l[4*g:])
	}
	return 2 * uint32(binary.BigEndian.Uint16(l[2*g:]))
}

func (f *Font) glyph(g uint16) []byte {
	if int(g) >= f.numGlyphs {
		return nil
	}
	a, b := f.loca(int(g)), f.loca(int(g)+1)
	glyf := f.tables["glyf"]
	if a >= b || int(b) > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// postscriptName is name ID 6 (ASCII, from the Windows or Mac record), for
// the PDF's BaseFont.
func postscriptName(t []byte) string {
	if len(t) < 6 {
		return "Font"
	}
	count, strOff := int(binary.BigEndian.Uint16(t[2:])), int(binary.BigEndian.Uint16(t[4:]))
	for i := 0; i < count; i++ {
		r := 6 + 12*i
		if r+12 > len(t) {
			break
		}
		pid, nid := binary.BigEndian.Uint16(t[r:]), binary.BigEndian.Uint16(t[r+6:])
		l, o := int(binary.BigEndian.Uint16(t[r+8:])), int(binary.BigEndian.Uint16(t[r+10:]))
		if nid != 6 || strOff+o+l > len(t) {
			continue
		}
		raw := t[strOff+o : strOff+o+l]
		var out []byte
		step := 1
		if pid == 3 || pid == 0 {
			step = 2
		}
		for j := step - 1; j < len(raw); j += step {
			if c := raw[j]; c > 32 && c < 127 && c != '/' && c != '[' && c != ']' && c != '(' && c != ')' && c != '<' && c != '>' && c != '%' {
				out = append(out, c)
			}
		}
		if len(out) > 0 {
			return string(out)
		}
	}
	return "Font"
}

// Ink is the horizontal extent of r's glyph (xMin, xMax) as a share of the
// em; ok is false for a blank or missing glyph.
func (f *Font) Ink(r rune) (lo, hi float64, ok bool) {
	g := f.glyph(f.GID(r))
	if len(g) < 10 {
		return 0, 0, false
	}
	upm := float64(f.unitsPerEm)
	return float64(int16(binary.BigEndian.Uint16(g[2:]))) / upm, float64(int16(binary.BigEndian.Uint16(g[6:]))) / upm, true
}
