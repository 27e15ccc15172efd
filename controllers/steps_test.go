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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// The one error policy of every reconcile's steps: what is retried quietly,
// after how long, and what is reported.
func TestStepOutcome(t *testing.T) {
	gr := appsv1.Resource("deployments")
	conflict := apierrors.NewConflict(gr, "x", errors.New("the object has been modified"))
	lasting := apierrors.NewForbidden(gr, "x", errors.New("no"))
	unreachable := &storage.Error{Op: "reach storage", Kind: storage.ErrUnavailable, Err: errors.New("no answer")}
	tests := map[string]struct {
		err      error
		quiet    bool
		requeue  time.Duration
		returned bool // returned for the work queue's backoff
	}{
		"cache behind":              {err: fmt.Errorf("create ReportRun x: %w", errCacheBehind), quiet: true, requeue: cacheCatchUp},
		"conflict":                  {err: conflict, quiet: true, requeue: time.Second},
		"wrapped conflict":          {err: fmt.Errorf("write Secret x: %w", conflict), quiet: true, requeue: time.Second},
		"server timeout":            {err: apierrors.NewServerTimeout(gr, "update", 2), quiet: true, requeue: 2 * time.Second},
		"too many requests":         {err: apierrors.NewTooManyRequests("slow down", 3), quiet: true, requeue: 3 * time.Second},
		"unavailable":               {err: apierrors.NewServiceUnavailable("etcd leader election"), quiet: true, returned: true},
		"timeout":                   {err: apierrors.NewTimeoutError("request timed out", 0), quiet: true, returned: true},
		"forbidden":                 {err: lasting, returned: true},
		"not found":                 {err: apierrors.NewNotFound(gr, "x"), returned: true},
		"plain error":               {err: errors.New("read portal Deployment: not found"), returned: true},
		"storage unreachable (own)": {err: unreachable, returned: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			res, returned, quiet := stepOutcome(tc.err)
			g.Expect(quiet).To(Equal(tc.quiet))
			g.Expect(res.RequeueAfter).To(Equal(tc.requeue))
			if tc.returned {
				g.Expect(returned).To(MatchError(tc.err))
			} else {
				g.Expect(returned).NotTo(HaveOccurred())
			}
		})
	}
}

// A conflict during a city's reconcile, on a step's own write or on a
// credentials Secret, is a quiet requeue as a county's is: no Ready=False,
// no ProvisioningFailed, no Warning Event, no status write. A lasting error
// is still reported. The city was once turned Ready=False by any conflict.
func TestCityConflictIsAQuietRequeue(t *testing.T) {
	county := countyInCity(t, NewWithT(t), "quiet-member", "997951", "city-quiet")
	city := newCity(t, "city-quiet", "997950", v1alpha1.CityMember{Code: county.Spec.County.Code})
	g := NewWithT(t)
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(cityCondition(got, v1alpha1.ConditionPortalAvailable).Reason).NotTo(BeEmpty())
	}, wait).Should(Succeed())

	gr := corev1.Resource("secrets")
	conflict := apierrors.NewConflict(gr, "x", errors.New("the object has been modified"))
	tests := map[string]struct {
		err error
		// clock: a shifted clock makes the credentials due for renewal.
		clock clock.PassiveClock
		// fails picks the write that fails (the first one that matches).
		fails    func(obj any) bool
		reported bool
	}{
		"conflict on the portal Deployment": {err: conflict, clock: fakeClock, fails: isDeploymentApply},
		"conflict on a credentials Secret": {err: conflict, clock: shiftedClock{d: credentialsTTL}, fails: func(obj any) bool {
			_, ok := obj.(*corev1.Secret)
			return ok
		}},
		"forbidden (not passing)": {err: apierrors.NewForbidden(gr, "x", errors.New("no")), clock: fakeClock, fails: isDeploymentApply, reported: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			var failed, statusWrites atomic.Int32
			fail := func(obj any) error {
				if tc.fails(obj) && failed.Add(1) == 1 {
					return tc.err
				}
				return nil
			}
			recorder := events.NewFakeRecorder(10)
			r := cityReconciler(tc.clock)
			r.Recorder = recorder
			live, err := client.NewWithWatch(env.Config, client.Options{Scheme: k8s.Scheme()})
			g.Expect(err).NotTo(HaveOccurred())
			// Reads come from the manager's cache, as the reconciler's own do.
			r.Client = interceptor.NewClient(live, interceptor.Funcs{
				// The city asks for three portal replicas, so the Deployment is written.
				Get: func(ctx context.Context, _ client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if err := mgrClient.Get(ctx, key, obj, opts...); err != nil {
						return err
					}
					if got, ok := obj.(*v1alpha1.CityReport); ok {
						got.Spec.Portal.Replicas = ptr.To[int32](3)
					}
					return nil
				},
				List: func(ctx context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
					return mgrClient.List(ctx, list, opts...)
				},
				Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
					if err := fail(obj); err != nil {
						return err
					}
					return c.Apply(ctx, obj, opts...)
				},
				Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
					if err := fail(obj); err != nil {
						return err
					}
					return c.Update(ctx, obj, opts...)
				},
				SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
					statusWrites.Add(1)
					return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
				},
				SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
					statusWrites.Add(1)
					return c.SubResource(sub).Update(ctx, obj, opts...)
				},
			})
			req := ctrl.Request{NamespacedName: client.ObjectKey{Name: city.Name}}
			res, err := r.Reconcile(testCtx, req)
			g.Expect(failed.Load()).To(BeNumerically(">=", 1), "nothing was written: the test injected nothing")
			if tc.reported {
				g.Expect(err).To(MatchError(tc.err))
				g.Expect(recorder.Events).NotTo(BeEmpty())
				g.Expect(<-recorder.Events).To(HavePrefix("Warning ReconcileFailed"))
				g.Expect(statusWrites.Load()).NotTo(BeZero(), "the failure was not written to status")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.RequeueAfter).To(Equal(time.Second))
			g.Expect(recorder.Events).To(BeEmpty(), "an Event for a passing conflict")
			g.Expect(statusWrites.Load()).To(BeZero(), "status written by a reconcile that will be retried")
			// The manager reconciles the same city meanwhile and may write its
			// own view; what must never be there is the injected conflict.
			g.Expect(cityCondition(getCity(g, city.Name), v1alpha1.ConditionReady).Message).NotTo(ContainSubstring("has been modified"))

			// The retry gets through, with no warning.
			g.Eventually(func() error { _, err := r.Reconcile(testCtx, req); return err }, wait).Should(Succeed())
			for len(recorder.Events) > 0 {
				g.Expect(<-recorder.Events).NotTo(HavePrefix("Warning"))
			}
		})
	}
}

