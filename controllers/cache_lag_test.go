package controllers

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// A reconcile whose cache has not yet seen an object the previous reconcile
// created (here: the manager's cache, except that NetworkPolicies are missing)
// reads it from the API server, finds it as it should be and writes nothing:
// no create refused with AlreadyExists, no Warning Event, no Ready=False,
// no status write.
func TestCacheBehindIsNotAFailure(t *testing.T) {
	g := NewWithT(t)
	k := createReady(g, newCountyReport(t, "lagging", "990011"))
	waitSettled(g, k)

	live, err := client.NewWithWatch(env.Config, client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	lagging := interceptor.NewClient(live, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*networkingv1.NetworkPolicy); ok {
				return apierrors.NewNotFound(networkingv1.Resource("networkpolicies"), key.Name)
			}
			return mgrClient.Get(ctx, key, obj, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			t.Errorf("apply of %v in a steady state", obj)
			return c.Apply(ctx, obj, opts...)
		},
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			t.Errorf("create of %T %s in a steady state", obj, obj.GetName())
			return c.Create(ctx, obj, opts...)
		},
		// The reconcile's own status writes are caught here, not by comparing
		// resourceVersions: the suite's manager may write the object meanwhile.
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			data, _ := patch.Data(obj)
			t.Errorf("%s patch of %T %s by a reconcile that had nothing to change: %s", sub, obj, obj.GetName(), data)
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			t.Errorf("%s update of %T %s by a reconcile that had nothing to change", sub, obj, obj.GetName())
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		// Lists use the manager's cache and its field index, as in the manager.
		List: func(ctx context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			return mgrClient.List(ctx, list, opts...)
		},
	})
	recorder := events.NewFakeRecorder(10)
	r := &CountyReportReconciler{
		TenantReconciler: TenantReconciler{Client: lagging, APIReader: live, Scheme: k8s.Scheme(), Clock: fakeClock, Recorder: recorder, PortalImage: "countyreport:test",
			StorageSettings: StorageSettings{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, CredentialsTTL: credentialsTTL}},
		Storage: admin,
	}
	_, err = r.Reconcile(testCtx, ctrl.Request{NamespacedName: k})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(recorder.Events).To(BeEmpty(), "an Event for a cache that is a moment behind")
	after := getCR(g, k)
	g.Expect(condition(after, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
}

// waitSettled waits until the manager's reconciles of k have stopped: its
// cache holds what the API server holds, and neither moves for two seconds.
// A test that asserts a reconcile writes nothing must start from there, or it
// sees a status the manager has not finished writing.
func waitSettled(g *WithT, k client.ObjectKey) {
	agree := func(g Gomega) string {
		cached := &v1alpha1.CountyReport{}
		g.Expect(mgrClient.Get(testCtx, k, cached)).To(Succeed())
		live := getCR(g, k)
		g.Expect(cached.ResourceVersion).To(Equal(live.ResourceVersion), "the manager's cache is behind the API server")
		return live.ResourceVersion
	}
	var rv string
	g.Eventually(func(g Gomega) { rv = agree(g) }, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		before := rv
		time.Sleep(2 * time.Second)
		rv = agree(g)
		g.Expect(rv).To(Equal(before), "the manager is still writing CountyReport %s", k)
	}, wait).Should(Succeed())
}
