package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/testenv"
)

// checkPlacement refuses a -server-cpus that shares a CPU with this process
// (start it under taskset on the other CPUs) and has MinIO started on it.
func checkPlacement(cpus string) error {
	servers, err := cpuSet(cpus)
	if err != nil {
		return fmt.Errorf("-server-cpus: %w", err)
	}
	self, err := cpuSet(testenv.AllowedCPUs(os.Getpid()))
	if err != nil {
		return fmt.Errorf("CPUs of this process: %w", err)
	}
	for c := range servers {
		if self[c] {
			return fmt.Errorf("-server-cpus %s overlaps the CPUs this process may use (%s): start it under taskset -c on the others",
				cpus, testenv.AllowedCPUs(os.Getpid()))
		}
	}
	if v := os.Getenv(miniotest.EnvCPUs); v != "" && v != cpus {
		return fmt.Errorf("%s=%s but -server-cpus %s", miniotest.EnvCPUs, v, cpus)
	}
	return os.Setenv(miniotest.EnvCPUs, cpus)
}

// printPlacement shows where the manager and every server may run, as the kernel has it.
func printPlacement(servers []testenv.Process) error {
	fmt.Printf("placement: manager, renderer and render-only baseline on CPUs %s (GOMAXPROCS %d)",
		testenv.AllowedCPUs(os.Getpid()), runtime.GOMAXPROCS(0))
	for _, p := range servers {
		cpus := testenv.AllowedCPUs(p.PID)
		if cpus != serverCPUs {
			return fmt.Errorf("%s (pid %d) may run on CPUs %q, want %q", p.Name, p.PID, cpus, serverCPUs)
		}
		fmt.Printf("; %s (pid %d) on CPUs %s", p.Name, p.PID, cpus)
	}
	fmt.Println()
	return nil
}

// childRunning finds the child of this process running binary name whose
// command line names mark (a directory unique to it).
func childRunning(name, mark string) (int, error) {
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if ppid, _ := parentPID(pid); ppid != self {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if filepath.Base(args[0]) == name && strings.Contains(string(raw), mark) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("cannot find the %s this process started (%s)", name, mark)
}

func parentPID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	return strconv.Atoi(f[1])
}

// cpuSet parses a CPU list such as "0-2,5".
func cpuSet(list string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, part := range strings.Split(strings.TrimSpace(list), ",") {
		lo, hi, found := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("CPU list %q", list)
		}
		b := a
		if found {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("CPU list %q", list)
			}
		}
		for c := a; c <= b; c++ {
			out[c] = true
		}
	}
	return out, nil
}

// coreTimes is each CPU's busy and total time in ticks, from /proc/stat.
func coreTimes() map[string][2]float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	out := map[string][2]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		var total, idle float64
		for i, v := range f[1:] {
			x, _ := strconv.ParseFloat(v, 64)
			if i >= 8 { // guest time is counted in user time already
				break
			}
			total += x
			if i == 3 || i == 4 { // idle, iowait
				idle += x
			}
		}
		out[f[0]] = [2]float64{total - idle, total}
	}
	return out
}

// coreBusy is how busy each CPU was between two coreTimes samples (all
// processes on the machine, not only this benchmark's).
func coreBusy(before, after map[string][2]float64) string {
	var parts []string
	for i := 0; ; i++ {
		k := "cpu" + strconv.Itoa(i)
		a, ok := after[k]
		if !ok {
			break
		}
		b := before[k]
		if d := a[1] - b[1]; d > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", k, 100*(a[0]-b[0])/d))
		}
	}
	return strings.Join(parts, ", ")
}
