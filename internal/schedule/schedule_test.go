package schedule

import (
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/period"
)

func utc(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

func TestNext(t *testing.T) {
	tests := map[string]struct {
		cron, zone string
		from, want time.Time
	}{
		"Shanghai, 1 second before":                {"0 6 1 * *", "Asia/Shanghai", utc(2026, 10, 31, 21, 59, 59), utc(2026, 10, 31, 22, 0, 0)},
		"Shanghai, at the instant: strictly after": {"0 6 1 * *", "Asia/Shanghai", utc(2026, 10, 31, 22, 0, 0), utc(2026, 11, 30, 22, 0, 0)},
		"Shanghai default cron and zone":           {"", "", utc(2026, 10, 15, 2, 0, 0), utc(2026, 10, 31, 22, 0, 0)},
		"Berlin in summer time":                    {"0 6 1 * *", "Europe/Berlin", utc(2026, 9, 15, 0, 0, 0), utc(2026, 10, 1, 4, 0, 0)},
		"Berlin across the autumn change":          {"0 6 1 * *", "Europe/Berlin", utc(2026, 10, 15, 0, 0, 0), utc(2026, 11, 1, 5, 0, 0)},
		"Berlin across the spring change":          {"0 6 1 * *", "Europe/Berlin", utc(2026, 3, 15, 0, 0, 0), utc(2026, 4, 1, 4, 0, 0)},
		"Berlin, 02:30 skipped in spring":          {"30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12, 0, 0), utc(2026, 3, 30, 0, 30, 0)},
		"Berlin, 02:30 twice in autumn":            {"30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 25, 0, 30, 0)},
		"New York, year end":                       {"0 0 1 1 *", "America/New_York", utc(2026, 6, 1, 0, 0, 0), utc(2027, 1, 1, 5, 0, 0)},
		"never (30 February)":                      {"0 0 30 2 *", "UTC", utc(2026, 1, 1, 0, 0, 0), time.Time{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(tc.cron, tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(tc.from); !got.Equal(tc.want) {
				t.Errorf("Next(%s) = %s, want %s", tc.from, got, tc.want)
			}
		})
	}
}

// The autumn change must not fire a daily 02:30 twice, nor skip the day after.
func TestBerlinAutumnFiresOncePerDay(t *testing.T) {
	s, err := Parse("30 2 * * *", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	_, n := s.LastBefore(utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 26, 12, 0, 0), 100)
	if n != 2 {
		t.Errorf("instants between 24 Oct noon and 26 Oct noon: %d, want 2 (one on the 25th, one on the 26th)", n)
	}
}

func TestLastBeforeAndPrev(t *testing.T) {
	s, err := Parse("0 6 1 * *", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		after, now time.Time
		want       time.Time
		n          int
	}{
		"none due":                 {utc(2026, 10, 24, 0, 0, 0), utc(2026, 10, 31, 21, 59, 59), time.Time{}, 0},
		"due at the instant":       {utc(2026, 10, 24, 0, 0, 0), utc(2026, 10, 31, 22, 0, 0), utc(2026, 10, 31, 22, 0, 0), 1},
		"three missed, latest one": {utc(2026, 7, 31, 22, 0, 0), utc(2026, 11, 5, 0, 0, 0), utc(2026, 10, 31, 22, 0, 0), 3},
		"after is exclusive":       {utc(2026, 10, 31, 22, 0, 0), utc(2026, 11, 5, 0, 0, 0), time.Time{}, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, n := s.LastBefore(tc.after, tc.now, 100)
			if !got.Equal(tc.want) || n != tc.n {
				t.Errorf("LastBefore = %s, %d; want %s, %d", got, n, tc.want, tc.n)
			}
		})
	}
	prev := map[string]struct{ at, want time.Time }{
		"just before the 1st": {utc(2026, 10, 31, 21, 59, 59), utc(2026, 9, 30, 22, 0, 0)},
		"at the 1st":          {utc(2026, 10, 31, 22, 0, 0), utc(2026, 10, 31, 22, 0, 0)},
		"mid-month":           {utc(2026, 11, 15, 0, 0, 0), utc(2026, 10, 31, 22, 0, 0)},
	}
	for name, tc := range prev {
		t.Run("Prev "+name, func(t *testing.T) {
			if got := s.Prev(tc.at); !got.Equal(tc.want) {
				t.Errorf("Prev(%s) = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
	never, _ := Parse("0 0 30 2 *", "UTC")
	if got, n := never.LastBefore(utc(2020, 1, 1, 0, 0, 0), utc(2026, 1, 1, 0, 0, 0), 10); !got.IsZero() || n != 0 {
		t.Errorf("a schedule that never fires: LastBefore = %s, %d", got, n)
	}
	if got := never.Prev(utc(2026, 1, 1, 0, 0, 0)); !got.IsZero() {
		t.Errorf("a schedule that never fires: Prev = %s", got)
	}
}

func TestPeriodOf(t *testing.T) {
	s, err := Parse("", "")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		at   time.Time
		want string
	}{
		"06:00 on 1 Nov in Shanghai is October":      {utc(2026, 10, 31, 22, 0, 0), "2026-10"},
		"15:59 UTC on 31 Oct is still October there": {utc(2026, 10, 31, 15, 59, 0), "2026-09"},
		"January reports on December":                {utc(2027, 1, 1, 0, 0, 0), "2026-12"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := s.PeriodOf(tc.at).String(); got != tc.want {
				t.Errorf("PeriodOf = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := map[string]struct{ cron, zone string }{
		"descriptor":     {"@monthly", "UTC"},
		"TZ prefix":      {"TZ=UTC 0 6 1 * *", "UTC"},
		"four fields":    {"0 6 1 *", "UTC"},
		"six fields":     {"0 0 6 1 * *", "UTC"},
		"minute 60":      {"60 6 1 * *", "UTC"},
		"unknown zone":   {"0 6 1 * *", "Asia/Atlantis"},
		"Local":          {"0 6 1 * *", "Local"},
		"path as a zone": {"0 6 1 * *", "/etc/localtime"},
		"dot-dot zone":   {"0 6 1 * *", "../etc/x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(tc.cron, tc.zone); err == nil {
				t.Errorf("Parse(%q, %q) accepted", tc.cron, tc.zone)
			}
		})
	}
}

// FuzzParse: Parse never panics, and whatever it accepts gives instants that
// move forward and agree with LastBefore and Prev.
func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"0 6 1 * *", "Asia/Shanghai"}, {"30 2 * * *", "Europe/Berlin"}, {"*/15 * * * 1-5", "UTC"},
		{"0 0 30 2 *", "UTC"}, {"@monthly", ""}, {"0 6 1 *", "Asia/Atlantis"}, {"", ""},
	} {
		f.Add(s[0], s[1], int64(1793484000))
	}
	f.Fuzz(func(t *testing.T, cron, zone string, unix int64) {
		s, err := Parse(cron, zone)
		if err != nil {
			return
		}
		from := time.Unix(unix%(400*365*86400), 0).UTC()
		next := s.Next(from)
		if next.IsZero() {
			return
		}
		if !next.After(from) {
			t.Fatalf("Next(%s) = %s, not after", from, next)
		}
		if last, n := s.LastBefore(from, next, 10); n != 1 || !last.Equal(next) {
			t.Fatalf("LastBefore(%s, %s) = %s, %d; want the one instant %s", from, next, last, n, next)
		}
		if prev := s.Prev(next); !prev.Equal(next) {
			t.Fatalf("Prev(%s) = %s", next, prev)
		}
		if p := s.PeriodOf(next); !period.Valid(p.String()) {
			t.Fatalf("PeriodOf(%s) = %+v", next, p)
		}
	})
}
