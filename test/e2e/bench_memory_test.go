//go:build e2e && e2ebench

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podMemory is what a pod uses, read two ways: from the pod's memory
// cgroup on the node (cgroup v1: memory.usage_in_bytes, memory.stat,
// memory.max_usage_in_bytes) and from the kubelet's /stats/summary (what
// the kubelet and the scheduler's users see).
type podMemory struct {
	pod string
	// From the pod's cgroup: usage, working set (usage less inactive
	// file pages, as the kubelet computes it), anonymous RSS, the peak
	// usage since the pod started, and the limit.
	usage, workingSet, rss, peak, limit uint64
	cgroup                              string // the cgroup read; "" when not found
	// From the kubelet's summary, the pod's containers summed.
	kubeletWorkingSet, kubeletRSS uint64
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func (m podMemory) String() string {
	s := fmt.Sprintf("%s: kubelet working set %.1f MiB, RSS %.1f MiB", m.pod, mib(m.kubeletWorkingSet), mib(m.kubeletRSS))
	if m.cgroup == "" {
		return s + "; pod cgroup not found (cgroup v1 only)"
	}
	return s + fmt.Sprintf("; pod cgroup: usage %.1f MiB, working set %.1f MiB, RSS %.1f MiB, peak %.1f MiB, limit %.0f MiB",
		mib(m.usage), mib(m.workingSet), mib(m.rss), mib(m.peak), mib(m.limit))
}

// summary is the part of the kubelet's /stats/summary read here.
type summary struct {
	Pods []struct {
		PodRef struct {
			Name, Namespace, UID string
		} `json:"podRef"`
		Containers []struct {
			Name   string `json:"name"`
			Memory struct {
				WorkingSetBytes uint64 `json:"workingSetBytes"`
				RSSBytes        uint64 `json:"rssBytes"`
			} `json:"memory"`
		} `json:"containers"`
	} `json:"pods"`
}

// kubeletSummary reads the node's /stats/summary through the API server.
func (s *suite) kubeletSummary(t *testing.T, node string) summary {
	t.Helper()
	raw, err := s.cs.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", node, "proxy", "stats", "summary").DoRaw(s.ctx)
	if err != nil {
		t.Fatalf("the kubelet's /stats/summary on %s: %v", node, err)
	}
	var sum summary
	must(t, json.Unmarshal(raw, &sum))
	return sum
}

// memoryOf reads the pods' memory. The cgroups are read on this machine:
// the node is this machine (hack/e2e/node.sh), and the test runs as root.
func (s *suite) memoryOf(t *testing.T, pods []corev1.Pod) []podMemory {
	t.Helper()
	if len(pods) == 0 {
		return nil
	}
	sum := s.kubeletSummary(t, pods[0].Spec.NodeName)
	var out []podMemory
	for _, p := range pods {
		m := podMemory{pod: p.Namespace + "/" + p.Name}
		for _, sp := range sum.Pods {
			if sp.PodRef.UID != string(p.UID) {
				continue
			}
			for _, c := range sp.Containers {
				m.kubeletWorkingSet += c.Memory.WorkingSetBytes
				m.kubeletRSS += c.Memory.RSSBytes
			}
		}
		if dir := podCgroup("memory", string(p.UID)); dir != "" {
			if err := m.readCgroup(dir); err != nil {
				t.Logf("%s: %v (replaced meanwhile?)", m.pod, err)
			}
		}
		out = append(out, m)
	}
	return out
}

// podCgroup finds a pod's cgroup in a v1 hierarchy: the kubelet's
// cgroupRoot (node.sh: /countyreport-e2e), then kubepods and the QoS class
// (none for Guaranteed); "" when there is none.
func podCgroup(controller, uid string) string {
	for _, pattern := range []string{"/sys/fs/cgroup/%s/*/kubepods/*/pod%s", "/sys/fs/cgroup/%s/*/kubepods/pod%s"} {
		if m, _ := filepath.Glob(fmt.Sprintf(pattern, controller, uid)); len(m) == 1 {
			return m[0]
		}
	}
	return ""
}

// readCgroup reads the pod's memory cgroup (v1) at dir.
func (m *podMemory) readCgroup(dir string) error {
	var err error
	read := func(file string) uint64 {
		b, e := os.ReadFile(filepath.Join(dir, file))
		if e == nil {
			var v uint64
			v, e = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
			if e == nil {
				return v
			}
		}
		if err == nil {
			err = e
		}
		return 0
	}
	m.usage, m.peak, m.limit = read("memory.usage_in_bytes"), read("memory.max_usage_in_bytes"), read("memory.limit_in_bytes")
	b, e := os.ReadFile(filepath.Join(dir, "memory.stat"))
	if err != nil || e != nil {
		return errors.Join(err, e)
	}
	stat := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if n, err := strconv.ParseUint(v, 10, 64); ok && err == nil {
			stat[k] = n
		}
	}
	m.cgroup, m.rss, m.workingSet = dir, stat["total_rss"], m.usage
	if in := stat["total_inactive_file"]; in < m.usage {
		m.workingSet = m.usage - in
	}
	return nil
}

