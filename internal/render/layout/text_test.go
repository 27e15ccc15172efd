package layout

import (
	"math"
	"strings"
	"testing"
)

func lineTexts(text []rune, ls []line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, string(text[l.start:l.start+len(l.adj)]))
	}
	return out
}

// Every mark keeps its full em on every line: a line is never filled by
// compressing its commas (which then read as ASCII beside the full-width
// ones of the paragraph's last line), it is letter-spaced instead.
func TestMarksKeepFullWidth(t *testing.T) {
	f := testFonts(t)[Serif]
	const size = 10.0
	// "一二，三四，五六，七八九" is 12 em set in full, 10.5 em with the
	// commas' blank halves given up: on a measure of 10.6 em it no longer
	// fits, and the line breaks before 八 (a comma cannot start a line).
	text := []rune("一二，三四，五六，七八九十一二三四五")
	ls := setText(text, f, size, 10.6*size, 0, true)
	got := lineTexts(text, ls)
	if len(got) < 2 || got[0] != "一二，三四，五六，七" {
		t.Fatalf("lines %q: want the first to end at 七, its commas in full", got)
	}
	for i, a := range ls[0].adj {
		if a < -0.01 {
			t.Errorf("character %d of the first line compressed by %.2f pt", i, -a)
		}
	}
	if w := ls[0].width; w > 10.6*size+0.01 {
		t.Errorf("first line %.2f wide, over the measure %.2f", w, 10.6*size)
	}
}

// A paragraph does not end with a line of one or two characters (感”……, 镇。).
func TestNoShortLastLine(t *testing.T) {
	f := testFonts(t)[Serif]
	const size = 10.0
	for _, s := range []string{
		"最终给老百姓带来发展的“获得感”……",
		"开云镇双全新村获评省级文明村镇。",
		"一二三四五六七八九十一二三四五六七八九十镇。",
	} {
		text := []rune(s)
		for _, w := range []float64{8, 10, 15, 19, 20} {
			ls := setText(text, f, size, w*size, 0, true)
			if len(ls) < 2 {
				continue
			}
			last := ls[len(ls)-1]
			if n := letters(text, last.start, last.end); n < 3 {
				t.Errorf("%q at %v em: last line %q has %d characters", s, w, string(text[last.start:last.end]), n)
			}
		}
	}
}

// Two marks in a row share an em: “。”” is set one and a half ems wide.
func TestPairCompressed(t *testing.T) {
	f := testFonts(t)[Serif]
	text := []rune("获得感”。")
	m := measure(text, f, 10)
	if got := m.adv[3]; got > 6 {
		t.Errorf("” before 。 takes %.2f pt, want half its em", got)
	}
}

// A centred full stop (the Arphic fonts centre 。 and 、) is moved to the
// left of its em, the mainland way.
func TestMainlandMarks(t *testing.T) {
	f := testFonts(t)[Serif]
	lo, _, ok := f.Ink('。')
	if !ok || lo < 0.2 {
		t.Fatalf("the serif face sets 。 at %.2f em, not centred as AR PL UMing does: is fonts-arphic-uming installed (make tools)?", lo)
	}
	m := measure([]rune("镇。好"), f, 10)
	if m.off[1] >= 0 {
		t.Errorf("。 not moved left: offset %.2f", m.off[1])
	}
}

// Justified English widens its spaces, never its letters.
func TestEnglishJustified(t *testing.T) {
	f := testFonts(t)[Serif]
	text := []rune("In the year just past, Hengshan County faced the threefold challenge of the epidemic, drought and fires.")
	ls := setText(text, f, 10, 300, 0, true)
	for _, l := range ls[:len(ls)-1] {
		for i, a := range l.adj {
			if a > 0.01 && text[l.start+i] != ' ' {
				t.Fatalf("letter %q spaced by %.2f", text[l.start+i], a)
			}
		}
	}
	if !strings.Contains(string(text[ls[0].start:ls[0].end]), " ") {
		t.Fatal("no spaces on the first line")
	}
}

