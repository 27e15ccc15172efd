package layout

import (
	"bytes"
	"math"
	"testing"

	gotext "github.com/go-text/typesetting/font"
)

// The outlines decoded from the glyph bytes are go-text's: point for point
// in the sans (the charts' face); in the others, where a contour of
// off-curve points may be started elsewhere, segment for segment.
func TestGlyphOutlineMatchesGoText(t *testing.T) {
	for _, face := range []Face{Sans, Serif, Kai} {
		f := testFonts(t)[face]
		tables := map[string][]byte{}
		for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "post", "OS/2", "name"} {
			if b := f.tables[tag]; b != nil {
				tables[tag] = b
			}
		}
		ref, err := gotext.ParseTTF(bytes.NewReader(writeSFNT(tables)))
		if err != nil {
			t.Fatal(err)
		}
		gf := gotext.NewFace(ref.Font)
		for _, r := range "衡山县GDP增长5.8%，“五兴六强”（一期）é" {
			g := f.GID(r)
			want, _ := gf.GlyphDataOutline(gotext.GID(g))
			got := f.glyphOutline(g, 0)
			if len(got) != len(want.Segments) {
				t.Errorf("face %d %q: %d segments, go-text %d", face, r, len(got), len(want.Segments))
				continue
			}
			if face != Sans {
				continue
			}
			for i := range got {
				if got[i].Op != want.Segments[i].Op {
					t.Errorf("face %d %q segment %d: op %v, go-text %v", face, r, i, got[i].Op, want.Segments[i].Op)
					break
				}
				for k := range got[i].Args {
					if math.Abs(float64(got[i].Args[k].X-want.Segments[i].Args[k].X)) > 0.01 || math.Abs(float64(got[i].Args[k].Y-want.Segments[i].Args[k].Y)) > 0.01 {
						t.Errorf("face %d %q segment %d: %v, go-text %v", face, r, i, got[i].Args, want.Segments[i].Args)
						break
					}
				}
			}
		}
	}
}
