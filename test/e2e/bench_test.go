//go:build e2e && e2ebench

package e2e

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestBench measures, for make bench (hack/bench.sh), on a fresh node:
// the seven counties and the city from kubectl apply to Ready with their
// portals' pods Ready (serving: their readiness probe reads storage),
// beside the operator's own part (every portal Deployment made); and a
// monthly run from ReportRun to published with a Job pod, beside the
// in-process executor on the same node. It reads the clock to measure and
// asserts nothing about the figures; it is not part of the suite (build
// tag e2ebench). Lines starting "bench:" are the figures.
func TestBench(t *testing.T) {
	s := newSuite(t)
	s.storyInstall(t)

	start := time.Now()
	s.kc(t, "apply", "-k", filepath.Join(s.root, "test", "e2e", "samples"))
	all := append(append([]tenant{}, counties...), city)
	s.eventually(t, "every portal Deployment made", 10*time.Minute, func() (bool, string) {
		for _, tn := range all {
			if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &appsv1.Deployment{}); err != nil {
				return false, tn.name + ": " + err.Error()
			}
		}
		return true, ""
	}, releaseNS)
	made := time.Since(start)
	s.eventually(t, "seven counties and the city Ready", 10*time.Minute, s.tenantsReady, releaseNS)
	for _, tn := range all {
		s.waitPortalReady(t, tn, 10*time.Minute, nil)
	}
	serving := time.Since(start)
	report(t, "seven counties and the city Ready, portals serving", serving, "the operator's objects made", made)

	s.seedDatasets(t)
	tn := counties[2]
	const n = 3
	job := s.timeRuns(t, tn, "job", n)
	args := append([]string{"upgrade", release, filepath.Join(s.root, "charts", "countyreport"), "--namespace", releaseNS},
		append(s.helmValues(imageTag(s.image)), "--set", "runs.executor=inprocess")...)
	s.mustRun(t, 5*time.Minute, s.helm(), args...)
	s.waitManagersRolled(t)
	inproc := s.timeRuns(t, tn, "inprocess", n)
	report(t, fmt.Sprintf("monthly run to published, Job pod (median of %d)", n), job,
		"in-process executor", inproc)
}

// timeRuns creates n ReportRuns of the county's period one after another
// and returns the median time from creation to Succeeded.
func (s *suite) timeRuns(t *testing.T, tn tenant, label string, n int) time.Duration {
	t.Helper()
	var took []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		run := s.createRun(t, tn, fmt.Sprintf("%s-%s-bench-%s-%d", tn.slug, period, label, i))
		s.waitRunFast(t, client.ObjectKeyFromObject(run))
		took = append(took, time.Since(start))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	return took[len(took)/2]
}

// waitRunFast is waitRun polling every 100 ms, so the figure is not
// rounded up to the suite's 2 s polls.
func (s *suite) waitRunFast(t *testing.T, key client.ObjectKey) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		run := s.getRun(t, key)
		switch run.Status.Phase {
		case "Succeeded":
			return
		case "Failed":
			t.Fatalf("ReportRun %s Failed (%s): %s", key, run.Status.Reason, run.Status.Message)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.dump(t, key.Namespace)
	t.Fatalf("ReportRun %s not done in 15 min", key)
}

// waitManagersRolled waits until the manager Deployment's rollout is done.
func (s *suite) waitManagersRolled(t *testing.T) {
	t.Helper()
	s.mustRun(t, 10*time.Minute, s.kubectl(), "-n", releaseNS, "rollout", "status", "deployment/"+release+"-manager", "--timeout=10m")
	s.leader(t)
}

func report(t *testing.T, what string, ours time.Duration, baseline string, base time.Duration) {
	t.Helper()
	line := fmt.Sprintf("bench: %s: %.1f s; %s: %.1f s; ratio %.2f", what, ours.Seconds(), baseline, base.Seconds(), ours.Seconds()/base.Seconds())
	fmt.Println(line)
	t.Log(line)
}
