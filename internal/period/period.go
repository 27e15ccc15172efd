// Package period is the reporting month, "YYYY-MM": the one type and parser
// every package uses for a ReportRun's spec.period, an archive key's period
// and a dataset's meta.period, and the month a scheduled run reports on.
package period

import (
	"fmt"
	"time"
)

// Period is a reporting month. The zero value is not a period.
type Period struct {
	Year  int
	Month time.Month
}

// Parse reads "YYYY-MM" strictly: a four-digit year from 1000, a two-digit
// month 01 to 12, nothing before or after. Its errors name the value.
func Parse(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM", s)
	}
	y, m := 0, 0
	for i, c := range []byte(s) {
		switch {
		case i == 4:
		case c < '0' || c > '9':
			return Period{}, fmt.Errorf("period %q: want YYYY-MM", s)
		case i < 4:
			y = y*10 + int(c-'0')
		default:
			m = m*10 + int(c-'0')
		}
	}
	if y < 1000 || m < 1 || m > 12 {
		return Period{}, fmt.Errorf("period %q: year or month out of range", s)
	}
	return Period{Year: y, Month: time.Month(m)}, nil
}

// Valid reports whether s parses.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// Of is the month that contains t in loc (t's own location when loc is nil).
func Of(t time.Time, loc *time.Location) Period {
	if loc != nil {
		t = t.In(loc)
	}
	return Period{Year: t.Year(), Month: t.Month()}
}

// String gives "YYYY-MM".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Index counts months from year 0, so that periods compare and subtract as integers.
func (p Period) Index() int { return p.Year*12 + int(p.Month) - 1 }

// AddMonths is the period n months later (earlier when n is negative).
func (p Period) AddMonths(n int) Period {
	i := p.Index() + n
	return Period{Year: i / 12, Month: time.Month(i%12 + 1)}
}

// Before reports whether p is an earlier month than q.
func (p Period) Before(q Period) bool { return p.Index() < q.Index() }

// Start is the first instant of the month in loc.
func (p Period) Start(loc *time.Location) time.Time {
	return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, loc)
}
