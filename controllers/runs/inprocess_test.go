package runs

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/storage"
)

// statusWrites watches the ReportRuns of ns and returns, once name is
// terminal, the sequence of statuses it was written with (one entry per
// watch event whose status differs from the one before).
func statusWrites(t *testing.T, ns, name string, start func()) []v1alpha1.ReportRunStatus {
	t.Helper()
	w, err := k8s.Watch(ctx, &v1alpha1.ReportRunList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	start()
	var seen []v1alpha1.ReportRunStatus
	last := v1alpha1.ReportRunStatus{}
	timeout := time.After(wait)
	for {
		select {
		case ev := <-w.ResultChan():
			r, ok := ev.Object.(*v1alpha1.ReportRun)
			if !ok || r.Name != name || ev.Type == watch.Deleted {
				continue
			}
			if !equality.Semantic.DeepEqual(r.Status, last) {
				seen = append(seen, r.Status)
				last = r.Status
			}
			if r.Status.Phase == v1alpha1.RunSucceeded || r.Status.Phase == v1alpha1.RunFailed {
				return seen
			}
		case <-timeout:
			t.Fatalf("ReportRun %s/%s not finished after %s; statuses so far: %+v", ns, name, wait, seen)
		}
	}
}

func phases(ss []v1alpha1.ReportRunStatus) []v1alpha1.RunPhase {
	out := make([]v1alpha1.RunPhase, len(ss))
	for i, s := range ss {
		out[i] = s.Phase
	}
	return out
}

// A report rendered in process within StartWait is recorded with one status
// write: Pending straight to Succeeded, one attempt, start and completion set.
func TestInProcessQuickRunIsOneStatusWrite(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "quick")
	startHarness(t, ns, harnessOptions{executor: inProcess})
	cr := newCounty(ns, "hengshan", "910011")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	seen := statusWrites(t, ns, "hengshan-2023-01", func() { create(t, newRun(ns, "hengshan", "2023-01")) })
	g.Expect(phases(seen)).To(Equal([]v1alpha1.RunPhase{v1alpha1.RunSucceeded}), "statuses written: %+v", seen)
	final := seen[0]
	g.Expect(final.Attempts).To(Equal(int32(1)))
	g.Expect(final.StartTime).NotTo(BeNil())
	g.Expect(final.CompletionTime).NotTo(BeNil())
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}

// An attempt that outlasts StartWait is recorded Running, and its end
// reaches the reconciler through the executor's notification.
func TestInProcessLongRunIsRecordedRunning(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "long")
	noWait := func(mgr ctrl.Manager) executor.Executor {
		p := inProcess(mgr).(*executor.InProcess)
		p.StartWait = -1 // never wait: every attempt outlasts it
		return p
	}
	startHarness(t, ns, harnessOptions{executor: noWait})
	cr := newCounty(ns, "hengshan", "910012")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	seen := statusWrites(t, ns, "hengshan-2023-01", func() { create(t, newRun(ns, "hengshan", "2023-01")) })
	g.Expect(phases(seen)).To(Equal([]v1alpha1.RunPhase{v1alpha1.RunRunning, v1alpha1.RunSucceeded}), "statuses written: %+v", seen)
	g.Expect(seen[1].Attempts).To(Equal(int32(1)))
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}

// runningBeforeRestart creates Hengshan's run for 2023-01 as a manager left it
// when it stopped in the middle of in-process attempt 1 (Running since a
// minute ago), with no manager running yet.
func runningBeforeRestart(t *testing.T, prefix, code string) (string, *storage.Archive) {
	t.Helper()
	ns, archive := januaryRun(t, minio, prefix, code)
	r := run(NewWithT(t), ns, "hengshan-2023-01")
	started := metav1.NewTime(time.Now().Add(-time.Minute))
	r.Status = v1alpha1.ReportRunStatus{Phase: v1alpha1.RunRunning, Attempts: 1, StartTime: &started}
	if err := k8s.Status().Update(ctx, r); err != nil {
		t.Fatal(err)
	}
	return ns, archive
}

// An in-process attempt lost to a restart after it had published: the
// report in the archive is its result, nothing is rendered again and no
// attempt is counted.
func TestInProcessAttemptLostAfterPublishingIsItsResult(t *testing.T) {
	g := NewWithT(t)
	ns, archive := runningBeforeRestart(t, "lostpub", "910017")
	if _, err := executor.RenderAndPublish(ctx, archive, "2023-01", "zh-CN", ""); err != nil {
		t.Fatal(err)
	}
	published, err := archive.Report(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())

	startHarness(t, ns, harnessOptions{executor: inProcess}) // the manager after its restart
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
	}, wait).Should(Succeed())
	after, err := archive.Report(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after.ManifestVersionID).To(Equal(published.ManifestVersionID), "rendered and published again")
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}

// One lost before it published is a failed attempt, and the next renders.
func TestInProcessAttemptLostBeforePublishingIsRetried(t *testing.T) {
	g := NewWithT(t)
	ns, archive := runningBeforeRestart(t, "lostnopub", "910018")
	startHarness(t, ns, harnessOptions{executor: inProcess})
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(Equal(int32(2)))
	}, wait).Should(Succeed())
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}
