package runs

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/executor"
)

// stubExecutor starts every attempt and reports it running.
type stubExecutor struct{ started int }

func (s *stubExecutor) Start(context.Context, *v1alpha1.ReportRun, *v1alpha1.CountyReport) (executor.Result, error) {
	s.started++
	return executor.Result{State: executor.Running}, nil
}

func (s *stubExecutor) Poll(context.Context, *v1alpha1.ReportRun, *v1alpha1.CountyReport) (executor.Result, error) {
	return executor.Result{State: executor.Running}, nil
}

// The future-period check is on the period a run asks for, before anything
// is rendered. An attempt already running (its Job publishing) is not
// declared a run of the future because the county's time zone was changed
// to one where the month has not begun yet.
func TestTimeZoneChangedDuringARunDoesNotFailIt(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "zone")
	h := startHarness(t, ns, harnessOptions{noRunController: true})
	cr := newCounty(ns, "hengshan", "910009")
	create(t, cr)
	// 2026-11-30T17:00Z is 1 December 01:00 in Shanghai: December has begun there, not in UTC.
	clk := fakeClockAt(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC))
	ex := &stubExecutor{}
	rr := &controllers.ReportRunReconciler{Client: h.mgr.GetClient(), Scheme: scheme, Clock: clk, Executor: ex}
	reconcileRun := func(name string) {
		t.Helper()
		syncCache(t, h)
		_, err := rr.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: name}})
		g.Expect(err).NotTo(HaveOccurred())
	}
	create(t, newRun(ns, "hengshan", "2026-12"))
	reconcileRun("hengshan-2026-12")
	g.Expect(run(g, ns, "hengshan-2026-12").Status.Phase).To(Equal(v1alpha1.RunRunning))

	g.Eventually(func(g Gomega) {
		got := county(g, ns, "hengshan")
		got.Spec.Schedule.TimeZone = "UTC"
		g.Expect(k8s.Update(ctx, got)).To(Succeed())
	}, wait).Should(Succeed())
	reconcileRun("hengshan-2026-12")
	r := run(g, ns, "hengshan-2026-12")
	g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunRunning), r.Status.Message)
	g.Expect(ex.started).To(Equal(1))

	// A run not yet started is still refused in the zone the county has now.
	later := newRun(ns, "hengshan", "2026-12")
	later.Name = "hengshan-2026-12-again"
	create(t, later)
	reconcileRun(later.Name)
	r = run(g, ns, later.Name)
	g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunFailed))
	g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonFuturePeriod))
	g.Expect(ex.started).To(Equal(1))
}
