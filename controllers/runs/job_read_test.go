package runs

import (
	"testing"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// runningJob: Hengshan in a fresh namespace with its January 2023 dataset in
// srv, and its run for 2023-01 Running, the Job executor's attempt 1
// (Job hengshan-2023-01-1) made.
func runningJob(t *testing.T, srv *miniotest.Server, prefix, code string) (*harness, string, *storage.Archive) {
	t.Helper()
	ns, archive := januaryRun(t, srv, prefix, code)
	h := startHarness(t, ns, harnessOptions{})
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(run(g, ns, "hengshan-2023-01").Status.Phase).To(Equal(v1alpha1.RunRunning))
	}, wait).Should(Succeed())
	return h, ns, archive
}

// A Job that completed has published; when the archive cannot be reached
// just then, reading the result is retried. Counting a failed attempt would
// render again for nothing and, on the last attempt, fail a run whose
// report is in the archive.
func TestJobCompletedWhileStorageIsDownIsReadLater(t *testing.T) {
	g := NewWithT(t)
	srv := miniotest.Start(t)
	h, ns, archive := runningJob(t, srv, "jobread", "910008")
	// What the Job does: publish. Then the store goes down and the Job completes.
	if _, err := executor.RenderAndPublish(ctx, archive, "2023-01", "zh-CN", ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	g.Eventually(func(g Gomega) { finishJob(g, ns, "hengshan-2023-01-1", true) }, wait).Should(Succeed())

	var r *v1alpha1.ReportRun
	g.Eventually(func(g Gomega) {
		r = run(g, ns, "hengshan-2023-01")
		job := &batchv1.Job{}
		g.Expect(h.mgr.GetClient().Get(ctx, client.ObjectKey{Namespace: ns, Name: "hengshan-2023-01-1"}, job)).To(Succeed())
		g.Expect(job.Status.Succeeded).To(Equal(int32(1)))
	}, wait).Should(Succeed())
	res, _ := managerJobExecutor(t, h).Poll(ctx, r, county(g, ns, "hengshan"))
	if res.State == executor.Failed {
		t.Fatalf("a completed Job read while the store is down is a failed attempt: %+v", res.Failure)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
	}, wait).Should(Succeed())
}

// deleteJob removes a Job as its ttlSecondsAfterFinished would.
func deleteJob(t *testing.T, ns, name string) {
	t.Helper()
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := k8s.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
		t.Fatal(err)
	}
}

// A Job removed by its TTL before the run read it (the manager was down
// longer than ttlSecondsAfterFinished) published first: the report in the
// archive is the run's result, and nothing is rendered again.
func TestJobRemovedAfterPublishingIsItsResult(t *testing.T) {
	g := NewWithT(t)
	_, ns, archive := runningJob(t, minio, "jobttl", "910013")
	if _, err := executor.RenderAndPublish(ctx, archive, "2023-01", "zh-CN", ""); err != nil {
		t.Fatal(err)
	}
	deleteJob(t, ns, "hengshan-2023-01-1")
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
	}, wait).Should(Succeed())
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
	var jobs batchv1.JobList
	g.Expect(k8s.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	for _, j := range jobs.Items {
		g.Expect(j.Name).NotTo(Equal("hengshan-2023-01-2"), "a second attempt was started for a published report")
	}
}

// A Job gone with nothing published since the run began is a failed attempt,
// and the next one starts.
func TestJobRemovedWithoutPublishingIsRetried(t *testing.T) {
	g := NewWithT(t)
	_, ns, _ := runningJob(t, minio, "jobgone", "910014")
	deleteJob(t, ns, "hengshan-2023-01-1")
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Attempts).To(Equal(int32(2)), r.Status.Message)
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunRunning), r.Status.Message)
		job := &batchv1.Job{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hengshan-2023-01-2"}, job)).To(Succeed())
	}, wait).Should(Succeed())
}

// An attempt is never started from a read of the run older than the API
// server's: a cache behind the run's own last status write would start
// again an attempt that has run, and remake its Job.
func TestJobNotStartedFromAStaleRead(t *testing.T) {
	g := NewWithT(t)
	ns, _ := januaryRun(t, minio, "jobstale", "910015")
	h := startHarness(t, ns, harnessOptions{noRunController: true})
	stale := run(g, ns, "hengshan-2023-01")
	// The run moves on (as the reconciler's own status write would).
	moved := stale.DeepCopy()
	moved.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunPending, Attempts: 1, Message: "attempt 1 failed"}
	g.Expect(k8s.Status().Update(ctx, moved)).To(Succeed())

	stale.Status.Attempts = 1 // what the reconciler would start from the stale read
	_, err := managerJobExecutor(t, h).Start(ctx, stale, county(g, ns, "hengshan"))
	g.Expect(err).To(MatchError(executor.ErrStale))
	var jobs batchv1.JobList
	g.Expect(k8s.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	g.Expect(jobs.Items).To(BeEmpty(), "a Job was made from a stale read")

	// From a fresh read the attempt starts.
	fresh := run(g, ns, "hengshan-2023-01")
	fresh.Status.Attempts = 2
	_, err = managerJobExecutor(t, h).Start(ctx, fresh, county(g, ns, "hengshan"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hengshan-2023-01-2"}, &batchv1.Job{})).To(Succeed())
}
