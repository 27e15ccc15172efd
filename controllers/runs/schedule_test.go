package runs

import (
	"fmt"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/testenv"
)

func fakeClockAt(t time.Time) *clocktesting.FakeClock { return clocktesting.NewFakeClock(t) }

func county(g Gomega, ns, name string) *v1alpha1.CountyReport {
	cr := &v1alpha1.CountyReport{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cr)).To(Succeed())
	return cr
}

func condition(cr *v1alpha1.CountyReport, typ string) metav1.Condition {
	if c := meta.FindStatusCondition(cr.Status.Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// reconcileCounty runs the CountyReport reconciler once, directly, once the
// manager's cache has seen what the test wrote, and fails on an error.
func reconcileCounty(t *testing.T, h *harness, cr *v1alpha1.CountyReport) {
	t.Helper()
	reconcileWith(t, h.county, h, cr)
}

func reconcileWith(t *testing.T, r *controllers.CountyReportReconciler, h *harness, cr *v1alpha1.CountyReport) {
	t.Helper()
	syncCache(t, h)
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(cr)})
	if err != nil {
		t.Fatalf("reconcile %s: %v", cr.Name, err)
	}
}

// syncCache waits until the manager's cache holds the API server's current
// ReportRuns and CountyReports of the namespace.
func syncCache(t *testing.T, h *harness) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		var want, got v1alpha1.ReportRunList
		g.Expect(k8s.List(ctx, &want, client.InNamespace(h.ns))).To(Succeed())
		g.Expect(h.mgr.GetClient().List(ctx, &got, client.InNamespace(h.ns))).To(Succeed())
		g.Expect(versions(got.Items)).To(Equal(versions(want.Items)))
		var wantCR, gotCR v1alpha1.CountyReportList
		g.Expect(k8s.List(ctx, &wantCR, client.InNamespace(h.ns))).To(Succeed())
		g.Expect(h.mgr.GetClient().List(ctx, &gotCR, client.InNamespace(h.ns))).To(Succeed())
		for i := range wantCR.Items {
			g.Expect(gotCR.Items).To(ContainElement(HaveField("ObjectMeta.ResourceVersion", wantCR.Items[i].ResourceVersion)))
		}
	}, wait).Should(Succeed())
}

func versions(runs []v1alpha1.ReportRun) map[string]string {
	m := map[string]string{}
	for _, r := range runs {
		m[r.Name] = r.ResourceVersion
	}
	return m
}

func runNames(g Gomega, ns string) []string {
	var list v1alpha1.ReportRunList
	g.Expect(k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	return names
}

// scheduleHarness: a county in a fresh namespace, its reconciler on clk; no
// ReportRun reconciler, so created runs stay as the schedule made them.
func scheduleHarness(t *testing.T, code string, clk *clocktesting.FakeClock, edit func(*v1alpha1.CountyReport)) (*harness, *v1alpha1.CountyReport) {
	t.Helper()
	ns := namespace(t, "sched")
	h := startHarness(t, ns, harnessOptions{clock: clk, noRunController: true})
	cr := newCounty(ns, "hengshan", code)
	if edit != nil {
		edit(cr)
	}
	create(t, cr)
	return h, cr
}

func TestScheduleFiresAtSixInShanghai(t *testing.T) {
	g := NewWithT(t)
	clk := fakeClockAt(time.Date(2026, 10, 31, 21, 59, 59, 0, time.UTC))
	h, cr := scheduleHarness(t, "920001", clk, nil)

	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, h.ns)).To(BeEmpty(), "a run one second before 06:00 in Shanghai")
	got := county(g, h.ns, "hengshan")
	g.Expect(got.Status.NextRun.Time).To(BeTemporally("==", time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC)))
	g.Expect(got.Status.NextRunLocal).To(Equal("2026-11-01 06:00 Asia/Shanghai"))

	clk.SetTime(time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC))
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"))
	r := run(g, h.ns, "hengshan-2026-10")
	g.Expect(r.Spec).To(Equal(v1alpha1.ReportRunSpec{CountyReportName: "hengshan", Period: "2026-10", Reason: v1alpha1.RunScheduled}))
	g.Expect(metav1.GetControllerOf(r).UID).To(Equal(got.UID))
	got = county(g, h.ns, "hengshan")
	g.Expect(got.Status.LastScheduleTime.Time).To(BeTemporally("==", time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC)))
	g.Expect(got.Status.NextRunLocal).To(Equal("2026-12-01 06:00 Asia/Shanghai"))
	c := condition(got, v1alpha1.ConditionReportUpToDate)
	g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
	g.Expect(c.Reason).To(Equal("RunInProgress"))

	// Later the same day: nothing more.
	clk.SetTime(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"))
}

