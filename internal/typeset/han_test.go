package typeset

import "testing"

// HasHan is the test of whether text is set as Chinese; IsCJK the wider
// test of the line-breaking rules. They differ on CJK punctuation, kana and
// Hangul alone, which are set as Latin text.
func TestHasHanAndIsCJK(t *testing.T) {
	tests := map[string]struct {
		text        string
		han, anyCJK bool
	}{
		"Chinese":                {text: "地区生产总值", han: true, anyCJK: true},
		"Chinese in Latin":       {text: "GDP 增长 7.0%", han: true, anyCJK: true},
		"Latin":                  {text: "GDP grew 7.0%", han: false, anyCJK: false},
		"CJK punctuation alone":  {text: "（2023）、《》", han: false, anyCJK: true},
		"kana":                   {text: "カタカナ", han: false, anyCJK: true},
		"Hangul":                 {text: "한국어", han: false, anyCJK: true},
		"full-width folded mark": {text: "，", han: false, anyCJK: false},
		"empty":                  {text: "", han: false, anyCJK: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := HasHan([]rune(tc.text)); got != tc.han {
				t.Errorf("HasHan(%q) = %v, want %v", tc.text, got, tc.han)
			}
			if got := HasCJK(tc.text); got != tc.anyCJK {
				t.Errorf("HasCJK(%q) = %v, want %v", tc.text, got, tc.anyCJK)
			}
		})
	}
}
