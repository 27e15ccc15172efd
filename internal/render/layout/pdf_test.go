package layout

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// testFonts loads Debian's fonts, failing (never skipping) when one is missing.
func testFonts(t testing.TB) *Fonts {
	t.Helper()
	fs, err := LoadFonts([numFaces]string{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	return fs
}

func testFont(t testing.TB) *Font { return testFonts(t)[Sans] }

type word = pdftest.Word

func words(t *testing.T, pdf []byte) []word {
	ws, sizes := pdftest.Words(t, pdf)
	for i, s := range sizes {
		if math.Abs(s.W-PageW) > 0.5 {
			t.Errorf("page %d width %v, want A4 %.2f", i+1, s.W, PageW)
		}
	}
	return ws
}

func pdfinfo(t *testing.T, pdf []byte) map[string]string { return pdftest.Info(t, pdf) }

// TestTinyDocument draws a few lines on a few pages with the low-level
// writer and reads them back with poppler: page count, the words, and where
// they are.
func TestTinyDocument(t *testing.T) {
	f := testFont(t)
	type line struct {
		page       int
		x, y, size float64
		text       string
	}
	cases := map[string]struct {
		pages int
		lines []line
	}{
		"one page, one line": {pages: 1, lines: []line{{0, 72, 100, 12, "衡山县"}}},
		"latin and digits":   {pages: 1, lines: []line{{0, 100, 300, 10.5, "GDP 7.0%"}}},
		"three pages": {pages: 3, lines: []line{
			{0, 72, 100, 18, "封面"},
			{1, 200, 400, 10.5, "地区生产总值"},
			{2, 300, 700, 9, "第3页"},
		}},
		"two lines on a page": {pages: 1, lines: []line{
			{0, 62, 120, 12, "上行"},
			{0, 62, 160, 12, "下行"},
		}},
		"empty page kept": {pages: 2, lines: []line{{1, 80, 90, 12, "二"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := newPDF()
			d.meta = Meta{Title: "测试", Author: "衡山县", Subject: "主题", Lang: "zh-CN"}
			for i := 0; i < tc.pages; i++ {
				d.newPage()
			}
			for _, l := range tc.lines {
				d.pages[l.page].Text(f, l.x, l.y, l.size, ColText, []rune(l.text), nil, false)
			}
			pdf := d.Bytes()
			if !bytes.Equal(pdf, d.Bytes()) {
				t.Error("Bytes is not stable")
			}
			info := pdfinfo(t, pdf)
			if info["Pages"] != strconv.Itoa(tc.pages) {
				t.Errorf("pdfinfo Pages = %q, want %d", info["Pages"], tc.pages)
			}
			if info["Title"] != "测试" || info["Author"] != "衡山县" {
				t.Errorf("pdfinfo Title %q Author %q", info["Title"], info["Author"])
			}
			if !strings.HasPrefix(info["Page size"], "595.28 x 841.89") {
				t.Errorf("page size %q, want A4", info["Page size"])
			}
			ws := words(t, pdf)
			for _, l := range tc.lines {
				// the words of the line, in order, on its page, starting at x
				var got []word
				for _, w := range ws {
					if w.Page == l.page+1 && math.Abs(w.YMax-l.y) < l.size {
						got = append(got, w)
					}
				}
				var text strings.Builder
				for i, w := range got {
					if i > 0 {
						text.WriteString(" ")
					}
					text.WriteString(w.Text)
				}
				if text.String() != l.text {
					t.Errorf("page %d near y=%v: text %q, want %q (all words: %+v)", l.page+1, l.y, text.String(), l.text, ws)
					continue
				}
				if math.Abs(got[0].XMin-l.x) > 0.5 {
					t.Errorf("%q starts at x=%.2f, want %.2f", l.text, got[0].XMin, l.x)
				}
				// the baseline is at y: the glyphs' box lies around it
				if got[0].YMin > l.y || got[0].YMax < l.y-l.size*0.5 {
					t.Errorf("%q box y %.2f..%.2f does not sit on baseline %.2f", l.text, got[0].YMin, got[0].YMax, l.y)
				}
				want := f.TextWidth(l.text, l.size)
				if w := got[len(got)-1].XMax - got[0].XMin; math.Abs(w-want) > 0.5 {
					t.Errorf("%q is %.2f wide, want %.2f", l.text, w, want)
				}
			}
		})
	}
}

// TestSubset checks the embedded font: glyphs renumbered in order of use,
// .notdef first, widths kept, a valid TrueType file that parses again, and
// composite glyphs pointing at their components' new ids.
func TestSubset(t *testing.T) {
	f := testFont(t)
	cases := map[string]string{
		"Chinese":     "衡山县地区生产总值增长",
		"Latin":       "GDP grew 7.0%",
		"repeats":     "县县县山山",
		"punctuation": "“五兴六强”，。（）《》",
		"not in font": "\U0001F600a",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			d := newPDF()
			p := d.newPage()
			p.Text(f, 10, 10, 10, ColText, []rune(text), nil, false)
			r := d.res(f)
			seen := map[uint16]bool{}
			for _, r := range text {
				seen[f.GID(r)] = true
			}
			if len(r.order) != len(seen)+boolInt(!seen[0]) {
				t.Errorf("%d glyphs numbered, want %d distinct and .notdef", len(r.order), len(seen))
			}
			if r.order[0] != 0 {
				t.Errorf("CID 0 is glyph %d, want .notdef", r.order[0])
			}
			order := f.closure(r.order, r.cids)
			sub := f.Subset(order, r.cids)
			// A CIDFontType2 needs no cmap; ParseFont (and go-text behind
			// it) wants one, so the original's is added for the check.
			tables := sfntTables(t, sub)
			tables["cmap"] = f.tables["cmap"]
			g, err := ParseFont(writeSFNT(tables), 0)
			if err != nil {
				t.Fatalf("subset does not parse: %v", err)
			}
			if g.numGlyphs != len(order) {
				t.Errorf("subset has %d glyphs, want %d", g.numGlyphs, len(order))
			}
			for c, orig := range order {
				if g.Advance(uint16(c)) != f.Advance(orig) {
					t.Errorf("CID %d advance %d, glyph %d's is %d", c, g.Advance(uint16(c)), orig, f.Advance(orig))
				}
				if !bytes.Equal(g.glyph(uint16(c)), f.glyph(orig)) && len(components(f.glyph(orig))) == 0 {
					t.Errorf("CID %d outline differs from glyph %d's", c, orig)
				}
				for _, comp := range components(g.glyph(uint16(c))) {
					if int(comp) >= len(order) {
						t.Errorf("CID %d refers to component %d beyond the subset", c, comp)
					}
				}
			}
			if len(sub) > 200_000 {
				t.Errorf("subset of %q is %d bytes", text, len(sub))
			}
		})
	}
}

// sfntTables reads a TrueType file's table directory, checking each table's
// bounds and checksum.
func sfntTables(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	if len(b) < 12 || binary.BigEndian.Uint32(b) != 0x00010000 {
		t.Fatalf("not a TrueType file")
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	tables := map[string][]byte{}
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		off, l := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off%4 != 0 || off+l > len(b) {
			t.Fatalf("table %q at %d+%d out of bounds or unaligned", tag, off, l)
		}
		if checksum(b[off:off+l]) != binary.BigEndian.Uint32(rec[4:]) {
			t.Errorf("table %q checksum wrong", tag)
		}
		tables[tag] = b[off : off+l]
	}
	return tables
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAppendNum(t *testing.T) {
	cases := map[string]struct {
		v    float64
		want string
	}{
		"integer":       {12, "12"},
		"zero":          {0, "0"},
		"negative zero": {-0.001, "0"},
		"one decimal":   {7.5, "7.5"},
		"two decimals":  {54.98, "54.98"},
		"rounded":       {1.005001, "1.01"},
		"trailing zero": {3.10, "3.1"},
		"negative":      {-2.25, "-2.25"},
		"page height":   {PageH, "841.89"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := string(appendNum([]byte("x"), tc.v)); got != "x"+tc.want {
				t.Errorf("appendNum(%v) = %q, want %q", tc.v, got, "x"+tc.want)
			}
			if got := num(tc.v); got != tc.want {
				t.Errorf("num(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

// TestEncodePNG: the PNG decodes to exactly the pixels drawn, indexed when
// there are at most 256 colours and RGB beyond.
func TestEncodePNG(t *testing.T) {
	cases := map[string]struct {
		w, h      int
		colors    int // distinct colours painted
		colorType byte
	}{
		"one colour":       {w: 7, h: 3, colors: 1, colorType: 3},
		"chart-like":       {w: 120, h: 40, colors: 40, colorType: 3},
		"exactly 256":      {w: 64, h: 4, colors: 256, colorType: 3},
		"257 colours, RGB": {w: 257, h: 2, colors: 257, colorType: 2},
		"many colours":     {w: 300, h: 300, colors: 90000, colorType: 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
			for i := 0; i < tc.w*tc.h; i++ {
				k := i % tc.colors
				img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = uint8(k), uint8(k>>8), uint8(k*7), 255
			}
			data := encodePNG(img)
			if !bytes.Equal(data, encodePNG(img)) {
				t.Error("not reproducible")
			}
			if ct := data[8+8+9]; ct != tc.colorType {
				t.Errorf("colour type %d, want %d", ct, tc.colorType)
			}
			if binary.BigEndian.Uint32(data[16:]) != uint32(tc.w) || binary.BigEndian.Uint32(data[20:]) != uint32(tc.h) {
				t.Error("IHDR size wrong")
			}
			got, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for y := 0; y < tc.h; y++ {
				for x := 0; x < tc.w; x++ {
					if c := color.RGBAModel.Convert(got.At(x, y)); c != img.RGBAAt(x, y) {
						t.Fatalf("pixel %d,%d = %v, want %v", x, y, c, img.RGBAAt(x, y))
					}
				}
			}
		})
	}
}

// TestDeflateParallel: the parts concatenate into one valid zlib stream that
// inflates to the input, the same bytes every time.
func TestDeflateParallel(t *testing.T) {
	rnd := make([]byte, 300<<10)
	x := uint32(1)
	for i := range rnd {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		rnd[i] = byte(x)
	}
	cases := map[string]struct {
		data  []byte
		parts int
	}{
		"empty":                 {data: nil, parts: 2},
		"small, one part":       {data: []byte("衡山县"), parts: 4},
		"just under two parts":  {data: rnd[:64<<10-1], parts: 2},
		"two parts":             {data: rnd[:64<<10], parts: 2},
		"random, three parts":   {data: rnd, parts: 3},
		"repetitive, two parts": {data: bytes.Repeat([]byte("0 0 1 rg 10 20 m "), 20000), parts: 2},
		"more parts than fit":   {data: rnd[:100<<10], parts: 16},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			z := deflateParallel(tc.data, tc.parts)
			if !bytes.Equal(z, deflateParallel(tc.data, tc.parts)) {
				t.Error("not reproducible")
			}
			r, err := zlib.NewReader(bytes.NewReader(z))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("inflate: %v", err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("inflated %d bytes, want the %d given", len(got), len(tc.data))
			}
		})
	}
}

// TestZlibFraming: deflate and the PNG writer's stream are byte for byte
// what compress/zlib writes at the same level.
func TestZlibFraming(t *testing.T) {
	cases := map[string][]byte{
		"empty":   nil,
		"text":    []byte("BT /F1 10.5 Tf 1 0 0 1 62 700 Tm <0001000200030004> Tj ET\n"),
		"repeats": bytes.Repeat([]byte{0, 1, 1, 1, 7}, 50000),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				level int
				got   []byte
			}{
				{zlib.BestSpeed, deflate(data)},
				{2, zlibStream(&flatePoolPNG, 0x785e, data)},
			} {
				var want bytes.Buffer
				zw, err := zlib.NewWriterLevel(&want, c.level)
				if err != nil {
					t.Fatal(err)
				}
				zw.Write(data)
				zw.Close()
				if !bytes.Equal(c.got, want.Bytes()) {
					t.Errorf("level %d: %d bytes differ from compress/zlib's %d", c.level, len(c.got), want.Len())
				}
			}
		})
	}
}

// Web links are URI actions for http and https only (a PDF link can also
// launch a file, which a report never should), their addresses escaped.
func TestURILinks(t *testing.T) {
	cases := map[string]struct {
		uri  string
		want string // "" when no link is made
	}{
		"http":        {"http://www.enghengyang.gov.cn/a.html", "/URI (http://www.enghengyang.gov.cn/a.html)"},
		"https":       {"https://example.org/x?a=1&b=2", "/URI (https://example.org/x?a=1&b=2)"},
		"parentheses": {"https://example.org/a(b)", `/URI (https://example.org/a\(b\))`},
		"non-ASCII":   {"https://example.org/衡", "/URI (https://example.org/%E8%A1%A1)"},
		"file":        {"file:///etc/passwd", ""},
		"javascript":  {"javascript:alert(1)", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := newPDF()
			p := d.newPage()
			p.URILink(10, 10, 100, 20, tc.uri)
			out := d.Bytes()
			has := bytes.Contains(out, []byte("/S /URI"))
			if tc.want == "" {
				if has {
					t.Fatalf("%q made a link", tc.uri)
				}
				return
			}
			if !bytes.Contains(out, []byte(tc.want)) {
				t.Fatalf("no %q in the PDF", tc.want)
			}
		})
	}
}
