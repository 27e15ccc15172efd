package runs

import (
	"testing"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
)

// kubectl delete of a ReportRun followed by kubectl apply of the same one:
// the old run's Job outlives it until the garbage collector (absent from
// envtest) removes it. The new run must not take that Job's result for its own.
func TestRecreatedRunDoesNotAdoptTheJobOfTheRunItReplaces(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "rerun")
	startHarness(t, ns, harnessOptions{})
	cr := newCounty(ns, "hengshan", "910007")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	create(t, newRun(ns, "hengshan", "2023-01"))
	g.Eventually(func(g Gomega) {
		g.Expect(run(g, ns, "hengshan-2023-01").Status.JobName).To(Equal("hengshan-2023-01-1"))
	}, wait).Should(Succeed())
	old := run(g, ns, "hengshan-2023-01")
	g.Expect(k8s.Delete(ctx, old)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(old), &v1alpha1.ReportRun{}))
	}, wait).Should(BeTrue())
	// The old run's Job publishes and completes after its run is gone.
	if _, err := executor.RenderAndPublish(ctx, archive, "2023-01", "zh-CN", ""); err != nil {
		t.Fatal(err)
	}
	g.Eventually(func(g Gomega) { finishJob(g, ns, "hengshan-2023-01-1", true) }, wait).Should(Succeed())

	create(t, newRun(ns, "hengshan", "2023-01"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.UID).NotTo(Equal(old.UID))
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunRunning), r.Status.Message)
		job := &batchv1.Job{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: r.Status.JobName}, job)).To(Succeed())
		g.Expect(metav1.GetControllerOf(job)).NotTo(BeNil())
		g.Expect(metav1.GetControllerOf(job).UID).To(Equal(r.UID), "the run follows a Job of the run it replaced")
	}, wait).Should(Succeed())
	g.Expect(run(g, ns, "hengshan-2023-01").Status.Attempts).To(Equal(int32(1)))

	// Its own Job completes: it succeeds.
	g.Eventually(func(g Gomega) { finishJob(g, ns, "hengshan-2023-01-1", true) }, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(run(g, ns, "hengshan-2023-01").Status.Phase).To(Equal(v1alpha1.RunSucceeded))
	}, wait).Should(Succeed())
}
