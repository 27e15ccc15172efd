package submission

import (
	"fmt"
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
	pr := problem(
		fmt.Sprintf("报告期 %s 尚未结束，不能报送：只能报送已结束月份的数据（目前最近可报 %s）", p, last),
		fmt.Sprintf("period %s has not ended yet, so it cannot be submitted: only months that have ended can be (the latest now is %s)", p, last))
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
	pr := problem(
		fmt.Sprintf("报告期 %s 还未到来：模板和网页表单最多提供到本月（%s）；如是输入错误，请改正年份或月份", p, cur),
		fmt.Sprintf("period %s is still to come: templates and the web form are offered up to the current month (%s); if this is a typing slip, correct the year or month", p, cur))
	return &pr
}

func badPeriod(p string) *Problem {
	pr := problem(
		fmt.Sprintf("报告期 %q 格式不对：应写作 年-月，如 2023-01", p),
		fmt.Sprintf("period %q is not written as year-month, e.g. 2023-01", p))
	return &pr
}