// isDeploymentApply picks the apply of a Deployment.
func isDeploymentApply(obj any) bool {
	u, ok := obj.(interface{ GetKind() string })
	return ok && u.GetKind() == "Deployment"
}

// The finalizer is written first and alone (finalizerFirst), as
// cluster-api's controllers add theirs: the reconcile that adds it runs no
// later step and writes no status; the next one runs the steps. A spec
// refused by an earlier, read-only step gets no finalizer. The subject is a
// ConfigMap no reconciler of the suite's manager watches, so nothing races
// the test.
func TestFinalizerIsWrittenFirstAndAlone(t *testing.T) {
	const finalizer = "test.countyreport.io/first"
	tests := map[string]struct {
		refused       bool
		wantFinalizer bool
		wantRan       []string // the later steps, per reconcile
	}{
		"a new object":   {wantFinalizer: true, wantRan: []string{"", "provision"}},
		"a refused spec": {refused: true, wantRan: []string{"", ""}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "first", Namespace: newCountyReportIn(t, "first", "", nil).Namespace}}
			g.Expect(k8s.Create(testCtx, cm)).To(Succeed())
			for i, want := range tc.wantRan {
				obj := &corev1.ConfigMap{}
				g.Expect(k8s.Get(testCtx, client.ObjectKeyFromObject(cm), obj)).To(Succeed())
				var conds []metav1.Condition
				var observed int64
				var patched bool
				st := &stepState{subject: subject{obj: obj, before: obj.DeepCopy(), conditions: &conds, observed: &observed, finalizer: finalizer,
					statusChanged: func() bool { patched = true; return false }}}
				ran := ""
				res, err := runSteps(testCtx, k8s, nil, st, []func(context.Context, *stepState) error{
					func(context.Context, *stepState) error {
						if tc.refused {
							st.refuse(nil, v1alpha1.ReasonInvalidSpec, "refused")
						}
						return nil
					},
					finalizerFirst[*stepState](k8s),
					func(context.Context, *stepState) error { ran = "provision"; return nil },
				})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res).To(Equal(ctrl.Result{}))
				g.Expect(ran).To(Equal(want), "reconcile %d", i)
				added := i == 0 && tc.wantFinalizer
				g.Expect(patched).To(Equal(!added), "reconcile %d: status considered by the reconcile that added the finalizer", i)
			}
			got := &corev1.ConfigMap{}
			g.Expect(k8s.Get(testCtx, client.ObjectKeyFromObject(cm), got)).To(Succeed())
			g.Expect(got.Finalizers).To(Equal(map[bool][]string{true: {finalizer}}[tc.wantFinalizer]))
			if tc.wantFinalizer {
				got.Finalizers = nil
				g.Expect(k8s.Update(testCtx, got)).To(Succeed())
			}
		})
	}
}
