package submission

import (
	"time"

	"github.com/countyreport/countyreport/internal/period"
)

// Which months staff may work on, judged at now in the county's zone:
// data only for a month that has ended (a month's figures exist only once
// it is over), and a template or the web form only up to the month in
// progress (to prepare it), never for a month further ahead, where a
// mistyped year (2030 for 2023) would otherwise lead all the way to
// 确认提交.

// CheckEnded refuses data for a month that has not ended at now in loc.
// It returns nil when p is submittable; a malformed p is refused too.
func CheckEnded(p string, now time.Time, loc *time.Location) *Problem {
	per, err := period.Parse(p)
	if err != nil {
		return badPeriod(p)
	}
	cur := period.Of(now, loc)
	if per.Before(cur) {
		return nil
	}
	last := cur.AddMonths(-1).String()
	pr := said("submission.notEnded", p, last)
	return &pr
}

// CheckPreparable refuses a template or web form for a month after the
// one in progress at now in loc.
func CheckPreparable(p string, now time.Time, loc *time.Location) *Problem {
	per, err := period.Parse(p)
	if err != nil {
		return badPeriod(p)
	}
	cur := period.Of(now, loc)
	if !cur.Before(per) {
		return nil
	}
	pr := said("submission.notYet", p, cur)
	return &pr
}

func badPeriod(p string) *Problem {
	pr := said("submission.badPeriod", p)
	return &pr
}
