package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// An update conflict or another passing API error is retried quietly: no
// Ready=False, no ProvisioningFailed, no Warning Event, no status write. A
// lasting error (Forbidden) is still reported. The reconciler reads the
// county with three portal replicas asked for, so it must write the
// Deployment; that first write fails with the error.
func TestTransientAPIErrorIsARequeue(t *testing.T) {
	gr := appsv1.Resource("deployments")
	tests := map[string]struct {
		err      error
		requeue  time.Duration // RequeueAfter, when no error is returned
		returned bool          // the error is returned, for the work queue's backoff
		reported bool          // Ready=False and a Warning Event
	}{
		"conflict":                  {err: apierrors.NewConflict(gr, "x", errors.New("the object has been modified")), requeue: time.Second},
		"server timeout":            {err: apierrors.NewServerTimeout(gr, "update", 2), requeue: 2 * time.Second},
		"too many requests":         {err: apierrors.NewTooManyRequests("slow down", 3), requeue: 3 * time.Second},
		"unavailable":               {err: apierrors.NewServiceUnavailable("etcd leader election"), returned: true},
		"timeout":                   {err: apierrors.NewTimeoutError("request timed out", 0), returned: true},
		"forbidden (not transient)": {err: apierrors.NewForbidden(gr, "x", errors.New("no")), returned: true, reported: true},
	}
	code := 990060
	for name, tc := range tests {
		code++
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			k := createReady(g, newCountyReport(t, "transient", fmt.Sprint(code)))

			var writes atomic.Int32
			failFirst := func(obj client.Object) error {
				if _, ok := obj.(*appsv1.Deployment); ok && writes.Add(1) == 1 {
					return tc.err
				}
				return nil
			}
			live, err := client.NewWithWatch(env.Config, client.Options{Scheme: k8s.Scheme()})
			g.Expect(err).NotTo(HaveOccurred())
			// The reconcile's own status writes are counted here: the suite's
			// manager may write the same object meanwhile, so a changed
			// resourceVersion proves nothing.
			var statusWrites atomic.Int32
			// written is the Ready condition of this reconcile's last status
			// write: the suite's manager reconciles the same object and may
			// overwrite it in the API server before the test reads it back.
			var written atomic.Pointer[metav1.Condition]
			sawStatus := func(obj client.Object) {
				statusWrites.Add(1)
				if cr, ok := obj.(*v1alpha1.CountyReport); ok {
					if cond := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionReady); cond != nil {
						written.Store(cond.DeepCopy())
					}
				}
			}
			c := interceptor.NewClient(live, interceptor.Funcs{
				SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
					sawStatus(obj)
					return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
				},
				SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
					sawStatus(obj)
					return c.SubResource(sub).Update(ctx, obj, opts...)
				},
				Get: func(ctx context.Context, _ client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if err := mgrClient.Get(ctx, key, obj, opts...); err != nil {
						return err
					}
					if cr, ok := obj.(*v1alpha1.CountyReport); ok {
						cr.Spec.Portal.Replicas = ptr.To[int32](3)
					}
					return nil
				},
				List: func(ctx context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
					return mgrClient.List(ctx, list, opts...)
				},
				Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
					if err := failFirst(obj); err != nil {
						return err
					}
					return c.Update(ctx, obj, opts...)
				},
				// The operator applies its objects (server-side apply).
				Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
					if u, ok := obj.(interface{ GetKind() string }); ok && u.GetKind() == "Deployment" && writes.Add(1) == 1 {
						return tc.err
					}
					return c.Apply(ctx, obj, opts...)
				},
				Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
					if err := failFirst(obj); err != nil {
						return err
					}
					return c.Patch(ctx, obj, p, opts...)
				},
			})
			recorder := events.NewFakeRecorder(10)
			r := &CountyReportReconciler{
				TenantReconciler: TenantReconciler{Client: c, Scheme: k8s.Scheme(), Clock: fakeClock, Recorder: recorder, PortalImage: "countyreport:test",
					StorageSettings: StorageSettings{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, CredentialsTTL: credentialsTTL}},
				Storage: admin,
			}
			res, err := r.Reconcile(testCtx, ctrl.Request{NamespacedName: k})
			g.Expect(writes.Load()).To(BeNumerically(">=", 1), "the Deployment was never written: the test injected nothing")
			if tc.returned {
				g.Expect(err).To(MatchError(tc.err))
			} else {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.RequeueAfter).To(Equal(tc.requeue))
			}
			after := getCR(g, k)
			if tc.reported {
				g.Expect(recorder.Events).NotTo(BeEmpty())
				g.Expect(<-recorder.Events).To(HavePrefix("Warning ReconcileFailed"))
				g.Expect(written.Load()).NotTo(BeNil(), "the failure was not written to status")
				g.Expect(written.Load().Reason).To(Equal(v1alpha1.ReasonProvisioningFailed))
				return
			}
			g.Expect(recorder.Events).To(BeEmpty(), "an Event for a passing API error")
			g.Expect(statusWrites.Load()).To(BeZero(), "status written by a reconcile that will be retried")
			g.Expect(condition(after, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))

			// The retry gets through.
			_, err = r.Reconcile(testCtx, ctrl.Request{NamespacedName: k})
			g.Expect(err).NotTo(HaveOccurred())
			for len(recorder.Events) > 0 {
				g.Expect(<-recorder.Events).NotTo(HavePrefix("Warning"))
			}
		})
	}
}
