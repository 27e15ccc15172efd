//go:build e2e && e2ebench

package e2e

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
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
	s.benchSettled(t, "seven counties and the city", all, start, serving)
	s.benchPortalMemory(t, counties[2], append(append([]tenant{}, counties[:2]...), append(counties[3:], city)...))

	s.seedDatasets(t)
	tn := counties[2]
	const n = 3
	job, _ := s.timeRuns(t, tn, "job", n)
	args := append([]string{"upgrade", release, filepath.Join(s.root, "charts", "countyreport"), "--namespace", releaseNS},
		append(s.helmValues(imageTag(s.image)), "--set", "runs.executor=inprocess")...)
	s.mustRun(t, 5*time.Minute, s.helm(), args...)
	s.waitManagersRolled(t)
	inproc, last := s.timeRuns(t, tn, "inprocess", n)
	report(t, fmt.Sprintf("monthly run to published, Job pod (median of %d)", n), job,
		"in-process executor", inproc)

	// The portal's peak: the published PDF downloaded through it.
	s.downloadReport(t, tn, last)
	m := s.memoryOf(t, s.portalPodsOf(t, []tenant{tn}))[0]
	t.Logf("after a PDF download: %s", m)
	fmt.Printf("bench: portal memory after a PDF download (%s): working set %.1f MiB, peak since start %.1f MiB (pod cgroup)\n",
		tn.name, mib(m.workingSet), mib(m.peak))
}

// TestBench50 measures, for make bench, 50 made-up counties on the one
// node: from their creation to Ready with their portals' pods Ready
// (serving: the readiness probe reads storage), beside the operator's own
// part (every portal Deployment made); then whether and how they fit (the
// node's allocatable against what its pods request) and the portals'
// memory. The counties need no data to be Ready; none is stored. It
// starts from a fresh release (the samples of TestBench removed).
func TestBench50(t *testing.T) {
	s := newSuite(t)
	tns := scaleTenants(scaleCounties)
	s.reset(t)
	s.removeScaleTenants(t, tns)
	s.storyInstall(t)

	start := time.Now()
	for i, tn := range tns {
		s.ensureNamespace(t, tn.ns, map[string]string{v1alpha1.LabelCounty: scaleCode(i), madeUpLabel: "true"})
		cr := &v1alpha1.CountyReport{
			ObjectMeta: metav1.ObjectMeta{Name: tn.slug, Namespace: tn.ns, Labels: map[string]string{madeUpLabel: "true"}},
			Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{
				Code: scaleCode(i), Name: tn.name, EnglishName: fmt.Sprintf("Made-up County %02d", i+1), City: "虚构市",
			}},
		}
		if err := s.c.Create(s.ctx, cr); err != nil {
			t.Fatal(err)
		}
	}
	s.eventually(t, "every portal Deployment made", 15*time.Minute, func() (bool, string) {
		for _, tn := range tns {
			if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &appsv1.Deployment{}); err != nil {
				return false, tn.name + ": " + err.Error()
			}
		}
		return true, ""
	}, releaseNS)
	made := time.Since(start)
	s.eventually(t, fmt.Sprintf("%d made-up counties Ready", len(tns)), 20*time.Minute, func() (bool, string) {
		return s.scaleReady(tns)
	}, releaseNS)
	for _, tn := range tns {
		s.waitPortalReady(t, tn, 20*time.Minute, nil)
	}
	serving := time.Since(start)
	report(t, fmt.Sprintf("%d made-up counties Ready, portals serving", len(tns)), serving, "the operator's objects made", made)
	s.benchSettled(t, fmt.Sprintf("%d made-up counties", len(tns)), tns, start, serving)

	pods := s.portalPodsOf(t, tns)
	s.benchFit(t, pods[0].Spec.NodeName)
	var ws []float64
	var total float64
	for _, m := range s.memoryOf(t, pods) {
		if m.cgroup == "" {
			continue
		}
		ws = append(ws, mib(m.workingSet))
		total += mib(m.workingSet)
	}
	if len(ws) == 0 {
		t.Fatal("no portal's memory cgroup found (cgroup v1 only)")
	}
	sort.Float64s(ws)
	fmt.Printf("bench: %d portals at rest: working set median %.1f MiB, max %.1f MiB, all together %.0f MiB (pod cgroups)\n",
		len(ws), ws[len(ws)/2], ws[len(ws)-1], total)
	s.benchPortalCPU(t, tns, 30*time.Second)
}

// timeRuns creates n ReportRuns of the county's period one after another
// and returns the median time from creation to Succeeded, and the last run.
func (s *suite) timeRuns(t *testing.T, tn tenant, label string, n int) (time.Duration, *v1alpha1.ReportRun) {
	t.Helper()
	var took []time.Duration
	var last *v1alpha1.ReportRun
	for i := 0; i < n; i++ {
		start := time.Now()
		run := s.createRun(t, tn, fmt.Sprintf("%s-%s-bench-%s-%d", tn.slug, period, label, i))
		s.waitRunFast(t, client.ObjectKeyFromObject(run))
		took = append(took, time.Since(start))
		last = s.getRun(t, client.ObjectKeyFromObject(run))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	return took[len(took)/2], last
}

// waitRunFast is waitRun polling every 10 ms for the first 2 s (an
// in-process run takes about 0.1 s), then every 100 ms, so the figure is
// not rounded up to the suite's 2 s polls.
func (s *suite) waitRunFast(t *testing.T, key client.ObjectKey) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		run := s.getRun(t, key)
		switch run.Status.Phase {
		case "Succeeded":
			return
		case "Failed":
			t.Fatalf("ReportRun %s Failed (%s): %s", key, run.Status.Reason, run.Status.Message)
		}
		if time.Since(start) < 2*time.Second {
			time.Sleep(10 * time.Millisecond)
		} else {
			time.Sleep(100 * time.Millisecond)
		}
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