// portalPodsOf is the Ready portal pod of each tenant.
func (s *suite) portalPodsOf(t *testing.T, tns []tenant) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	for _, tn := range tns {
		pods = append(pods, s.waitPortalReady(t, tn, 5*time.Minute, nil))
	}
	return pods
}

// benchPortalMemory signs in to tn's portal through port-forward, loads
// the dashboard and a few more pages, and prints the memory of that pod
// beside the other portals at rest, and the portals' CPU at rest.
func (s *suite) benchPortalMemory(t *testing.T, tn tenant, rest []tenant) {
	t.Helper()
	st := s.signIn(t, s.portForward(t, tn), s.password(t, tn))
	for _, path := range []string{"/", "/", "/reports", "/data"} {
		code, body, err := st.get(path)
		if err != nil {
			t.Fatalf("%s's portal %s: %v", tn.name, path, err)
		}
		if path == "/" && code != http.StatusOK {
			t.Fatalf("%s's dashboard: status %d: %.300s", tn.name, code, body)
		}
		t.Logf("%s's portal %s: status %d, %d bytes", tn.name, path, code, len(body))
	}
	used := s.memoryOf(t, s.portalPodsOf(t, []tenant{tn}))[0]
	t.Logf("signed in: %s", used)
	fmt.Printf("bench: portal memory after sign-in and a dashboard load (%s): working set %.1f MiB, RSS %.1f MiB (pod cgroup; peak %.1f MiB); the kubelet's summary: working set %.1f MiB\n",
		tn.name, mib(used.workingSet), mib(used.rss), mib(used.peak), mib(used.kubeletWorkingSet))
	others := s.memoryOf(t, s.portalPodsOf(t, rest))
	var ws []float64
	for _, m := range others {
		t.Logf("at rest: %s", m)
		if m.cgroup != "" {
			ws = append(ws, mib(m.workingSet))
		}
	}
	sort.Float64s(ws)
	if len(ws) > 0 {
		fmt.Printf("bench: portal memory at rest, %d other portals: working set median %.1f MiB, max %.1f MiB\n",
			len(ws), ws[len(ws)/2], ws[len(ws)-1])
	}
	s.benchPortalCPU(t, append([]tenant{tn}, rest...), 30*time.Second)
}

// benchPortalCPU prints the portals' CPU at rest (their readiness probes
// only), from their pods' cpuacct cgroups over the interval.
func (s *suite) benchPortalCPU(t *testing.T, tns []tenant, interval time.Duration) {
	t.Helper()
	var dirs []string
	for _, p := range s.portalPodsOf(t, tns) {
		if dir := podCgroup("cpuacct", string(p.UID)); dir != "" {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		fmt.Println("bench: portal CPU at rest: not measured (no cgroup v1 cpuacct)")
		return
	}
	before := make([]uint64, len(dirs))
	for i, d := range dirs {
		before[i] = readCPU(t, d)
	}
	start := time.Now()
	time.Sleep(interval)
	took := time.Since(start)
	var milli []float64
	for i, d := range dirs {
		// A pod replaced meanwhile (a rollout) has no cgroup any more.
		after, err := cpuUsage(d)
		if err != nil || before[i] == 0 {
			t.Logf("%s: gone during the interval (%v): not counted", d, err)
			continue
		}
		milli = append(milli, float64(after-before[i])/float64(took.Nanoseconds())*1000)
	}
	if len(milli) == 0 {
		t.Fatalf("every portal pod was replaced during the %s CPU interval", interval)
	}
	sort.Float64s(milli)
	fmt.Printf("bench: portal CPU at rest, %d portals over %.0f s: median %.1f millicores, max %.1f\n",
		len(milli), took.Seconds(), milli[len(milli)/2], milli[len(milli)-1])
}

// cpuUsage is the cgroup's cpuacct.usage (ns of CPU since it was made).
func cpuUsage(dir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cpuacct.usage"))
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// readCPU is cpuUsage, 0 (not counted) for a pod gone already.
func readCPU(t *testing.T, dir string) uint64 {
	t.Helper()
	v, err := cpuUsage(dir)
	if err != nil {
		t.Logf("%s: %v: not counted", dir, err)
	}
	return v
}