func TestScheduleAcrossDaylightSavingInBerlin(t *testing.T) {
	g := NewWithT(t)
	// Summer time ends on 25 October 2026: 06:00 on 1 November is 05:00Z, not 04:00Z.
	clk := fakeClockAt(time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC))
	h, cr := scheduleHarness(t, "920002", clk, func(cr *v1alpha1.CountyReport) {
		cr.Spec.Schedule.TimeZone = "Europe/Berlin"
	})
	reconcileCounty(t, h, cr)
	g.Expect(county(g, h.ns, "hengshan").Status.NextRun.Time).To(BeTemporally("==", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)))
	for _, at := range []time.Time{
		time.Date(2026, 10, 25, 0, 59, 59, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), // the change itself
		time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), // 06:00 in summer time
		time.Date(2026, 11, 1, 4, 59, 59, 0, time.UTC),
	} {
		clk.SetTime(at)
		reconcileCounty(t, h, cr)
		g.Expect(runNames(g, h.ns)).To(BeEmpty(), "fired at %s", at)
	}
	for _, at := range []time.Time{
		time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 1, 5, 0, 1, 0, time.UTC),
		time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
	} {
		clk.SetTime(at)
		reconcileCounty(t, h, cr)
		g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"), "at %s", at)
	}
	g.Expect(county(g, h.ns, "hengshan").Status.LastScheduleTime.Time).To(BeTemporally("==", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)))
}

func TestRestartAndTwoReconcilersNeverDuplicate(t *testing.T) {
	g := NewWithT(t)
	clk := fakeClockAt(time.Date(2026, 10, 31, 21, 0, 0, 0, time.UTC))
	h, cr := scheduleHarness(t, "920003", clk, nil)
	reconcileCounty(t, h, cr) // the portal's objects exist; nothing is due yet
	g.Expect(runNames(g, h.ns)).To(BeEmpty())
	clk.SetTime(time.Date(2026, 10, 31, 22, 0, 5, 0, time.UTC))
	// Two reconcilers (two managers, or a requeue racing a watch) at once.
	other := &controllers.CountyReportReconciler{TenantReconciler: controllers.TenantReconciler{Client: testenv.Created(h.mgr.GetClient(), h.created), Scheme: scheme, Clock: clk, PortalImage: "countyreport:test"}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, r := range []*controllers.CountyReportReconciler{h.county, other, h.county, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(cr)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"))

	// A restart that lost status.lastScheduleTime: a new reconciler still makes no second run.
	g.Eventually(func(g Gomega) {
		got := county(g, h.ns, "hengshan")
		g.Expect(got.Status.LastScheduleTime).NotTo(BeNil())
		patch := client.MergeFrom(got.DeepCopy())
		got.Status.LastScheduleTime = nil
		g.Expect(k8s.Status().Patch(ctx, got, patch)).To(Succeed())
	}, wait).Should(Succeed())
	restarted := &controllers.CountyReportReconciler{TenantReconciler: controllers.TenantReconciler{Client: testenv.Created(h.mgr.GetClient(), h.created), Scheme: scheme, Clock: clk, PortalImage: "countyreport:test"}}
	reconcileWith(t, restarted, h, cr)
	g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"))
	g.Expect(county(g, h.ns, "hengshan").Status.LastScheduleTime).NotTo(BeNil())
}

func TestSuspendedScheduleCreatesNothing(t *testing.T) {
	g := NewWithT(t)
	clk := fakeClockAt(time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC))
	h, cr := scheduleHarness(t, "920004", clk, func(cr *v1alpha1.CountyReport) { cr.Spec.Schedule.Suspend = true })
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, h.ns)).To(BeEmpty())
	got := county(g, h.ns, "hengshan")
	g.Expect(got.Status.NextRunLocal).To(Equal("suspended"))
	g.Expect(got.Status.NextRun).To(BeNil())
	g.Expect(condition(got, v1alpha1.ConditionReportUpToDate).Message).To(ContainSubstring("suspended"))

	// Resumed within the starting deadline: the missed run is made.
	clk.SetTime(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	g.Eventually(func(g Gomega) {
		got := county(g, h.ns, "hengshan")
		got.Spec.Schedule.Suspend = false
		g.Expect(k8s.Update(ctx, got)).To(Succeed())
	}, wait).Should(Succeed())
	reconcileCounty(t, h, cr)
	g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-10"))
}

