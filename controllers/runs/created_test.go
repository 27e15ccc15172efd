package runs

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// A CountyReport never fires for an instant before it was created (a
// CronJob's rule): a county applied in the first week of a month does not
// run the month before at once; one that existed on the 1st does.
func TestScheduleNeverFiresBeforeTheCountyWasCreated(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, sh) }
	tests := map[string]struct {
		created, now time.Time
		want         []string
	}{
		"created on the 3rd":                  {created: at(12, 3, 9, 0), now: at(12, 3, 9, 1)},
		"created on the 3rd, a day later":     {created: at(12, 3, 9, 0), now: at(12, 4, 9, 0)},
		"created on the 1st after 06:00":      {created: at(12, 1, 6, 30), now: at(12, 1, 7, 0)},
		"existing since before the 1st":       {created: at(11, 20, 12, 0), now: at(12, 3, 9, 0), want: []string{"hengshan-2026-11"}},
		"created a minute before the instant": {created: at(12, 1, 5, 59), now: at(12, 1, 6, 0), want: []string{"hengshan-2026-11"}},
	}
	code := 920030
	for name, tc := range tests {
		code++
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			clk := fakeClockAt(tc.now)
			ns := namespace(t, "created")
			h := startHarness(t, ns, harnessOptions{clock: clk, created: tc.created, noRunController: true})
			cr := newCounty(ns, "hengshan", fmt.Sprint(code))
			create(t, cr)
			reconcileCounty(t, h, cr)
			reconcileCounty(t, h, cr)
			got := county(g, ns, "hengshan")
			if tc.want == nil {
				g.Expect(runNames(g, ns)).To(BeEmpty())
				g.Expect(got.Status.LastScheduleTime).To(BeNil())
				c := condition(got, v1alpha1.ConditionReportUpToDate)
				g.Expect(c.Status).To(Equal(metav1.ConditionUnknown))
				g.Expect(c.Reason).To(Equal("NotScheduledYet"))
			} else {
				g.Expect(runNames(g, ns)).To(ConsistOf(tc.want))
			}
			g.Expect(got.Status.NextRunLocal).To(Equal("2027-01-01 06:00 Asia/Shanghai"))
		})
	}
}

// The county created on the 3rd runs its first month at the next instant.
func TestNewCountyRunsAtTheNextInstant(t *testing.T) {
	g := NewWithT(t)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClockAt(time.Date(2026, 12, 3, 9, 0, 0, 0, sh))
	ns := namespace(t, "created")
	h := startHarness(t, ns, harnessOptions{clock: clk, created: clk.Now().Add(-time.Minute), noRunController: true})
	cr := newCounty(ns, "hengshan", "920040")
	create(t, cr)
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, ns)).To(BeEmpty())

	clk.SetTime(time.Date(2027, 1, 1, 6, 0, 0, 0, sh))
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, ns)).To(ConsistOf("hengshan-2026-12"))
	c := condition(county(g, ns, "hengshan"), v1alpha1.ConditionReportUpToDate)
	g.Expect(c.Reason).To(Equal("RunInProgress"))
}

// A month caught up by hand before the first instant is the county's
// current report: ReportUpToDate is True, not Unknown.
func TestMonthCaughtUpByHandIsCurrentBeforeTheFirstInstant(t *testing.T) {
	g := NewWithT(t)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeClockAt(time.Date(2026, 12, 3, 9, 0, 0, 0, sh))
	ns := namespace(t, "created")
	h := startHarness(t, ns, harnessOptions{clock: clk, created: clk.Now().Add(-time.Hour), noRunController: true})
	cr := newCounty(ns, "hengshan", "920041")
	create(t, cr)
	r := newRun(ns, "hengshan", "2026-11")
	create(t, r)
	done := metav1.NewTime(clk.Now().Add(-time.Minute))
	r.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunSucceeded, Attempts: 1, StartTime: &done, CompletionTime: &done, Pages: 13,
		Artifacts: []v1alpha1.Artifact{{Key: "reports/2026-11/report.pdf", Size: 1, SHA256: fmt.Sprintf("%064d", 7)}}}
	g.Expect(k8s.Status().Update(ctx, r)).To(Succeed())

	reconcileCounty(t, h, cr)
	got := county(g, ns, "hengshan")
	g.Expect(runNames(g, ns)).To(ConsistOf("hengshan-2026-11"))
	g.Expect(got.Status.LastReport).NotTo(BeNil())
	g.Expect(got.Status.LastReport.Period).To(Equal("2026-11"))
	c := condition(got, v1alpha1.ConditionReportUpToDate)
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(c.Reason).To(Equal("ReportCurrent"))
}
