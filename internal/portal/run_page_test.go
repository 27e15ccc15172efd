package portal

import (
	"strings"
	"testing"
)

func TestMonthWords(t *testing.T) {
	for _, tc := range []struct{ in, lang, want string }{
		{"2023-01", "zh-CN", "2023年1月"},
		{"2023-12", "en", "December 2023"},
		{"2024-02", "en", "February 2024"},
		{"2023-13", "zh-CN", "2023-13"},
		{"2023-00", "en", "2023-00"},
		{"2023-1", "zh-CN", "2023-1"},
		{"abcd-ef", "en", "abcd-ef"},
		{"", "en", ""},
		{"+202-01", "en", "+202-01"},
	} {
		if got := monthWords(tc.in, tc.lang); got != tc.want {
			t.Errorf("monthWords(%q, %s) = %q, want %q", tc.in, tc.lang, got, tc.want)
		}
	}
}

func FuzzMonthWords(f *testing.F) {
	f.Add("2023-01")
	f.Add("+202-01")
	f.Fuzz(func(t *testing.T, s string) {
		for _, lang := range []string{"zh-CN", "en"} {
			got := monthWords(s, lang)
			if got != s && !strings.HasSuffix(got, "月") && !strings.Contains(got, " ") {
				t.Fatalf("monthWords(%q, %s) = %q: neither the input nor words", s, lang, got)
			}
		}
	})
}
