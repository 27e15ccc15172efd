package period

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := map[string]struct {
		in   string
		want Period
		ok   bool
	}{
		"January":          {"2023-01", Period{2023, time.January}, true},
		"December":         {"2026-12", Period{2026, time.December}, true},
		"earliest year":    {"1000-01", Period{1000, time.January}, true},
		"latest year":      {"9999-12", Period{9999, time.December}, true},
		"month 13":         {"2024-13", Period{}, false},
		"month 00":         {"2024-00", Period{}, false},
		"one-digit month":  {"2024-1", Period{}, false},
		"three-digit year": {"999-01", Period{}, false},
		"year below 1000":  {"0999-01", Period{}, false},
		"with a day":       {"2024-01-01", Period{}, false},
		"slash":            {"2024/01", Period{}, false},
		"signed month":     {"2024-+1", Period{}, false},
		"full-width":       {"２０２４-01", Period{}, false},
		"space":            {" 2024-01", Period{}, false},
		"empty":            {"", Period{}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if Valid(tc.in) != tc.ok {
				t.Fatalf("Valid(%q) = %v", tc.in, !tc.ok)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	jan := Period{2026, time.January}
	cases := []struct {
		p    Period
		n    int
		want string
	}{
		{jan, -1, "2025-12"},
		{jan, 0, "2026-01"},
		{jan, 11, "2026-12"},
		{jan, 12, "2027-01"},
		{jan, -13, "2024-12"},
		{Period{2026, time.November}, 2, "2027-01"},
	}
	for _, tc := range cases {
		if got := tc.p.AddMonths(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.p, tc.n, got, tc.want)
		}
	}
	if !(Period{2025, time.December}).Before(jan) || jan.Before(jan) {
		t.Error("Before orders December 2025 before January 2026, and nothing before itself")
	}
}

func TestOfAndStart(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 22:00 UTC on 31 October is 06:00 on 1 November in Shanghai.
	at := time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC)
	if got := Of(at, sh).String(); got != "2026-11" {
		t.Errorf("Of in Shanghai = %s, want 2026-11", got)
	}
	if got := Of(at, nil).String(); got != "2026-10" {
		t.Errorf("Of in UTC = %s, want 2026-10", got)
	}
	start := Period{2026, time.November}.Start(sh)
	if want := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Errorf("Start = %s, want %s", start.UTC(), want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-01", "2024-12", "0999-01", "2024-13", "2024-1", "abcd-ef", "２０２４-01", "", "2024-01\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if Valid(s) {
				t.Fatalf("Valid(%q) but Parse fails: %v", s, err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("Parse(%q) = %+v, which prints as %q", s, p, p.String())
		}
		if p.Month < 1 || p.Month > 12 || p.Year < 1000 || p.Year > 9999 {
			t.Fatalf("Parse(%q) = %+v out of range", s, p)
		}
		if q := p.AddMonths(1).AddMonths(-1); q != p {
			t.Fatalf("%s + 1 - 1 month = %s", p, q)
		}
		if got := Of(p.Start(time.UTC), time.UTC); got != p {
			t.Fatalf("Of(Start(%s)) = %s", p, got)
		}
	})
}
