package runs

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
)

// countyBlind is a client whose reads of CountyReports find nothing, as a
// cache that has not seen the county yet; everything else is the API server.
func countyBlind(t *testing.T) client.Client {
	t.Helper()
	live, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return interceptor.NewClient(live, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*v1alpha1.CountyReport); ok {
				return apierrors.NewNotFound(v1alpha1.GroupVersion.WithResource("countyreports").GroupResource(), key.Name)
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
}

// A run whose county the cache does not have yet is checked on the API
// server: the county is there, so the run is looked at again shortly and
// nothing is recorded (it used to fail at once, CountyReportNotFound). The
// run is an hour old, past any grace: only the API server's answer counts.
func TestRunWhoseCountyIsNotYetCachedWaits(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "lookup")
	create(t, newCounty(ns, "hengshan", "910050"), newRun(ns, "hengshan", "2026-10"))
	clk := fakeClockAt(run(g, ns, "hengshan-2026-10").CreationTimestamp.Add(time.Hour))
	r := &controllers.ReportRunReconciler{Client: countyBlind(t), APIReader: k8s, Scheme: scheme, Clock: clk}
	res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "hengshan-2026-10"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(BeNumerically(">", 0))
	got := run(g, ns, "hengshan-2026-10")
	g.Expect(got.Status.Phase).To(BeEmpty(), "status written for a county the cache had not seen")
	g.Expect(got.Status.Reason).NotTo(Equal(v1alpha1.RunReasonCountyReportNotFound))
}

// A run naming a county the API server does not have either is retried for
// CountyGrace after its creation (the county may be applied a moment
// later), and then fails.
func TestRunWhoseCountyIsMissingFailsAfterTheGrace(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "lookup")
	create(t, newRun(ns, "nowhere", "2026-10"))
	created := run(g, ns, "nowhere-2026-10").CreationTimestamp.Time
	clk := fakeClockAt(created.Add(10 * time.Second))
	r := &controllers.ReportRunReconciler{Client: countyBlind(t), APIReader: k8s, Scheme: scheme, Clock: clk, CountyGrace: time.Minute}
	req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "nowhere-2026-10"}}

	res, err := r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(5 * time.Second))
	g.Expect(run(g, ns, "nowhere-2026-10").Status.Phase).To(BeEmpty())

	clk.SetTime(created.Add(58 * time.Second))
	res, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(2*time.Second), "the last wait ends with the grace")

	clk.SetTime(created.Add(time.Minute))
	_, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(HaveOccurred())
	got := run(g, ns, "nowhere-2026-10")
	g.Expect(got.Status.Phase).To(Equal(v1alpha1.RunFailed))
	g.Expect(got.Status.Reason).To(Equal(v1alpha1.RunReasonCountyReportNotFound))
	g.Expect(got.Status.CompletionTime.Time).To(BeTemporally("==", metav1.NewTime(created.Add(time.Minute)).Time))
}
