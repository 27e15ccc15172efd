package layout

import (
	"encoding/binary"

	gotext "github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
)

// glyphOutline decodes glyph g's TrueType outline (quadratic contours; a
// composite glyph's components placed by their offsets and scales) into
// segments in font units, y up. It reads only that glyph's bytes: no font
// parsing up front.
func (f *Font) glyphOutline(g uint16, depth int) []ot.Segment {
	data := f.glyph(g)
	if len(data) < 10 || depth > 8 {
		return nil
	}
	n := int(int16(binary.BigEndian.Uint16(data)))
	if n < 0 {
		return f.compositeOutline(data, depth)
	}
	return simpleOutline(data, n)
}

type gpt struct {
	x, y float32
	on   bool
}

func simpleOutline(data []byte, contours int) []ot.Segment {
	be := binary.BigEndian
	p := 10
	if p+2*contours+2 > len(data) {
		return nil
	}
	ends := make([]int, contours)
	for i := range ends {
		ends[i] = int(be.Uint16(data[p:]))
		p += 2
	}
	if contours == 0 {
		return nil
	}
	npts := ends[contours-1] + 1
	p += 2 + int(be.Uint16(data[p:])) // instructions
	flags := make([]byte, 0, npts)
	for len(flags) < npts && p < len(data) {
		fl := data[p]
		p++
		flags = append(flags, fl)
		if fl&8 != 0 && p < len(data) {
			rep := int(data[p])
			p++
			for ; rep > 0 && len(flags) < npts; rep-- {
				flags = append(flags, fl)
			}
		}
	}
	if len(flags) < npts {
		return nil
	}
	pts := make([]gpt, npts)
	coord := func(short, same byte, set func(i int, v int)) bool {
		v := 0
		for i, fl := range flags {
			switch {
			case fl&short != 0:
				if p >= len(data) {
					return false
				}
				d := int(data[p])
				p++
				if fl&same == 0 {
					d = -d
				}
				v += d
			case fl&same == 0:
				if p+2 > len(data) {
					return false
				}
				v += int(int16(be.Uint16(data[p:])))
				p += 2
			}
			set(i, v)
		}
		return true
	}
	if !coord(2, 16, func(i, v int) { pts[i].x = float32(v) }) || !coord(4, 32, func(i, v int) { pts[i].y = float32(v) }) {
		return nil
	}
	for i, fl := range flags {
		pts[i].on = fl&1 != 0
	}
	var segs []ot.Segment
	start := 0
	for _, end := range ends {
		if end < start || end >= npts {
			return nil
		}
		segs = appendContour(segs, pts[start:end+1])
		start = end + 1
	}
	return segs
}

// appendContour turns one closed contour of on- and off-curve points into
// segments: two off-curve points in a row have an on-curve point between
// them. It starts where FreeType does: the first point when it is on the
// curve, else the last when that is, else midway between the two.
func appendContour(segs []ot.Segment, c []gpt) []ot.Segment {
	n := len(c)
	if n == 0 {
		return segs
	}
	mid := func(a, b gpt) gpt { return gpt{(a.x + b.x) / 2, (a.y + b.y) / 2, true} }
	sp := func(q gpt) ot.SegmentPoint { return ot.SegmentPoint{X: q.x, Y: q.y} }
	var start gpt
	var seq []gpt
	switch {
	case c[0].on:
		start, seq = c[0], c[1:]
	case c[n-1].on:
		start, seq = c[n-1], c[:n-1]
	default:
		start, seq = mid(c[n-1], c[0]), c
	}
	segs = append(segs, ot.Segment{Op: ot.SegmentOpMoveTo, Args: [3]ot.SegmentPoint{sp(start)}})
	var ctrl *gpt
	for _, q := range append(seq[:len(seq):len(seq)], start) {
		if q.on {
			if ctrl != nil {
				segs = append(segs, ot.Segment{Op: ot.SegmentOpQuadTo, Args: [3]ot.SegmentPoint{sp(*ctrl), sp(q)}})
				ctrl = nil
			} else {
				segs = append(segs, ot.Segment{Op: ot.SegmentOpLineTo, Args: [3]ot.SegmentPoint{sp(q)}})
			}
			continue
		}
		if ctrl != nil {
			segs = append(segs, ot.Segment{Op: ot.SegmentOpQuadTo, Args: [3]ot.SegmentPoint{sp(*ctrl), sp(mid(*ctrl, q))}})
		}
		qq := q
		ctrl = &qq
	}
	return segs
}

// compositeOutline places each component's outline (offsets as x, y
// values; a scale or 2×2 transform when given).
func (f *Font) compositeOutline(data []byte, depth int) []ot.Segment {
	be := binary.BigEndian
	var segs []ot.Segment
	p := 10
	for p+4 <= len(data) {
		flags := be.Uint16(data[p:])
		comp := be.Uint16(data[p+2:])
		p += 4
		var dx, dy float32
		if flags&1 != 0 {
			if p+4 > len(data) {
				return segs
			}
			dx, dy = float32(int16(be.Uint16(data[p:]))), float32(int16(be.Uint16(data[p+2:])))
			p += 4
		} else {
			if p+2 > len(data) {
				return segs
			}
			dx, dy = float32(int8(data[p])), float32(int8(data[p+1]))
			p += 2
		}
		if flags&2 == 0 {
			dx, dy = 0, 0 // point matching: not used by the faces here
		}
		a, b, c, d := float32(1), float32(0), float32(0), float32(1)
		f2 := func(at int) float32 { return float32(int16(be.Uint16(data[at:]))) / 16384 }
		switch {
		case flags&0x08 != 0 && p+2 <= len(data):
			a = f2(p)
			d = a
			p += 2
		case flags&0x40 != 0 && p+4 <= len(data):
			a, d = f2(p), f2(p+2)
			p += 4
		case flags&0x80 != 0 && p+8 <= len(data):
			a, b, c, d = f2(p), f2(p+2), f2(p+4), f2(p+6)
			p += 8
		}
		for _, s := range f.glyphOutline(comp, depth+1) {
			for i := range s.Args[:argCount(s.Op)] {
				x, y := s.Args[i].X, s.Args[i].Y
				s.Args[i] = ot.SegmentPoint{X: a*x + c*y + dx, Y: b*x + d*y + dy}
			}
			segs = append(segs, s)
		}
		if flags&0x20 == 0 {
			break
		}
	}
	return segs
}

// outline returns glyph g's outline in font units, decoded once per process.
// The result is shared: callers must not modify it.
func (f *Font) outline(g uint16) (gotext.GlyphOutline, bool) {
	f.outMu.Lock()
	defer f.outMu.Unlock()
	if o, ok := f.outlines[g]; ok {
		return o, len(o.Segments) > 0
	}
	o := gotext.GlyphOutline{Segments: f.glyphOutline(g, 0)}
	f.outlines[g] = o
	return o, len(o.Segments) > 0
}

func argCount(op ot.SegmentOp) int {
	switch op {
	case ot.SegmentOpQuadTo:
		return 2
	case ot.SegmentOpCubeTo:
		return 3
	}
	return 1
}
