// Package schedule reads a CountyReport's schedule: a standard 5-field cron
// expression in an IANA time zone. It answers when the next run is, which
// runs were missed, and which month a run reports on.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/countyreport/countyreport/internal/period"
)

// parser accepts exactly the standard five fields; descriptors such as
// @monthly and TZ= prefixes are refused so the spec stays plain.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Schedule is a parsed cron expression in its time zone.
type Schedule struct {
	spec cron.Schedule
	loc  *time.Location
}

// Parse reads a 5-field cron expression and an IANA time zone name.
func Parse(expr, zone string) (*Schedule, error) {
	if zone == "" {
		zone = "Asia/Shanghai"
	}
	if expr == "" {
		expr = "0 6 1 * *"
	}
	if strings.Contains(expr, "TZ=") || strings.HasPrefix(strings.TrimSpace(expr), "@") {
		return nil, fmt.Errorf("cron %q: only the five standard fields are allowed; put the zone in timeZone", expr)
	}
	if n := len(strings.Fields(expr)); n != 5 {
		return nil, fmt.Errorf("cron %q: has %d fields, want 5 (minute hour day month weekday)", expr, n)
	}
	// time.LoadLocation also accepts "Local" and paths-like names; only real zone names are wanted.
	if zone == "Local" || strings.HasPrefix(zone, "/") || strings.Contains(zone, "..") {
		return nil, fmt.Errorf("timeZone %q is not an IANA time zone name", zone)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("timeZone %q is not a known IANA time zone", zone)
	}
	spec, err := parser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v", expr, err)
	}
	return &Schedule{spec: spec, loc: loc}, nil
}

// Next is the first scheduled instant strictly after t, or zero when the
// expression never matches (e.g. 30 February).
//
// Daylight saving: a wall-clock time that happens twice when the clocks go
// back fires once, at its first occurrence; one that does not happen when the
// clocks go forward is skipped that day (as a Kubernetes CronJob does).
func (s *Schedule) Next(t time.Time) time.Time {
	n := s.spec.Next(t.In(s.loc))
	for i := 0; i < 4 && !n.IsZero() && s.repeated(n); i++ {
		n = s.spec.Next(n)
	}
	if n.IsZero() {
		return time.Time{}
	}
	return n.UTC()
}

// repeated reports whether n's wall-clock time in the zone already happened
// shortly before (the hour repeated when summer time ends).
func (s *Schedule) repeated(n time.Time) bool {
	wall := n.In(s.loc).Format("2006-01-02 15:04:05")
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if n.Add(-d).In(s.loc).Format("2006-01-02 15:04:05") == wall {
			return true
		}
	}
	return false
}

// Prev is the latest scheduled instant at or before t, or zero when there is
// none in the 8 years before t. It looks back in doubling windows, so a
// frequent schedule costs a few steps and a yearly one a few more.
func (s *Schedule) Prev(t time.Time) time.Time {
	for w := time.Hour; w <= 8*366*24*time.Hour; w *= 2 {
		if last, _ := s.LastBefore(t.Add(-w), t, 1<<16); !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// LastBefore is the latest scheduled instant in (after, now], or zero when
// none. It walks forward from after, so after should be recent (the last run,
// or now minus a starting deadline); at most limit instants are visited.
func (s *Schedule) LastBefore(after, now time.Time, limit int) (time.Time, int) {
	var last time.Time
	n := 0
	for t := s.Next(after); !t.IsZero() && !t.After(now) && n < limit; t = s.Next(t) {
		last = t
		n++
	}
	return last, n
}

// Local writes t in the schedule's time zone, e.g. "2026-12-01 06:00 Asia/Shanghai".
func (s *Schedule) Local(t time.Time) string {
	return t.In(s.loc).Format("2006-01-02 15:04") + " " + s.loc.String()
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// PeriodOf is the month a run at instant t reports on: the one before the
// month that contains t in the schedule's zone (a run on 1 November reports
// on October).
func (s *Schedule) PeriodOf(t time.Time) period.Period {
	return period.Of(t, s.loc).AddMonths(-1)
}
