package render

import (
	"strings"
	"testing"
)

// Card titles are set in full over one or two lines; only a name that two
// lines cannot hold is cut, with "…" at the end of the second.
func TestCardTitle(t *testing.T) {
	lo := &layout{f: testFont(t)}
	const w = cardTitleW
	for _, tc := range []struct {
		name  string
		lines int
		cut   bool
	}{
		{"GDP", 1, false},
		{"县内GDP", 1, false},
		{"Local general public budget revenue", 2, false},
		{"Urban per-capita disposable income", 2, false},
		{"争取国、省预算内资金、地方政府债券资金及上级专项资金", 2, false},
		{strings.Repeat("Investment completed in key projects of the city ", 4), 2, true},
	} {
		got := lo.cardTitle(tc.name, w)
		if len(got) != tc.lines {
			t.Errorf("%q: %d lines %q, want %d", tc.name, len(got), got, tc.lines)
			continue
		}
		for _, line := range got {
			if lw := lo.f.TextWidth(line, sizeSmall); lw > w {
				t.Errorf("%q: line %q is %.1f wide, more than %.0f", tc.name, line, lw, w)
			}
		}
		joined := strings.Join(got, " ")
		if cut := strings.HasSuffix(joined, "…"); cut != tc.cut {
			t.Errorf("%q: cut %v (%q), want %v", tc.name, cut, got, tc.cut)
		}
		if !tc.cut && strings.ReplaceAll(strings.Join(got, ""), " ", "") != strings.ReplaceAll(tc.name, " ", "") {
			t.Errorf("%q: set as %q, not in full", tc.name, got)
		}
	}
}
