package layout

import (
	"bytes"
	"encoding/binary"
	"sort"
)

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
// and loca as small as the subset rather than the whole font's tens of thousands of
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
