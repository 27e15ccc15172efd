package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is one process of the control plane this Env started.
type Process struct {
	Name string // etcd or kube-apiserver
	PID  int
}

// Processes finds the etcd and kube-apiserver this Env started: children of
// this process, running those binaries, whose command line names this Env's
// etcd data directory or API server certificate directory (temporary
// directories unique to this Env). Nothing else on the machine matches.
func (e *Env) Processes() ([]Process, error) {
	cp := e.Environment.ControlPlane
	if cp.Etcd == nil || cp.APIServer == nil || cp.Etcd.DataDir == "" || cp.APIServer.CertDir == "" {
		return nil, fmt.Errorf("testenv: the control plane is not running")
	}
	marks := map[string]string{"etcd": cp.Etcd.DataDir, "kube-apiserver": cp.APIServer.CertDir}
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []Process
	for _, st := range stats {
		dir := filepath.Dir(st)
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || parentOf(st) != self {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(bytes.TrimRight(raw, "\x00")), "\x00")
		name := filepath.Base(args[0])
		mark, ok := marks[name]
		if !ok || !strings.Contains(string(raw), mark) {
			continue
		}
		out = append(out, Process{Name: name, PID: pid})
		delete(marks, name)
	}
	if len(marks) > 0 {
		missing := make([]string, 0, len(marks))
		for name := range marks {
			missing = append(missing, name)
		}
		return out, fmt.Errorf("testenv: cannot find the %s this process started", strings.Join(missing, " and "))
	}
	return out, nil
}

// parentOf is the parent PID in a /proc/<pid>/stat file, or -1.
func parentOf(statFile string) int {
	b, err := os.ReadFile(statFile)
	if err != nil {
		return -1
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return -1
	}
	return ppid
}

// PinTo moves the etcd and kube-apiserver this Env started, every thread of
// them, onto cpus (a taskset CPU list such as "1"), for benchmarks that give
// the control plane cores of its own. It returns the processes it pinned.
func (e *Env) PinTo(cpus string) ([]Process, error) {
	procs, err := e.Processes()
	if err != nil {
		return nil, err
	}
	for _, p := range procs {
		if out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(p.PID)).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("testenv: pin %s (pid %d) to CPUs %s: %v: %s", p.Name, p.PID, cpus, err, bytes.TrimSpace(out))
		}
	}
	return procs, nil
}

// AllowedCPUs is the CPU list a process may run on (Cpus_allowed_list in
// /proc/<pid>/status), "" when unknown.
func AllowedCPUs(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
