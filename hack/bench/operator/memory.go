package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/testenv"
)

// createForeign adds, per county, objects of the kinds the operator caches
// that are not the operator's: a ConfigMap (like kube-root-ca.crt), a
// Secret and a small Deployment of some other application. They are made
// up for the benchmark; a real cluster holds many more. The manager's label
// filter keeps them out of its cache.
func createForeign(ctx context.Context, c client.Client, n, namespaces int) error {
	pem := strings.Repeat("MIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n", 18)
	for i := range n {
		ns := fmt.Sprintf("bench-%d", i%namespaces)
		name := fmt.Sprintf("other-app-%d", i)
		labels := map[string]string{"app.kubernetes.io/name": name}
		objs := []client.Object{
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
				Data: map[string]string{"ca.crt": pem}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
				Data: map[string][]byte{"token": []byte(pem[:1024])}},
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
				Spec: appsv1.DeploymentSpec{
					Replicas: ptr.To[int32](1),
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec: corev1.PodSpec{Containers: []corev1.Container{{
							Name: "app", Image: "registry.example/other-app:1",
							Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}},
						}}},
					},
				}},
		}
		for _, o := range objs {
			if err := c.Create(ctx, o); err != nil {
				return fmt.Errorf("create unrelated %T %s: %w", o, name, err)
			}
		}
	}
	return nil
}

// memory is what the manager process holds once it has reconciled every county.
type memory struct {
	rss, peak, heap float64 // MiB
}

// measureManager runs the real manager binary against the cluster with the
// cache label filter on or off, waits until it has reconciled every county
// and its queue is empty, and reads its resident memory (now and at its
// peak, from /proc) and its Go heap in use (from its metrics). goMemLimit,
// when set, is the manager's GOMEMLIMIT (as a Deployment would set it from
// its memory limit).
func measureManager(ctx context.Context, env *testenv.Env, bin string, n int, filtered bool, goMemLimit string) (memory, error) {
	if _, err := os.Stat(bin); err != nil {
		return memory{}, fmt.Errorf("manager binary %s: %w (run `make build`)", bin, err)
	}
	metricsAddr, err := freeAddress()
	if err != nil {
		return memory{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "manager", "--kubeconfig", env.Kubeconfig,
		"--metrics-bind-address", metricsAddr, "--metrics-secure=false", "--health-probe-bind-address=0",
		"--portal-image=countyreport:bench", "--zap-log-level=error",
		"--cache-label-filter="+strconv.FormatBool(filtered))
	cmd.Stderr = os.Stderr
	if goMemLimit != "" {
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+goMemLimit)
	}
	if err := cmd.Start(); err != nil {
		return memory{}, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	deadline := time.Now().Add(time.Duration(n)*100*time.Millisecond + 2*time.Minute)
	settled := 0
	for settled < 3 {
		if time.Now().After(deadline) {
			return memory{}, fmt.Errorf("the manager (filter %v) did not reconcile all %d counties in time", filtered, n)
		}
		time.Sleep(2 * time.Second)
		m, err := scrape(metricsAddr)
		if err != nil {
			settled = 0
			continue
		}
		if m.sum("controller_runtime_reconcile_total", `controller="countyreport"`) >= float64(n) &&
			m.sum("workqueue_depth", `name="countyreport"`) == 0 {
			settled++
		} else {
			settled = 0
		}
	}
	m, err := scrape(metricsAddr)
	if err != nil {
		return memory{}, err
	}
	rss, peak, err := procMemory(cmd.Process.Pid)
	if err != nil {
		return memory{}, err
	}
	return memory{rss: rss, peak: peak, heap: m.sum("go_memstats_heap_inuse_bytes", "") / (1 << 20)}, nil
}

// metrics are the lines of a Prometheus text exposition.
type metrics []string

func scrape(addr string) (metrics, error) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return strings.Split(string(b), "\n"), nil
}

// sum adds the samples of name whose labels contain label.
func (m metrics) sum(name, label string) float64 {
	total := 0.0
	for _, l := range m {
		if !strings.HasPrefix(l, name+"{") && !strings.HasPrefix(l, name+" ") {
			continue
		}
		if label != "" && !strings.Contains(l, label) {
			continue
		}
		f := strings.Fields(l)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			total += v
		}
	}
	return total
}

// procMemory reads VmRSS and VmHWM (peak RSS) of a process, in MiB.
func procMemory(pid int) (rss, peak float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status %s: %w", pid, k, err)
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return rss, peak, s.Err()
}

func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
