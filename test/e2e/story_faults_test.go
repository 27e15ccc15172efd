//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// storyLeaderHandover: two managers, one leads; its pod deleted, the other
// takes the Lease, and work goes on: a new ReportRun succeeds.
func (s *suite) storyLeaderHandover(t *testing.T) {
	s.waitManagers(t, s.currentImage, 2)
	old := s.leader(t)
	s.kc(t, "-n", releaseNS, "delete", "pod", old, "--wait=false")
	s.eventually(t, "another manager takes the Lease from "+old, 5*time.Minute, func() (bool, string) {
		now := s.leader(t)
		return now != old, "still " + now
	}, releaseNS)
	t.Logf("%s handed over to %s", old, s.leader(t))
	tn := counties[4] // 祁东县
	run := s.createRun(t, tn, "qidong-"+period+"-e2e")
	s.waitRun(t, client.ObjectKeyFromObject(run), 10*time.Minute)
	s.verifyPublished(t, tn)
	s.waitManagers(t, s.currentImage, 2)
}

// storyPortalPodDeleted: a portal's pod deleted is replaced, and the new
// one serves through the Service and through port-forward.
func (s *suite) storyPortalPodDeleted(t *testing.T) {
	s.ensureProbePod(t)
	tn := counties[1] // 衡南县
	old := s.waitPortalReady(t, tn, 5*time.Minute, nil)
	s.kc(t, "-n", tn.ns, "delete", "pod", old.Name, "--wait=false")
	fresh := s.waitPortalReady(t, tn, 5*time.Minute, func(p *corev1.Pod) bool { return p.UID != old.UID })
	t.Logf("%s replaced by %s", old.Name, fresh.Name)
	s.servesThroughService(t, tn)
	st := s.signIn(t, s.portForward(t, tn), s.password(t, tn))
	code, body, err := st.get("/")
	if err != nil || code != http.StatusOK {
		t.Fatalf("the dashboard through the new pod: status %d, %v: %.300s", code, err, body)
	}
}

// storyMinIORestart: storage stops, a run is created and fails its
// attempt for want of storage (the manager's check of the period's data
// or the Job's publish, whichever meets the outage); storage comes back
// while the run waits to retry, and the retry succeeds with the report
// complete and written once. (Stopping storage after the run started
// races a Job that publishes in seconds: a run that had published before
// the stop would prove nothing about retries.)
func (s *suite) storyMinIORestart(t *testing.T) {
	tn := counties[5] // 耒阳市
	s.minioCtl(t, "stop")
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_, _ = s.run(3*time.Minute, "bash", "-c", minioStart, "_", s.nodeSh())
		}
	})
	run := s.createRun(t, tn, "leiyang-"+period+"-e2e")
	key := client.ObjectKeyFromObject(run)
	s.eventually(t, "the run fails an attempt with storage stopped", 8*time.Minute, func() (bool, string) {
		if err := s.c.Get(s.ctx, key, run); err != nil {
			return false, err.Error()
		}
		if run.Status.Phase == v1alpha1.RunSucceeded {
			t.Fatalf("run %s Succeeded with storage stopped", key)
		}
		failedPods := s.failedJobPods(tn, run.Name)
		return run.Status.Attempts >= 2 || run.Status.Reason == "StorageUnavailable" || run.Status.Reason == "RetryScheduled" || failedPods > 0,
			fmt.Sprintf("phase %s attempts %d reason %s, %d failed Job pods", run.Status.Phase, run.Status.Attempts, run.Status.Reason, failedPods)
	}, tn.ns, releaseNS)
	t.Logf("with storage stopped: phase %s, attempts %d, reason %s: %s", run.Status.Phase, run.Status.Attempts, run.Status.Reason, run.Status.Message)
	s.minioCtl(t, "start")
	stopped = false
	run = s.waitRun(t, key, 15*time.Minute)
	t.Logf("succeeded after %d attempts", run.Status.Attempts)
	s.verifyPublished(t, tn)
	// Storage back: every portal serves again (their readiness checks storage).
	for _, c := range counties {
		s.waitPortalReady(t, c, 5*time.Minute, nil)
	}
}

// failedJobPods counts the failed pods of the run's Jobs.
func (s *suite) failedJobPods(tn tenant, runName string) int {
	var jobs batchv1.JobList
	if err := s.c.List(s.ctx, &jobs, client.InNamespace(tn.ns), client.MatchingLabels{v1alpha1.LabelReportRun: runName}); err != nil {
		return 0
	}
	n := 0
	for _, j := range jobs.Items {
		n += int(j.Status.Failed)
	}
	return n
}

// storyManagerKilled: the leading manager killed (no grace) while its run's
// Job is under way; the next leader finishes the run, once: one Job, one
// manifest written.
func (s *suite) storyManagerKilled(t *testing.T) {
	s.waitManagers(t, s.currentImage, 2)
	tn := counties[6] // 常宁市
	run := s.createRun(t, tn, "changning-"+period+"-e2e")
	key := client.ObjectKeyFromObject(run)
	s.eventually(t, "the run's Job created", 5*time.Minute, func() (bool, string) {
		if err := s.c.Get(s.ctx, key, run); err != nil {
			return false, err.Error()
		}
		return run.Status.JobName != "", fmt.Sprintf("phase %q, no Job yet", run.Status.Phase)
	}, tn.ns, releaseNS)
	leader := s.leader(t)
	s.kc(t, "-n", releaseNS, "delete", "pod", leader, "--grace-period=0", "--force", "--wait=false")
	t.Logf("killed the leader %s with Job %s under way", leader, run.Status.JobName)
	run = s.waitRun(t, key, 15*time.Minute)
	var jobs batchv1.JobList
	must(t, s.c.List(s.ctx, &jobs, client.InNamespace(tn.ns), client.MatchingLabels{v1alpha1.LabelReportRun: run.Name}))
	if len(jobs.Items) != 1 || run.Status.Attempts != 1 {
		t.Errorf("run %s: %d Jobs, %d attempts; want the one Job of one attempt", key, len(jobs.Items), run.Status.Attempts)
	}
	s.verifyPublished(t, tn)
	s.waitManagers(t, s.currentImage, 2)
}

// The node's MinIO stopped and started again with the harness's own
// functions (node.sh, sourced, only defines them): the same process
// command, data, address and credentials, in the harness's cgroup.
const (
	minioStop = `set -euo pipefail; source "$1"; pid=$(cat "$PIDS/minio.pid"); kill "$pid"
for i in $(seq 1 240); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
echo "MinIO (pid $pid) still running after 2 minutes" >&2; exit 1`
	minioStart = `set -euo pipefail; source "$1"; start_minio`
)

func (s *suite) minioCtl(t *testing.T, what string) {
	t.Helper()
	script := minioStop
	if what == "start" {
		script = minioStart
	}
	s.mustRun(t, 3*time.Minute, "bash", "-c", script, "_", s.nodeSh())
}
