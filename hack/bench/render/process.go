package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// benchProcesses times whole processes, start to exit: `countyreport
// generate` writing report.pdf, bundle.zip and manifest.json from the
// dataset file, against a cold Chromium (a new process and a fresh
// profile each time) printing the same report's HTML to PDF. This is the
// cost of one report in a Job: start-up included.
func benchProcesses(bin, chromium, dsPath, htmlPath, tmp string, n int) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: %w (make build)", bin, err)
	}
	ours, oursCPU, err := timeRuns(n, func(i int) *exec.Cmd {
		return exec.Command(bin, "generate", "--dataset", dsPath, "--out", filepath.Join(tmp, "gen-"+strconv.Itoa(i)))
	})
	if err != nil {
		return fmt.Errorf("countyreport generate: %w", err)
	}
	theirs, theirsCPU, err := timeRuns(n, func(i int) *exec.Cmd {
		dir := filepath.Join(tmp, "cold-"+strconv.Itoa(i))
		return exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+dir, "--no-pdf-header-footer", "--print-to-pdf="+filepath.Join(tmp, "cold-"+strconv.Itoa(i)+".pdf"), "file://"+htmlPath)
	})
	if err != nil {
		return fmt.Errorf("chromium --print-to-pdf: %w", err)
	}
	fmt.Printf("process: countyreport generate %.0f ms (whole process: start-up, parse, render, bundle, write), cold chromium --print-to-pdf %.0f ms, ratio %.1fx (median of %d)\n",
		ms(ours), ms(theirs), float64(theirs)/float64(ours), n)
	// Wall time on a loaded machine is mostly waiting for a core: the CPU
	// each process (and the children it waited for) used is steadier.
	fmt.Printf("process cpu: countyreport generate %.0f ms, cold chromium %.0f ms (user+system), ratio %.1fx\n",
		ms(oursCPU), ms(theirsCPU), float64(theirsCPU)/float64(oursCPU))
	return nil
}

// timeRuns runs n commands one after another (one untimed first) and
// returns the median wall time and the median CPU time (user and system,
// the process and the children it waited for).
func timeRuns(n int, cmd func(i int) *exec.Cmd) (time.Duration, time.Duration, error) {
	var times, cpus []time.Duration
	for i := 0; i <= n; i++ {
		c := cmd(i)
		t := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			return 0, 0, fmt.Errorf("%v\n%s", err, out)
		}
		if i > 0 {
			times = append(times, time.Since(t))
			cpus = append(cpus, c.ProcessState.UserTime()+c.ProcessState.SystemTime())
		}
	}
	return median(times), median(cpus), nil
}
