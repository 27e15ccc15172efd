package layout

import (
	"math"
	"strconv"

	"github.com/countyreport/countyreport/internal/typeset"
)

// Text draws s in f with its baseline at y. adj, when given (one per rune),
// is space added after each character in points: negative where
// punctuation is compressed, positive where a line is justified. bold sets
// the glyphs with their outline stroked as well as filled (about 4% of the
// size wider), a heavier weight of a face that has only one. Runs of Latin
// text are drawn in f's Latin face (Font.Face).
func (p *Page) Text(f *Font, x, y, size float64, c RGB, s []rune, adj []float64, bold bool) {
	p.text(f, x, y, size, c, s, adj, bold, 0, nil, nil)
}

// text is Text; with first set, the text object holds its own marked
// content: s[:cut] part of first, the rest of rest (a list item's label
// and body on one line). Runs in another language than the document's
// (langSpans) are sequences of their own with their /Lang (PDF 14.9.2.2),
// of the same element: the text object then holds its marked content too,
// never nested (a reader that pairs each EMC with the last BDC reads it
// right).
func (p *Page) text(f *Font, x, y, size float64, c RGB, s []rune, adj []float64, bold bool, cut int, first, rest *Elem) {
	if len(s) == 0 {
		return
	}
	var spans []int
	var other string
	if p.doc.root == nil {
		first = nil
	} else if spans, other = langSpans(s, p.doc.meta.Lang); len(spans) > 0 && first == nil {
		if p.want == nil || p.want.art != "" {
			spans = nil // an artifact is not read: no language to tell
		} else {
			first, rest, cut = p.want, p.want, 0
		}
	}
	if first != nil {
		p.closeMarks() // the text object holds its own
	} else {
		p.sync()
	}
	latin := !typeset.HasHan(s)
	p.fillColor(c)
	b := p.c.AvailableBuffer()
	if bold {
		b = append(b, "q "...)
		b = appendNum(b, c.R)
		b = append(b, ' ')
		b = appendNum(b, c.G)
		b = append(b, ' ')
		b = appendNum(b, c.B)
		b = append(b, " RG "...)
		b = appendNum(b, size*0.04)
		b = append(b, " w 1 j 2 Tr "...)
	}
	b = append(b, "BT 1 0 0 1 "...)
	b = appendNum(b, x)
	b = append(b, ' ')
	b = appendNum(b, PageH-y)
	b = append(b, " Tm"...)
	const hexd = "0123456789ABCDEF"
	var cur *fontRes
	open := false
	runSize := size
	inSpan := false
	for i, ch := range s {
		if first != nil {
			e, span := first, inSpan
			if i >= cut {
				e = rest
			}
			if len(spans) > 0 && (i == spans[0] && !inSpan || i == spans[1] && inSpan) {
				span = !inSpan
				if inSpan {
					spans = spans[2:]
				}
			}
			if i == 0 || i == cut || span != inSpan {
				if open {
					b = append(b, ">] TJ"...)
					open = false
				}
				if i > 0 {
					b = append(b, " EMC"...)
				}
				inSpan = span
				lang := ""
				if inSpan {
					lang = other
				}
				b = append(b, ' ')
				b = p.openSeq(b, e, lang)
			}
		}
		face := f.Face(ch, latin)
		r := p.doc.res(face)
		if r != cur || !open {
			if open {
				b = append(b, ">] TJ"...)
			}
			if r != cur {
				p.fonts[r] = true
				runSize = f.RunSize(face, size, latin)
				b = append(b, " /"...)
				b = append(b, r.name...)
				b = append(b, ' ')
				b = appendNum(b, runSize)
				b = append(b, " Tf"...)
			}
			b = append(b, " [<"...)
			cur, open = r, true
		}
		g := r.cid(face.GID(ch))
		if u, ok := r.used[g]; !ok || ch < u {
			r.used[g] = ch
		}
		b = append(b, hexd[g>>12], hexd[g>>8&15], hexd[g>>4&15], hexd[g&15])
		if i < len(adj) && i+1 < len(s) {
			// TJ moves the next glyph left by n/1000 of the size
			if n := math.Round(-adj[i] * 1000 / runSize); n != 0 {
				b = append(b, '>', ' ')
				b = strconv.AppendInt(b, int64(n), 10)
				b = append(b, ' ', '<')
			}
		}
	}
	b = append(b, ">] TJ"...)
	if first != nil {
		b = append(b, " EMC"...)
	}
	b = append(b, " ET"...)
	if bold {
		b = append(b, " Q"...)
	}
	b = append(b, '\n')
	p.c.Write(b)
}
