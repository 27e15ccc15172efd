package portal

import (
	"testing"

	"github.com/countyreport/countyreport/internal/period"
)

func TestReadPeriod(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2023-01", "2023-01"},
		{"2023-1", "2023-01"},
		{" 2023-12 ", "2023-12"},
		{"2023/1", "2023-01"},
		{"2023.02", "2023-02"},
		{"2023年1月", "2023-01"},
		{"2023年12月", "2023-12"},
		{"２０２３－０１", "2023-01"},
		{"2023-13", ""},
		{"2023-0", ""},
		{"2023-001", ""},
		{"23-1", ""},
		{"2023", ""},
		{"2023-1-5", ""},
		{"-2023-1", ""},
		{"", ""},
		{"abcd-ef", ""},
	}
	for _, c := range cases {
		got, ok := readPeriod(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("readPeriod(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

// Whatever is typed, readPeriod gives a strict YYYY-MM or nothing.
func FuzzReadPeriod(f *testing.F) {
	for _, s := range []string{"2023-1", "2023年1月", "２０２３－０１", "2023/12", "9999-99", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := readPeriod(s)
		if ok != (got != "") {
			t.Fatalf("%q: %q, %v", s, got, ok)
		}
		if ok && !period.Valid(got) {
			t.Fatalf("%q gave %q, not YYYY-MM", s, got)
		}
	})
}
