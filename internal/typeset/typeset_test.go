package typeset

import (
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/dataset"
)

// unit gives CJK one em and Latin, digits and ASCII punctuation half an em.
func unit(r rune) float64 {
	if r < 0x2000 {
		return 0.5
	}
	return 1
}

func lines(text string, width, indent float64) []string {
	rs := []rune(text)
	var out []string
	for _, l := range Wrap(rs, width, indent, unit) {
		out = append(out, string(rs[l.Start:l.End]))
	}
	return out
}

func TestHardCases(t *testing.T) {
	tests := map[string]struct {
		text   string
		width  float64
		indent float64
		want   []string
	}{
		"comma never starts a line":       {"衡山县直面疫情、旱情，各项工作", 7, 0, []string{"衡山县直面疫", "情、旱情，各项", "工作"}},
		"full stop pulls its character":   {"一二三四五。六七", 5, 0, []string{"一二三四", "五。六七"}},
		"opening quote never ends a line": {"一二三四“五兴六强”", 5, 0, []string{"一二三四", "“五兴六", "强”"}},
		"number kept with unit":           {"完成投资54.98亿元", 6, 0, []string{"完成投资", "54.98亿元"}},
		"percent kept with number":        {"分别增长7.0%、8.1%", 8, 0, []string{"分别增长7.0%、", "8.1%"}},
		"unit run after number":           {"征地1100余亩", 4, 0, []string{"征地", "1100余亩"}},
		"dash pair not split":             {"工作会议——全面", 5, 0, []string{"工作会", "议——全面"}},
		"ellipsis pair not split":         {"巡察工作……这些", 5, 0, []string{"巡察工", "作……这些"}},
		"two-character indent":            {"一二三四五六七八", 4, 2, []string{"一二", "三四五六", "七八"}},
		"english words kept whole":        {"the growth rate", 3, 0, []string{"the", "growth", "rate"}},
		"newline is a hard break":         {"第一段\n第二段", 10, 0, []string{"第一段", "第二段"}},
		"overlong run forced":             {"12345678901234567890", 5, 0, []string{"1234567890", "1234567890"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := lines(tc.text, tc.width, tc.indent)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// checkRules verifies the invariants on any text: nothing lost, widths
// respected, no forbidden character at a line start or end.
func checkRules(t *testing.T, text string, width float64) {
	rs := []rune(text)
	ls := Wrap(rs, width, 0, unit)
	var rebuilt []rune
	for i, l := range ls {
		seg := rs[l.Start:l.End]
		w := 0.0
		for _, r := range seg {
			w += unit(r)
		}
		if w > width+1e-9 && len(seg) > 1 {
			t.Fatalf("line %d %q is %.1f wide, more than %.1f", i, string(seg), w, width)
		}
		if i > 0 && len(seg) > 0 && strings.ContainsRune(NoStart, seg[0]) {
			t.Errorf("line %d starts with %q: %q", i, seg[0], string(seg))
		}
		if !l.Last && len(seg) > 0 && strings.ContainsRune(NoEnd, seg[len(seg)-1]) {
			t.Errorf("line %d ends with %q: %q", i, seg[len(seg)-1], string(seg))
		}
		if i > 0 && len(seg) > 0 {
			prev := rs[ls[i-1].End-1]
			if unicode.IsDigit(prev) && strings.ContainsRune(Units, seg[0]) {
				t.Errorf("number split from its unit at line %d: %q|%q", i, string(rs[ls[i-1].Start:ls[i-1].End]), string(seg))
			}
		}
		rebuilt = append(rebuilt, rs[l.Start:l.End]...)
	}
	strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
	if strip(string(rebuilt)) != strip(text) {
		t.Fatalf("characters lost or duplicated:\n%q\n%q", string(rebuilt), text)
	}
}

func TestHengshanParagraphs(t *testing.T) {
	b, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(b, "h.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var paras []string
	paras = append(paras, d.Meta.Lead...)
	for _, s := range d.Sections {
		paras = append(paras, s.Items...)
		if s.Summary != "" {
			paras = append(paras, s.Summary)
		}
	}
	for _, w := range []float64{8, 13, 21, 33, 44} {
		for _, p := range paras {
			checkRules(t, p, w)
		}
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("完成投资54.98亿元，增长10.8%。“五兴六强”——全面……", 7)
	f.Add("the quick brown fox 12345678901234567890", 5)
	f.Add("，，，，，，。。。。。“““““", 3)
	f.Fuzz(func(t *testing.T, text string, width int) {
		if !utf8.ValidString(text) || width < 2 || width > 200 {
			return
		}
		rs := []rune(text)
		ls := Wrap(rs, float64(width), 0, unit)
		covered := 0
		prevEnd := 0
		for _, l := range ls {
			if l.Start < prevEnd || l.End < l.Start || l.End > len(rs) {
				t.Fatalf("bad line %+v after %d", l, prevEnd)
			}
			for _, r := range rs[prevEnd:l.Start] {
				if r != ' ' && r != '\n' {
					t.Fatalf("skipped %q", r)
				}
			}
			covered += l.End - l.Start
			prevEnd = l.End
			w := 0.0
			for _, r := range rs[l.Start:l.End] {
				w += unit(r)
			}
			if w > float64(width)+1e-9 && l.End-l.Start > 1 {
				t.Fatalf("line too wide: %q", string(rs[l.Start:l.End]))
			}
		}
		for _, r := range rs[prevEnd:] {
			if r != ' ' && r != '\n' {
				t.Fatalf("dropped tail %q", string(rs[prevEnd:]))
			}
		}
	})
}