func TestDowntimeGivesOneRunForTheLatestPeriod(t *testing.T) {
	tests := map[string]struct {
		deadline     *int64
		lastSchedule time.Time
		now          time.Time
		want         []string
	}{
		"a week down over the 1st": {
			lastSchedule: time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC),
			now:          time.Date(2026, 11, 7, 21, 0, 0, 0, time.UTC),
			want:         []string{"hengshan-2026-10"},
		},
		"three months down, long deadline": {
			deadline:     ptr.To[int64](120 * 24 * 3600),
			lastSchedule: time.Date(2026, 7, 31, 22, 0, 0, 0, time.UTC),
			now:          time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC),
			want:         []string{"hengshan-2026-10"},
		},
		"down past the deadline": {
			lastSchedule: time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC),
			now:          time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC),
		},
	}
	code := 920010
	for name, tc := range tests {
		code++
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			clk := fakeClockAt(tc.now)
			h, cr := scheduleHarness(t, fmt.Sprint(code), clk, func(cr *v1alpha1.CountyReport) {
				cr.Spec.Schedule.StartingDeadlineSeconds = tc.deadline
			})
			g.Eventually(func(g Gomega) {
				got := county(g, h.ns, "hengshan")
				patch := client.MergeFrom(got.DeepCopy())
				got.Status.LastScheduleTime = &metav1.Time{Time: tc.lastSchedule}
				g.Expect(k8s.Status().Patch(ctx, got, patch)).To(Succeed())
			}, wait).Should(Succeed())
			reconcileCounty(t, h, cr)
			reconcileCounty(t, h, cr)
			if tc.want == nil {
				g.Expect(runNames(g, h.ns)).To(BeEmpty())
			} else {
				g.Expect(runNames(g, h.ns)).To(ConsistOf(tc.want))
			}
		})
	}
}

func TestHistoryLimitsPruneTheOldest(t *testing.T) {
	g := NewWithT(t)
	clk := fakeClockAt(time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC))
	h, _ := scheduleHarness(t, "920005", clk, nil)
	syncCache(t, h)
	cr := county(g, h.ns, "hengshan")
	finished := func(period string, phase v1alpha1.RunPhase) {
		r := newRun(h.ns, "hengshan", period)
		create(t, r)
		done := metav1.NewTime(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		r.Status = v1alpha1.ReportRunStatus{Phase: phase, Attempts: 1, StartTime: &done, CompletionTime: &done}
		if phase == v1alpha1.RunSucceeded {
			r.Status.Pages = 13
			r.Status.Artifacts = []v1alpha1.Artifact{{Key: "reports/" + period + "/report.pdf", Size: 1, SHA256: fmt.Sprintf("%064d", len(period))}}
		}
		g.Expect(k8s.Status().Update(ctx, r)).To(Succeed())
	}
	var succeeded []string
	for m := 1; m <= 14; m++ { // 2025-08 .. 2026-09
		p := time.Date(2025, time.Month(7+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		finished(p, v1alpha1.RunSucceeded)
		succeeded = append(succeeded, "hengshan-"+p)
	}
	for _, p := range []string{"2024-01", "2024-02", "2024-03", "2024-04", "2024-05"} {
		finished(p, v1alpha1.RunFailed)
	}
	reconcileCounty(t, h, cr)
	want := append(append([]string{}, succeeded[2:]...), "hengshan-2024-03", "hengshan-2024-04", "hengshan-2024-05")
	g.Eventually(func(g Gomega) { g.Expect(runNames(g, h.ns)).To(ConsistOf(want)) }, wait).Should(Succeed())
	lr := county(g, h.ns, "hengshan").Status.LastReport
	g.Expect(lr).NotTo(BeNil())
	g.Expect(lr.Period).To(Equal("2026-09"))
	g.Expect(lr.Pages).To(Equal(int32(13)))
	g.Expect(condition(county(g, h.ns, "hengshan"), v1alpha1.ConditionReportUpToDate).Status).To(Equal(metav1.ConditionTrue))

	// Configurable: keep one of each.
	g.Eventually(func(g Gomega) {
		got := county(g, h.ns, "hengshan")
		got.Spec.Schedule.SuccessfulRunsHistoryLimit = ptr.To[int32](1)
		got.Spec.Schedule.FailedRunsHistoryLimit = ptr.To[int32](1)
		g.Expect(k8s.Update(ctx, got)).To(Succeed())
	}, wait).Should(Succeed())
	reconcileCounty(t, h, cr)
	g.Eventually(func(g Gomega) {
		g.Expect(runNames(g, h.ns)).To(ConsistOf("hengshan-2026-09", "hengshan-2024-05"))
	}, wait).Should(Succeed())
	g.Expect(county(g, h.ns, "hengshan").Status.LastReport.Period).To(Equal("2026-09"))
}
