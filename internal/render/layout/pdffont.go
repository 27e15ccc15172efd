package layout

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
)

// fontObjects writes font r's Type0 font (object type0), its CID font,
// descriptor and ToUnicode map, and returns the object number left for the
// font file (filled in when the subset is built).
func (d *pdfDoc) fontObjects(r *fontRes, type0 int, alloc func() int, set func(int, string, ...any), stream func(int, string, []byte)) int {
	cid, desc, file, tounicode := alloc(), alloc(), alloc(), alloc()
	f := r.font
	// A subset tag derived from the glyphs used: stable for the same content.
	orig := make([]int, 0, len(r.used))
	for c := range r.used {
		orig = append(orig, int(r.order[c]))
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
	base := string(tag) + "+" + f.Name
	upm := float64(f.unitsPerEm)
	scale := func(v int) int { return int(float64(v) * 1000 / upm) }

	r.order = f.closure(r.order, r.cids)
	set(type0, "<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", base, cid, tounicode)
	var w bytes.Buffer
	w.WriteString("[0 [")
	for _, g := range r.order {
		w.Write(strconv.AppendInt(nil, int64(scale(f.Advance(g))), 10))
		w.WriteByte(' ')
	}
	w.WriteString("] ]")
	set(cid, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W %s /CIDToGIDMap /Identity >>", base, desc, w.String())
	bb := f.BBox
	const flags = 4 // symbolic: the glyphs are not in the standard Latin set
	set(desc, "<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		base, flags, scale(int(bb[0])), scale(int(bb[1])), scale(int(bb[2])), scale(int(bb[3])), scale(f.Ascent), scale(f.Descent), scale(f.CapHeight), file)

	gids := make([]int, 0, len(r.used))
	for c := range r.used {
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
			for _, u := range utf16.Encode([]rune{r.used[uint16(g)]}) {
				fmt.Fprintf(&cm, "%04X", u)
			}
			cm.WriteString(">\n")
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	stream(tounicode, "/Filter /FlateDecode", deflate(cm.Bytes()))
	return file
}

// writeOutlines writes the bookmarks as a tree (chapters, their sections)
// under parent and returns the first and last top-level item and their count.
func (d *pdfDoc) writeOutlines(parent int, pageObj []int, alloc func() int, set func(int, string, ...any)) (first, last, count int) {
	type node struct {
		o    outline
		obj  int
		kids []*node
	}
	var top []*node
	for _, o := range d.outlines {
		n := &node{o: o, obj: alloc()}
		if o.level > 0 && len(top) > 0 {
			p := top[len(top)-1]
			p.kids = append(p.kids, n)
			continue
		}
		top = append(top, n)
	}
	var write func(list []*node, parent int)
	write = func(list []*node, parent int) {
		for i, n := range list {
			var nav string
			if i > 0 {
				nav += fmt.Sprintf(" /Prev %d 0 R", list[i-1].obj)
			}
			if i+1 < len(list) {
				nav += fmt.Sprintf(" /Next %d 0 R", list[i+1].obj)
			}
			if len(n.kids) > 0 {
				// chapters open, their sections listed (a negative count would close them)
				nav += fmt.Sprintf(" /First %d 0 R /Last %d 0 R /Count %d", n.kids[0].obj, n.kids[len(n.kids)-1].obj, len(n.kids))
				write(n.kids, n.obj)
			}
			set(n.obj, "<< /Title %s /Parent %d 0 R%s /Dest [%d 0 R /XYZ 0 %s null] >>", pdfString(n.o.title), parent, nav, pageObj[n.o.page], num(PageH-n.o.y))
		}
	}
	write(top, parent)
	count = len(top)
	for _, n := range top {
		count += len(n.kids)
	}
	return top[0].obj, top[len(top)-1].obj, count
}