// A table splits between rows, never leaving fewer than three rows on a
// page: a break that would leave one or two on the last page moves up.
func TestTableBreaks(t *testing.T) {
	rows := func(n int) []float64 {
		h := make([]float64, n)
		for i := range h {
			h[i] = 20
		}
		return h
	}
	tests := map[string]struct {
		heights          []float64
		y, top, bottom   float64
		wantBreaksBefore []int
	}{
		"fits":                {rows(5), 100, 100, 400, nil},
		"two left over":       {rows(12), 100, 100, 300, []int{9}}, // 10 fit; 2 would be alone
		"three left over":     {rows(13), 100, 100, 300, []int{10}},
		"many pages":          {rows(25), 100, 100, 300, []int{10, 20}},
		"one left over, many": {rows(21), 100, 100, 300, []int{10, 18}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			br := tableBreaks(tc.heights, tc.y, tc.top, tc.bottom)
			var got []int
			for i, b := range br {
				if b {
					got = append(got, i)
				}
			}
			if len(got) != len(tc.wantBreaksBefore) {
				t.Fatalf("breaks before %v, want %v", got, tc.wantBreaksBefore)
			}
			for i := range got {
				if got[i] != tc.wantBreaksBefore[i] {
					t.Fatalf("breaks before %v, want %v", got, tc.wantBreaksBefore)
				}
			}
		})
	}
}

// A heading near the foot of a page goes to the next page with what follows it.
func TestHeadingKeptWithNext(t *testing.T) {
	fl := New(testFonts(t))
	fl.NewPage(false)
	fl.SetY(Bottom - 30)
	st := Style{Face: Sans, Size: 12, Leading: 18, Bold: true}
	fl.Heading("动能一", st, 3*19, 1)
	if fl.Page() != 2 {
		t.Fatalf("heading set on page %d, want it moved to page 2", fl.Page())
	}
	if e := fl.Entries(); len(e) != 1 || e[0].Page != 2 {
		t.Errorf("contents entry %v, want page 2", e)
	}
}

// setText loses no character, keeps every line within the measure (but a
// single overlong word) and never starts a line with closing punctuation.
func FuzzSetText(f *testing.F) {
	fs := testFonts(f)
	for _, s := range []string{"最终给老百姓带来发展的“获得感”……", "一二，三四，五六，七八九十", "GDP grew 5.8%, the county said.", "分别增长7.0%、8.1%", ""} {
		f.Add(s, 12.0)
	}
	f.Fuzz(func(t *testing.T, s string, width float64) {
		if width < 2 || width > 60 || len(s) > 400 {
			return
		}
		text := []rune(s)
		for _, face := range []Face{Serif, Sans, Kai} {
			ls := setText(text, fs[face], 10, width*10, 0, true)
			prev := 0
			for i, l := range ls {
				if l.start < prev || l.end < l.start || l.end > len(text) {
					t.Fatalf("line %d [%d,%d) after %d", i, l.start, l.end, prev)
				}
				for _, r := range text[prev:l.start] { // only spaces and newlines between lines
					if r != ' ' && r != '\n' {
						t.Fatalf("%q dropped between lines", r)
					}
				}
				if len(l.adj) != trimEnd(text, l.start, l.end)-l.start {
					t.Fatalf("line %d: %d adjustments for %d characters", i, len(l.adj), l.end-l.start)
				}
				prev = l.end
			}
			if len(ls) > 0 {
				for _, r := range text[prev:] {
					if r != ' ' && r != '\n' {
						t.Fatalf("%q lost at the end", r)
					}
				}
			}
		}
	})
}

// A card grid that fits on a page is never split across a page break (three
// cards on one page, six on the next read as two grids).
func TestCardGridKeptTogether(t *testing.T) {
	f := New(testFonts(t))
	f.NewPage(false)
	cards := make([]Card, 9)
	for i := range cards {
		cards[i] = Card{Title: "地方一般公共预算收入", Figure: "+31%", Unit: "比上年"}
	}
	h := f.CardsHeight(cards, 3)
	f.SetY(Bottom - h/2) // room for one row, not three
	f.Cards(cards, 3)
	if f.Page() != 2 || math.Abs(f.Y()-(Top+h)) > 1e-6 {
		t.Fatalf("the grid ends on page %d at %.1f, want page 2 at %.1f: split", f.Page(), f.Y(), Top+h)
	}
}
