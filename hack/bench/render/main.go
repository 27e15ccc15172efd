// Command render compares countyreport's PDF rendering with Debian's Chromium
// printing the bundle's HTML rendition of the same report, Chromium kept warm
// the way a Gotenberg-style service keeps it (one browser, one tab reused,
// driven through chromedp).
//
//	go run ./hack/bench/render [-n 50] [-dataset FILE] [-chromium PATH] [-warmup 3] [-process-n 10]
//
// It then times whole processes: `bin/countyreport generate` against a cold
// Chromium process printing the same HTML (see benchProcesses).
//
// countyreport is measured in a child process (this program re-executed) so
// its peak memory is its own; Chromium's peak memory is the largest sum of the
// resident memory of the browser and all its child processes, sampled every
// 10 ms. countyreport's CPU time per report (user and system, every thread)
// is printed too: on a busy machine it moves less than wall time. Chromium
// is installed with hack/debian-packages.sh when missing.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
)

func main() {
	n := flag.Int("n", 50, "reports to render with each engine")
	warm := flag.Int("warmup", 3, "untimed runs first")
	dsPath := flag.String("dataset", "config/samples/datasets/hengshan-2023-01.yaml", "dataset to render")
	chromium := flag.String("chromium", "", "Chromium binary (default: chromium on PATH, installed when missing)")
	child := flag.Bool("child", false, "internal: render in this process and print ms/report")
	procN := flag.Int("process-n", 10, "whole processes to time with each engine (0: none)")
	bin := flag.String("countyreport", "bin/countyreport", "the binary whose generate process is timed")
	flag.Parse()
	processN, countyreportBin = *procN, *bin
	if err := run(*n, *warm, *dsPath, *chromium, *child); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var (
	processN        int
	countyreportBin string
)

func load(path string) (*dataset.Dataset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return dataset.Parse(b, path)
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run(n, warm int, dsPath, chromium string, child bool) error {
	ds, err := load(dsPath)
	if err != nil {
		return err
	}
	if child {
		var times []time.Duration
		var pages int
		var cpu0 time.Duration
		for i := 0; i < warm+n; i++ {
			if i == warm {
				cpu0 = cpuTime()
			}
			t := time.Now()
			r, err := report.Render(ds, report.Options{})
			if err != nil {
				return err
			}
			if i >= warm {
				times = append(times, time.Since(t))
			}
			pages = r.Pages
		}
		fmt.Printf("%f %d %f\n", ms(median(times)), pages, ms((cpuTime()-cpu0)/time.Duration(n)))
		return nil
	}

	// countyreport, in a child process of its own.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "-child", "-n", strconv.Itoa(n), "-warmup", strconv.Itoa(warm), "-dataset", dsPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("countyreport run: %w", err)
	}
	var oursMS, oursCPU float64
	var pages int
	if _, err := fmt.Sscan(string(out), &oursMS, &pages, &oursCPU); err != nil {
		return fmt.Errorf("countyreport run printed %q", out)
	}
	oursMem := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB → MiB

	// The HTML rendition Chromium prints: the one inside the bundle.
	r, err := report.Render(ds, report.Options{})
	if err != nil {
		return err
	}
	html, err := fromZip(r.Bundle, "report.html")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "countyreport-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	htmlPath := filepath.Join(tmp, "report.html")
	if err := os.WriteFile(htmlPath, html, 0o644); err != nil {
		return err
	}
	if chromium == "" {
		chromium, err = findChromium()
		if err != nil {
			return err
		}
	}
	chromeMS, chromeMem, chromePDF, err := benchChromium(chromium, "file://"+htmlPath, filepath.Join(tmp, "profile"), n, warm)
	if err != nil {
		return err
	}
	fmt.Printf("report: %s, %d pages; countyreport PDF %d KB, chromium PDF %d KB; median of %d runs after %d warm-up\n",
		dsPath, pages, len(r.PDF)/1024, chromePDF/1024, n, warm)
	fmt.Printf("render: countyreport %.1f ms/report, chromium (warm, chromedp) %.0f ms/report, ratio %.1fx\n", oursMS, chromeMS, chromeMS/oursMS)
	fmt.Printf("cpu: countyreport %.1f ms/report (user+system, all its threads; steadier than wall time on a busy machine)\n", oursCPU)
	fmt.Printf("memory: countyreport %.0f MiB peak RSS, chromium (all processes) %.0f MiB peak RSS, ratio %.1fx\n", oursMem, chromeMem, chromeMem/oursMem)
	if processN > 0 {
		return benchProcesses(countyreportBin, chromium, dsPath, htmlPath, tmp, processN)
	}
	return nil
}

// cpuTime is the user and system time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fromZip(z []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, fmt.Errorf("%s not in bundle", name)
}

func findChromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	script := "hack/debian-packages.sh"
	fmt.Fprintln(os.Stderr, "chromium missing: running", script, "chromium")
	cmd := exec.Command(script, "chromium")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("installing chromium: %w", err)
	}
	return exec.LookPath("chromium")
}

func benchChromium(bin, url, profile string, n, warm int) (float64, float64, int, error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	if err := chromedp.Do(ctx); err != nil { // starts the browser and its one tab
		return 0, 0, 0, fmt.Errorf("starting chromium: %w", err)
	}
	pid := chromedp.FromContext(ctx).Browser.Process().Pid

	var peak float64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				m := treeRSS(pid)
				mu.Lock()
				peak = max(peak, m)
				mu.Unlock()
			}
		}
	}()
	var times []time.Duration
	var size int
	for i := 0; i < warm+n; i++ {
		t := time.Now()
		err := chromedp.Do(ctx, chromedp.Navigate(url))
		var pdf []byte
		if err == nil {
			pdf, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
		}
		if err != nil {
			close(stop)
			return 0, 0, 0, fmt.Errorf("chromium print: %w", err)
		}
		if i >= warm {
			times = append(times, time.Since(t))
		}
		size = len(pdf)
	}
	close(stop)
	<-done
	mu.Lock()
	defer mu.Unlock()
	return ms(median(times)), peak, size, nil
}

// treeRSS sums VmRSS (MiB) of pid and its descendants.
func treeRSS(root int) float64 {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	rss := map[int]float64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "PPid:":
				parent[pid], _ = strconv.Atoi(f[1])
			case "VmRSS:":
				kb, _ := strconv.ParseFloat(f[1], 64)
				rss[pid] = kb / 1024
			}
		}
	}
	total := 0.0
	for pid, m := range rss {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				total += m
				break
			}
		}
	}
	return total
}
