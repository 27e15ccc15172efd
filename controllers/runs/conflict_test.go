package runs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
)

// A conflict on either of the ReportRun reconciler's writes (the owner
// reference, the status) is a requeue a moment later: no error, no Event,
// nothing recorded; the next reconcile decides again on the newer run.
// The run asks for a month three months ahead, so it fails (FuturePeriod)
// without any executor.
func TestRunWriteConflictIsARequeue(t *testing.T) {
	conflict := apierrors.NewConflict(v1alpha1.GroupVersion.WithResource("reportruns").GroupResource(), "x",
		errors.New("the object has been modified"))
	for i, write := range []string{"owner", "status"} {
		t.Run(write, func(t *testing.T) {
			g := NewWithT(t)
			ns := namespace(t, "conflict")
			future := time.Now().AddDate(0, 3, 0).Format("2006-01")
			create(t, newCounty(ns, "hengshan", fmt.Sprint(910070+i)), newRun(ns, "hengshan", future))
			live, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme})
			g.Expect(err).NotTo(HaveOccurred())
			failed := false
			c := interceptor.NewClient(live, interceptor.Funcs{
				Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
					if write == "owner" && !failed {
						failed = true
						return conflict
					}
					return c.Update(ctx, obj, opts...)
				},
				SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
					if write == "status" && !failed {
						failed = true
						return conflict
					}
					return c.SubResource(sub).Update(ctx, obj, opts...)
				},
			})
			recorder := events.NewFakeRecorder(10)
			r := &controllers.ReportRunReconciler{Client: c, APIReader: k8s, Scheme: scheme, Clock: clock.RealClock{}, Recorder: recorder}
			req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "hengshan-" + future}}

			res, err := r.Reconcile(ctx, req)
			g.Expect(failed).To(BeTrue(), "no write was made: the test injected nothing")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.RequeueAfter).To(Equal(time.Second))
			g.Expect(recorder.Events).To(BeEmpty())
			g.Expect(run(g, ns, "hengshan-"+future).Status.Phase).To(BeEmpty())

			// The requeue decides again and gets through.
			g.Eventually(func(g Gomega) {
				_, err := r.Reconcile(ctx, req)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(run(g, ns, "hengshan-"+future).Status.Reason).To(Equal(v1alpha1.RunReasonFuturePeriod))
			}, wait).Should(Succeed())
		})
	}
}
