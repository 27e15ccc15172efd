// Package dev is the local platform behind `countyreport dev`: it supervises
// the servers the platform needs (etcd, kube-apiserver, MinIO) as child
// processes of one command, keeps their state in one directory, and runs the
// county portals the operator creates as in-process workloads.
package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Process is one supervised server: its own process group, its output in a
// log file, killed with the command that started it even if that command
// dies without cleaning up (Pdeathsig).
type Process struct {
	Name    string   // what the user reads in messages ("etcd")
	Path    string   // the binary
	Args    []string // without the binary
	Env     []string // added to a minimal environment
	LogFile string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit status, once done is closed
}

// Start runs the process. ready is polled until it returns nil, the process
// exits, or timeout passes; in the last two cases the process is stopped and
// the error shows the last lines of its log.
func (p *Process) Start(ctx context.Context, timeout time.Duration, ready func(context.Context) error) error {
	if _, err := os.Stat(p.Path); err != nil {
		return fmt.Errorf("%s: %s is missing: run `make tools` to build it", p.Name, p.Path)
	}
	if err := os.MkdirAll(filepath.Dir(p.LogFile), 0o700); err != nil {
		return err
	}
	log, err := os.OpenFile(p.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "\n--- %s: %s %s\n", time.Now().Format(time.RFC3339), p.Path, strings.Join(p.Args, " "))
	cmd := exec.Command(p.Path, p.Args...)
	// A minimal environment: the servers get no credentials they were not
	// given explicitly (the parent may hold storage keys in its environment).
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TZ=" + os.Getenv("TZ")}, p.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("%s: start %s: %w", p.Name, p.Path, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	if err := p.waitReady(ctx, timeout, ready); err != nil {
		p.Stop(5 * time.Second)
		return err
	}
	return nil
}

func (p *Process) waitReady(ctx context.Context, timeout time.Duration, ready func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		probe, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = ready(probe)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v); last lines of %s:\n%s", p.Name, p.err, p.LogFile, p.Tail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (%v); last lines of %s:\n%s", p.Name, timeout, last, p.LogFile, p.Tail(20))
		}
	}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the exit status once Done is closed.
func (p *Process) Err() error { return p.err }

// Stop sends SIGTERM to the process group, and SIGKILL after grace. It
// returns once the process has exited.
func (p *Process) Stop(grace time.Duration) {
	if p.cmd == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything the server forked and left in its group goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// Pid is the process id (and process group id) once started.
func (p *Process) Pid() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Tail returns the last n lines of the log file.
func (p *Process) Tail(n int) string { return tailFile(p.LogFile, n) }

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 64 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + string(bytes.Join(lines, []byte("\n  ")))
}

// Group stops processes in the reverse order they were added.
type Group struct{ procs []*Process }

// Add records a started process.
func (g *Group) Add(p *Process) { g.procs = append(g.procs, p) }

// Stop stops every process, last started first.
func (g *Group) Stop() {
	for i := len(g.procs) - 1; i >= 0; i-- {
		g.procs[i].Stop(10 * time.Second)
	}
	g.procs = nil
}

// Exited returns a channel that receives the first process to exit.
func (g *Group) Exited() <-chan *Process {
	ch := make(chan *Process, len(g.procs))
	for _, p := range g.procs {
		go func() { <-p.done; ch <- p }()
	}
	return ch
}

// errPortInUse is wrapped by CheckPort's error.
var errPortInUse = errors.New("port in use")
