package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// profileAPIServer writes a CPU profile of the API server (its /debug/pprof).
func profileAPIServer(cfg *rest.Config, file string, seconds int) error {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	resp, err := hc.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(cfg.Host, "/"), seconds))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// requestCounter counts the manager's API requests by verb and resource.
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("watch") != "true" {
			c.mu.Lock()
			if c.n == nil {
				c.n = map[string]int{}
			}
			c.n[req.Method+" "+resourceOf(req.URL.Path)]++
			c.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// resourceOf turns /apis/g/v/namespaces/ns/kind/name/sub into "kind/sub".
func resourceOf(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return p
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "?"
	case 1, 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}

func (c *requestCounter) reset() {
	c.mu.Lock()
	c.n = map[string]int{}
	c.mu.Unlock()
}

func (c *requestCounter) print(runs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.n))
	total := 0
	for k, v := range c.n {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	fmt.Printf("manager API requests during the measured phase: %d (%.1f per run)\n", total, float64(total)/float64(runs))
	for _, k := range keys {
		fmt.Printf("  %-40s %6d  %5.2f/run\n", k, c.n[k], float64(c.n[k])/float64(runs))
	}
}

// processCPU is the CPU time of this process and each of its descendants, by command name.
func processCPU() map[string]time.Duration {
	tick := 100.0                // USER_HZ on Linux
	stats := map[int][2]string{} // pid -> ppid, comm
	cpu := map[int]time.Duration{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < 0 {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		f := strings.Fields(s[close+2:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		stats[pid] = [2]string{f[1], s[open+1 : close]}
		cpu[pid] = time.Duration((ut + st) / tick * float64(time.Second))
	}
	self := os.Getpid()
	out := map[string]time.Duration{}
	for pid, st := range stats {
		for p, depth := pid, 0; depth < 10; depth++ {
			if p == self {
				name := st[1]
				if pid == self {
					name = "bench (manager)"
				}
				out[name] += cpu[pid]
				break
			}
			pp, err := strconv.Atoi(stats[p][0])
			if err != nil || pp <= 1 {
				break
			}
			p = pp
		}
	}
	return out
}

func printCPU(before, after map[string]time.Duration, wall time.Duration) {
	names := make([]string, 0, len(after))
	var total time.Duration
	for k := range after {
		names = append(names, k)
		total += after[k] - before[k]
	}
	sort.Strings(names)
	fmt.Printf("CPU time during the measured phase (%.1fs wall): %.1fs\n", wall.Seconds(), total.Seconds())
	for _, k := range names {
		d := after[k] - before[k]
		fmt.Printf("  %-20s %6.1fs  %4.0f%%\n", k, d.Seconds(), 100*d.Seconds()/total.Seconds())
	}
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// totalCPU is the CPU time all processes spent between two processCPU samples.
func totalCPU(before, after map[string]time.Duration) time.Duration {
	var total time.Duration
	for k, v := range after {
		total += v - before[k]
	}
	return total
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printObjectSizes prints the JSON size of one county's CountyReport and
// ReportRun as the API server stores them: what every write of them costs
// it to decode, patch, validate and encode grows with these.
func printObjectSizes(ctx context.Context, k8s client.Client, ns string) error {
	var cr v1alpha1.CountyReport
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "county"}, &cr); err != nil {
		return err
	}
	var runs v1alpha1.ReportRunList
	if err := k8s.List(ctx, &runs, client.InNamespace(ns)); err != nil {
		return err
	}
	if len(runs.Items) == 0 {
		return fmt.Errorf("no ReportRun in %s", ns)
	}
	size := func(o client.Object) (int, int) {
		all, _ := json.Marshal(o)
		mf, _ := json.Marshal(o.GetManagedFields())
		return len(all), len(mf)
	}
	a, am := size(&cr)
	b, bm := size(&runs.Items[0])
	fmt.Printf("object sizes (JSON): CountyReport %d bytes (managedFields %d), ReportRun %d bytes (managedFields %d)\n", a, am, b, bm)
	return nil
}
