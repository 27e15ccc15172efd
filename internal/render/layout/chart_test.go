package layout

import (
	"strings"
	"testing"
)

// A long bar label is wrapped over as many lines as it needs, every word
// kept and none set left of the chart.
func TestBarLabelsWrapped(t *testing.T) {
	f := testFonts(t)[Sans]
	label := "Central and provincial budget funds, local government bond funds and special funds from higher levels secured"
	c := BarChart(f, BarSpec{Name: "t", Title: "t", Width: 471, Bars: []Bar{{Label: label, Value: 10.62, Text: "1.062 billion yuan"}, {Label: "GDP", Value: 5, Text: "5"}}})
	var got []string
	for _, o := range c.ops {
		if o.kind == 't' && o.anchor == 'e' && o.size == 9 {
			got = append(got, o.text)
			if x := o.pts[0] - f.TextWidth(o.text, o.size); x < 0 {
				t.Errorf("label line %q starts at x=%.1f, left of the chart", o.text, x)
			}
		}
	}
	if j := strings.Join(got[:len(got)-1], " "); j != label {
		t.Errorf("label set as %q, want %q", j, label)
	}
}
