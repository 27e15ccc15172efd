package controllers

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// A conflict while releasing the storage finalizer is a quiet requeue, and
// the Event telling what happened to the bucket is recorded once, when the
// finalizer is released, not on every attempt. (A fast test with a fake
// client: the suite's manager would release the finalizer itself.)
func TestDeleteConflictIsQuietAndTellsOnce(t *testing.T) {
	g := NewWithT(t)
	now := metav1.Now()
	cr := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{
		Name: "going", Namespace: "county-test", Finalizers: []string{StorageFinalizer}, DeletionTimestamp: &now,
	}, Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "990501", Name: "测试县"},
		Storage: v1alpha1.StorageSpec{DeletionPolicy: v1alpha1.DeletionRetain}}}
	conflicts := 1
	c := interceptor.NewClient(fake.NewClientBuilder().WithScheme(k8s.Scheme()).WithObjects(cr.DeepCopy()).Build(), interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if conflicts > 0 {
				conflicts--
				return apierrors.NewConflict(schema.GroupResource{Group: v1alpha1.GroupVersion.Group, Resource: "countyreports"}, obj.GetName(), nil)
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	recorder := events.NewFakeRecorder(10)
	r := &CountyReportReconciler{TenantReconciler: TenantReconciler{Client: c, Scheme: k8s.Scheme(), Recorder: recorder}}

	first := &v1alpha1.CountyReport{}
	g.Expect(c.Get(testCtx, client.ObjectKeyFromObject(cr), first)).To(Succeed())
	res, err := r.reconcileDelete(testCtx, first)
	g.Expect(err).NotTo(HaveOccurred(), "a conflict is no error to log")
	g.Expect(res.RequeueAfter).To(BeNumerically(">", 0))
	g.Expect(recorder.Events).To(BeEmpty(), "no Event before the finalizer is released")

	again := &v1alpha1.CountyReport{} // the retry reads the object again
	g.Expect(c.Get(testCtx, client.ObjectKeyFromObject(cr), again)).To(Succeed())
	res, err = r.reconcileDelete(testCtx, again)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(BeZero())
	g.Expect(recorder.Events).To(HaveLen(1))
	g.Expect(<-recorder.Events).To(ContainSubstring("BucketRetained"))
}
