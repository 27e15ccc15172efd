package layout

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"math"
	"sync"

	ot "github.com/go-text/typesetting/font/opentype"
	"golang.org/x/image/vector"
)

// PNG rasterises the chart at scale pixels per point, text in the same font.
func (c *Chart) PNG(scale float64) ([]byte, error) {
	f := c.font
	w, h := int(math.Ceil(c.W*scale)), int(math.Ceil(c.H*scale))
	pix := pixPool.Get().(*[]byte)
	defer pixPool.Put(pix)
	if cap(*pix) < 4*w*h {
		*pix = make([]byte, 4*w*h)
	}
	img := &image.RGBA{Pix: (*pix)[:4*w*h], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	img.Pix[0] = 255
	for n := 1; n < len(img.Pix); n *= 2 {
		copy(img.Pix[n:], img.Pix[:n])
	}
	// One rasteriser, reset to each op's pixels: only they are rasterised.
	z := &rz{z: vector.NewRasterizer(0, 0)}
	var bbox image.Rectangle
	fill := func(col RGB, path func(z *rz)) {
		r := bbox.Intersect(img.Bounds())
		if r.Empty() {
			return
		}
		z.z.Reset(r.Dx(), r.Dy())
		z.ox, z.oy = float32(r.Min.X), float32(r.Min.Y)
		path(z)
		src := image.NewUniform(color.RGBA{uint8(col.R * 255), uint8(col.G * 255), uint8(col.B * 255), 255})
		z.z.Draw(img, r, src, image.Point{})
	}
	s := float32(scale)
	for _, o := range c.ops {
		bbox = opBounds(f, o, scale)
		switch o.kind {
		case 'r':
			// axis-aligned: fill the pixels directly
			r := image.Rect(int(math.Round(o.pts[0]*scale)), int(math.Round(o.pts[1]*scale)),
				int(math.Round((o.pts[0]+o.pts[2])*scale)), int(math.Round((o.pts[1]+o.pts[3])*scale))).Intersect(img.Bounds())
			if r.Empty() {
				break
			}
			// the first row pixel by pixel, the others copied from it
			first := img.Pix[img.PixOffset(r.Min.X, r.Min.Y):img.PixOffset(r.Max.X, r.Min.Y)]
			first[0], first[1], first[2], first[3] = uint8(o.col.R*255+0.5), uint8(o.col.G*255+0.5), uint8(o.col.B*255+0.5), 255
			for n := 4; n < len(first); n *= 2 {
				copy(first[n:], first[:n])
			}
			for y := r.Min.Y + 1; y < r.Max.Y; y++ {
				copy(img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)], first)
			}
		case 'l':
			hw := float32(o.lw) * s / 2
			fill(o.col, func(z *rz) {
				for i := 0; i+3 < len(o.pts); i += 2 {
					x0, y0, x1, y1 := float32(o.pts[i])*s, float32(o.pts[i+1])*s, float32(o.pts[i+2])*s, float32(o.pts[i+3])*s
					dx, dy := x1-x0, y1-y0
					l := float32(math.Hypot(float64(dx), float64(dy)))
					if l == 0 {
						continue
					}
					nx, ny := -dy/l*hw, dx/l*hw
					z.MoveTo(x0+nx, y0+ny)
					z.LineTo(x1+nx, y1+ny)
					z.LineTo(x1-nx, y1-ny)
					z.LineTo(x0-nx, y0-ny)
					z.ClosePath()
					circlePath(z, x1, y1, hw)
				}
			})
		case 'c':
			fill(o.col, func(z *rz) {
				circlePath(z, float32(o.pts[0])*s, float32(o.pts[1])*s, float32(o.pts[2])*s)
			})
		case 't':
			x := (o.pts[0] - anchorShift(f, o)) * scale
			y := o.pts[1] * scale
			k := float32(o.size * scale / float64(f.unitsPerEm))
			fill(o.col, func(z *rz) {
				for _, r := range o.text {
					g := f.GID(r)
					if out, ok := f.outline(g); ok {
						fx, fy := float32(x), float32(y)
						pt := func(p ot.SegmentPoint) (float32, float32) { return fx + p.X*k, fy - p.Y*k }
						started := false
						for _, sg := range out.Segments {
							a := sg.Args
							switch sg.Op {
							case ot.SegmentOpMoveTo:
								if started {
									z.ClosePath()
								}
								started = true
								z.MoveTo(pt(a[0]))
							case ot.SegmentOpLineTo:
								z.LineTo(pt(a[0]))
							case ot.SegmentOpQuadTo:
								x1, y1 := pt(a[0])
								x2, y2 := pt(a[1])
								z.QuadTo(x1, y1, x2, y2)
							case ot.SegmentOpCubeTo:
								x1, y1 := pt(a[0])
								x2, y2 := pt(a[1])
								x3, y3 := pt(a[2])
								z.CubeTo(x1, y1, x2, y2, x3, y3)
							}
						}
						if started {
							z.ClosePath()
						}
					}
					x += f.Width(r, o.size) * scale
				}
			})
		}
	}
	return encodePNG(img), nil
}

// pixPool holds the RGBA buffers charts are rasterised into (about 2 MB each).
var pixPool = sync.Pool{New: func() any { return new([]byte) }}

