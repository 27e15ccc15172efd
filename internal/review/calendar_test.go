package review

import (
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/period"
)

// The month under review and its state at the instants where a monthly
// deadline turns: the 1st, the 5th (the default deadline day), the 6th and
// the last day of a month, each at 00:30 and 23:30 in Asia/Shanghai (the
// previous and the same UTC date), a year's turn, and a leap February. Each
// expectation is written by hand from the calendar, not computed.
func TestMonthUnderReviewAcrossTheMonth(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, sh) }
	cases := map[string]struct {
		now   time.Time
		due   string
		state string
	}{
		"1 January 00:30 (31 December in UTC)": {at(2027, 1, 1, 0, 30), "2026-12", NotSubmitted},
		"1 January 23:30":                      {at(2027, 1, 1, 23, 30), "2026-12", NotSubmitted},
		"5 December 00:30":                     {at(2026, 12, 5, 0, 30), "2026-11", NotSubmitted},
		"5 December 23:30 (still the 5th)":     {at(2026, 12, 5, 23, 30), "2026-11", NotSubmitted},
		"6 December 00:30 (5th in UTC)":        {at(2026, 12, 6, 0, 30), "2026-11", Overdue},
		"6 December 23:30":                     {at(2026, 12, 6, 23, 30), "2026-11", Overdue},
		"31 December 00:30":                    {at(2026, 12, 31, 0, 30), "2026-11", Overdue},
		"31 December 23:30":                    {at(2026, 12, 31, 23, 30), "2026-11", Overdue},
		"1 February 00:30 of a leap year":      {at(2028, 2, 1, 0, 30), "2028-01", NotSubmitted},
		"5 February 23:30 of a leap year":      {at(2028, 2, 5, 23, 30), "2028-01", NotSubmitted},
		"6 February 00:30 of a leap year":      {at(2028, 2, 6, 0, 30), "2028-01", Overdue},
		"29 February 00:30":                    {at(2028, 2, 29, 0, 30), "2028-01", Overdue},
		"29 February 23:30":                    {at(2028, 2, 29, 23, 30), "2028-01", Overdue},
		"1 March 00:30 after a leap February":  {at(2028, 3, 1, 0, 30), "2028-02", NotSubmitted},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			due := period.Of(tc.now, sh).AddMonths(-1)
			if due.String() != tc.due {
				t.Fatalf("month under review %s, want %s", due, tc.due)
			}
			if got := Derive(nil, Log{}, Deadline(due, 5, sh), tc.now); got.State != tc.state {
				t.Fatalf("state %s, want %s", got.State, tc.state)
			}
		})
	}
}
