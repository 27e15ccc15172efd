package runs

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/executor"
)

// laggingCache is the manager's cache before the watch has delivered a Job
// that was just created: Jobs are not found yet.
type laggingCache struct{ client.Client }

func (c laggingCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*batchv1.Job); ok {
		return apierrors.NewNotFound(batchv1.Resource("jobs"), key.Name)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// managerJobExecutor is the Job executor as the manager builds it.
func managerJobExecutor(t *testing.T, h *harness) *executor.Job {
	t.Helper()
	ex, err := controllers.NewExecutor(h.mgr, controllers.Options{PortalImage: "countyreport:test"})
	if err != nil {
		t.Fatal(err)
	}
	return ex.(*executor.Job)
}

// The ReportRun's status write (Running) and its Job's creation come on two
// watches; when the run's arrives first, the cache has no Job yet. That is
// not a Job that is gone, and must not cost the run an attempt.
func TestJobNotYetInTheCacheIsNotGone(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "jobcache")
	h := startHarness(t, ns, harnessOptions{noRunController: true})
	cr := newCounty(ns, "hengshan", "910006")
	create(t, cr)
	storageFor(t, minio, cr)
	r := newRun(ns, "hengshan", "2023-01")
	create(t, r)
	r.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunRunning, Attempts: 1}
	job := executor.MakeJob(r, cr, executor.JobOptions{Image: "countyreport:test"})
	g.Expect(controllerutil.SetControllerReference(r, job, scheme)).To(Succeed())
	create(t, job)
	r.Status.JobName = job.Name

	ex := managerJobExecutor(t, h)
	ex.Client = laggingCache{ex.Client}
	res, err := ex.Poll(ctx, r, cr)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.State).To(Equal(executor.Running), "failure: %+v", res.Failure)

	// A Job that is really gone is a failed (retryable) attempt.
	g.Expect(k8s.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground))).To(Succeed())
	g.Eventually(func(g Gomega) {
		res, err := ex.Poll(ctx, r, cr)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.State).To(Equal(executor.Failed))
		g.Expect(res.Failure.Retryable).To(BeTrue())
		g.Expect(res.Failure.Message).To(ContainSubstring("is gone"))
	}, wait).Should(Succeed())
}

// The manager's --job-* settings reach the Jobs it makes, and the image
// defaults to the portal image.
func TestJobOptionsReachTheJob(t *testing.T) {
	g := NewWithT(t)
	ns, _ := januaryRun(t, minio, "jobopts", "910016")
	h := startHarness(t, ns, harnessOptions{noRunController: true})
	ex, err := controllers.NewExecutor(h.mgr, controllers.Options{PortalImage: "countyreport:opts", Job: executor.JobOptions{
		BackoffLimit: ptr.To[int32](0), ActiveDeadlineSeconds: ptr.To[int64](7200), TTLSecondsAfterFinished: ptr.To[int32](3600),
	}})
	g.Expect(err).NotTo(HaveOccurred())
	r := run(g, ns, "hengshan-2023-01")
	r.Status.Attempts = 1
	_, err = ex.Start(ctx, r, county(g, ns, "hengshan"))
	g.Expect(err).NotTo(HaveOccurred())
	job := &batchv1.Job{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hengshan-2023-01-1"}, job)).To(Succeed())
	g.Expect(*job.Spec.BackoffLimit).To(Equal(int32(0)))
	g.Expect(*job.Spec.ActiveDeadlineSeconds).To(Equal(int64(7200)))
	g.Expect(*job.Spec.TTLSecondsAfterFinished).To(Equal(int32(3600)))
	g.Expect(job.Spec.Template.Spec.Containers[0].Image).To(Equal("countyreport:opts"))
}