// encodePNG writes an opaque PNG without row filters, which costs a
// fraction of image/png's adaptive filtering and compresses flat-coloured
// charts about as well. A chart has a couple of hundred distinct colours
// (its fills and the anti-aliased edges between them): when there are at most
// 256 the PNG is indexed, the same pixels in a third of the bytes to deflate;
// otherwise it is RGB.
func encodePNG(img *image.RGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rawp := rawPool.Get().(*[]byte)
	defer rawPool.Put(rawp)
	raw, plte, ok := indexed(img, (*rawp)[:0])
	colorType := byte(3)
	if !ok {
		raw, colorType = raw[:0], 2
		for y := 0; y < h; y++ {
			raw = append(raw, 0)
			row := img.Pix[y*img.Stride : y*img.Stride+4*w]
			for i := 0; i < len(row); i += 4 {
				raw = append(raw, row[i], row[i+1], row[i+2])
			}
		}
	}
	*rawp = raw
	idat := zlibStream(&flatePoolPNG, 0x785e, raw) // 0x785e: zlib's header for levels 2 to 5
	var out bytes.Buffer
	out.Grow(len(idat) + len(plte) + 64)
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], c.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colorType // 8 bits per sample or index
	chunk("IHDR", ihdr)
	if colorType == 3 {
		chunk("PLTE", plte)
	}
	chunk("IDAT", idat)
	chunk("IEND", nil)
	return out.Bytes()
}

// rawPool holds the unfiltered scanlines encodePNG deflates.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

// indexed appends to raw the scanlines of opaque img as palette indexes (each
// row led by filter byte 0) and returns them with the palette (RGB triples in
// order of first appearance, so the same image gives the same bytes). ok is
// false when img has more than 256 colours.
func indexed(img *image.RGBA, raw []byte) (_, plte []byte, ok bool) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rl := 1 + w
	if cap(raw) < h*rl {
		raw = make([]byte, h*rl)
	}
	raw = raw[:h*rl]
	// Open addressing over packed RGBA (alpha is 255, so no colour is 0).
	const slots = 1024
	var keys [slots]uint32
	var vals [slots]byte
	plte = make([]byte, 0, 3*256)
	last, lastIdx := uint32(0), byte(0)
	var prev []byte
	for y := 0; y < h; y++ {
		out := raw[y*rl : (y+1)*rl]
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		if y > 0 && bytes.Equal(row, prev) { // most rows of a chart repeat the one above
			copy(out, raw[(y-1)*rl:y*rl])
			continue
		}
		prev = row
		out[0] = 0 // filter: none
		out = out[1:]
		for x := range out {
			c := binary.LittleEndian.Uint32(row[4*x:])
			if c != last {
				s := (c * 0x9E3779B1) >> 22
				for {
					if keys[s] == c {
						lastIdx = vals[s]
						break
					}
					if keys[s] == 0 {
						if len(plte) == 3*256 || row[4*x+3] != 255 {
							return raw[:0], nil, false
						}
						keys[s], vals[s] = c, byte(len(plte)/3)
						lastIdx = vals[s]
						plte = append(plte, row[4*x], row[4*x+1], row[4*x+2])
						break
					}
					s = (s + 1) & (slots - 1)
				}
				last = c
			}
			out[x] = lastIdx
		}
	}
	return raw, plte, true
}

func circlePath(z *rz, cx, cy, r float32) {
	const k = 0.5523
	z.MoveTo(cx+r, cy)
	z.CubeTo(cx+r, cy+k*r, cx+k*r, cy+r, cx, cy+r)
	z.CubeTo(cx-k*r, cy+r, cx-r, cy+k*r, cx-r, cy)
	z.CubeTo(cx-r, cy-k*r, cx-k*r, cy-r, cx, cy-r)
	z.CubeTo(cx+k*r, cy-r, cx+r, cy-k*r, cx+r, cy)
	z.ClosePath()
}

// rz draws into a rasteriser that covers only part of the image.
type rz struct {
	z      *vector.Rasterizer
	ox, oy float32
}

func (r *rz) MoveTo(x, y float32) { r.z.MoveTo(x-r.ox, y-r.oy) }
func (r *rz) LineTo(x, y float32) { r.z.LineTo(x-r.ox, y-r.oy) }
func (r *rz) QuadTo(x1, y1, x2, y2 float32) {
	r.z.QuadTo(x1-r.ox, y1-r.oy, x2-r.ox, y2-r.oy)
}
func (r *rz) CubeTo(x1, y1, x2, y2, x3, y3 float32) {
	r.z.CubeTo(x1-r.ox, y1-r.oy, x2-r.ox, y2-r.oy, x3-r.ox, y3-r.oy)
}
func (r *rz) ClosePath() { r.z.ClosePath() }

// opBounds is the pixel rectangle an op can touch.
func opBounds(f *Font, o op, scale float64) image.Rectangle {
	var x0, y0, x1, y1 float64
	switch o.kind {
	case 'r':
		x0, y0, x1, y1 = o.pts[0], o.pts[1], o.pts[0]+o.pts[2], o.pts[1]+o.pts[3]
	case 'c':
		x0, y0, x1, y1 = o.pts[0]-o.pts[2], o.pts[1]-o.pts[2], o.pts[0]+o.pts[2], o.pts[1]+o.pts[2]
	case 'l':
		x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for i := 0; i+1 < len(o.pts); i += 2 {
			x0, x1 = math.Min(x0, o.pts[i]), math.Max(x1, o.pts[i])
			y0, y1 = math.Min(y0, o.pts[i+1]), math.Max(y1, o.pts[i+1])
		}
		x0, y0, x1, y1 = x0-o.lw, y0-o.lw, x1+o.lw, y1+o.lw
	case 't':
		x0 = o.pts[0] - anchorShift(f, o)
		x1 = x0 + f.TextWidth(o.text, o.size)
		y0, y1 = o.pts[1]-o.size*1.1, o.pts[1]+o.size*0.4
	}
	return image.Rect(int(math.Floor(x0*scale))-1, int(math.Floor(y0*scale))-1, int(math.Ceil(x1*scale))+1, int(math.Ceil(y1*scale))+1)
}
