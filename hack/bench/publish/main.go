// Command publish measures what archiving costs on top of rendering: it
// renders the reports of N synthetic counties (default 1000) with bounded
// concurrency, once without and once with publishing each report into its
// county's own bucket of a real MinIO it starts itself (bin/minio from
// `make tools`), each county with its own scoped credentials. It prints
// reports per second and the ratio of render-and-publish time to
// render-only time measured in the same run (target: at most 1.25).
//
// Rendering runs -concurrency at once (default: GOMAXPROCS, the cores);
// with -pipeline (default) rendered reports go to a separate pool of
// -publishers goroutines, larger because publishing waits on MinIO rather
// than on the CPU. It also prints the S3 requests per publish (from MinIO's
// metrics, by API) and the CPU each publish costs in MinIO and in the bench.
//
//	go run ./hack/bench/publish [-counties 1000] [-concurrency N] [-publishers 8] [-dataset FILE]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

const target = 1.25

func main() {
	counties := flag.Int("counties", 1000, "synthetic counties")
	conc := flag.Int("concurrency", runtime.GOMAXPROCS(0), "reports rendered at once")
	pubs := flag.Int("publishers", 8, "publishing goroutines with -pipeline")
	dsPath := flag.String("dataset", "", "base dataset (default config/samples/datasets/hengshan-2023-01.yaml)")
	scoped := flag.Bool("scoped", true, "publish with per-county STS credentials (false: the admin's)")
	pipeline := flag.Bool("pipeline", true, "hand rendered reports to a separate pool of -publishers goroutines (false: each worker renders then publishes)")
	flag.Parse()
	if err := run(*counties, *conc, *pubs, *dsPath, *scoped, *pipeline); err != nil {
		fmt.Fprintln(os.Stderr, "bench publish:", err)
		os.Exit(1)
	}
}

type county struct {
	ds     *dataset.Dataset
	bucket string
	cfg    storage.Config
}

func run(n, conc, pubs int, dsPath string, scoped, pipeline bool) error {
	if n < 1 || conc < 1 || pubs < 1 {
		return errors.New("-counties, -concurrency and -publishers must be at least 1")
	}
	if dsPath == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		dsPath = filepath.Join(root, "config/samples/datasets/hengshan-2023-01.yaml")
	}
	raw, err := os.ReadFile(dsPath)
	if err != nil {
		return err
	}
	base, err := dataset.Parse(raw, dsPath)
	if err != nil {
		return err
	}
	assets := os.DirFS(filepath.Dir(dsPath))

	// MinIO's Prometheus metrics without a token: requests per API.
	os.Setenv("MINIO_PROMETHEUS_AUTH_TYPE", "public")
	srv, err := miniotest.StartServer("")
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()

	// Setup (not timed): one bucket and one scoped credential per county.
	root := srv.RootConfig()
	admin, err := storage.New(root)
	if err != nil {
		return err
	}
	defer admin.Close()
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		return err
	}
	cs := make([]county, n)
	setupStart := time.Now()
	err = parallel(n, conc, func(i int) error {
		ds := synthetic(base, i)
		bucket := "countyreport-" + ds.Meta.CountyCode
		if err := admin.EnsureBucket(ctx, bucket, map[string]string{"reporting.countyreport.io/county": ds.Meta.CountyCode}); err != nil {
			return err
		}
		cfg := root
		if scoped {
			creds, err := issuer.Issue(ctx, bucket, time.Hour)
			if err != nil {
				return err
			}
			cfg = creds.Config(root)
		}
		cs[i] = county{ds: ds, bucket: bucket, cfg: cfg}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Printf("setup: %d counties, buckets and %s credentials in %.1fs (MinIO %s, concurrency %d, GOMAXPROCS %d)\n",
		n, map[bool]string{true: "scoped", false: "admin"}[scoped], time.Since(setupStart).Seconds(), srv.Endpoint(), conc, runtime.GOMAXPROCS(0))

	opts := report.Options{Assets: assets}
	var pages atomic.Int64
	renderOnly := func(i int) error {
		res, err := report.Render(cs[i].ds, opts)
		if err != nil {
			return fmt.Errorf("render county %d: %w", i, err)
		}
		pages.Add(int64(res.Pages))
		return nil
	}
	var publishTime atomic.Int64
	publish := func(i int, res *report.Result) error {
		start := time.Now()
		c, err := storage.New(cs[i].cfg) // the county's own client, as in its Job
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Archive(cs[i].bucket).Publish(ctx, cs[i].ds.Meta.Period, []storage.Artifact{
			{Name: report.PDFName, Data: res.PDF},
			{Name: report.BundleName, Data: res.Bundle},
		}, res.Manifest)
		publishTime.Add(int64(time.Since(start)))
		if err != nil {
			return fmt.Errorf("publish county %d: %w", i, err)
		}
		return nil
	}
	renderPublish := func() (time.Duration, error) {
		start := time.Now()
		if !pipeline {
			err := parallel(n, conc, func(i int) error {
				res, err := report.Render(cs[i].ds, opts)
				if err != nil {
					return fmt.Errorf("render county %d: %w", i, err)
				}
				return publish(i, res)
			})
			return time.Since(start), err
		}
		type rendered struct {
			i   int
			res *report.Result
		}
		queue := make(chan rendered, pubs) // bounded: at most pubs reports wait
		var pubErr error
		var pubWG sync.WaitGroup
		var pubOnce sync.Once
		for range pubs {
			pubWG.Add(1)
			go func() {
				defer pubWG.Done()
				for r := range queue {
					if err := publish(r.i, r.res); err != nil {
						pubOnce.Do(func() { pubErr = err })
					}
				}
			}()
		}
		err := parallel(n, conc, func(i int) error {
			res, err := report.Render(cs[i].ds, opts)
			if err != nil {
				return fmt.Errorf("render county %d: %w", i, err)
			}
			queue <- rendered{i, res}
			return nil
		})
		close(queue)
		pubWG.Wait()
		return time.Since(start), errors.Join(err, pubErr)
	}

	// Warm up (font, caches), then render-only, render+publish, render-only
	// again; the ratio is against the mean of the two render-only runs.
	if err := parallel(min(n, 2*conc), conc, renderOnly); err != nil {
		return err
	}
	pages.Store(0)
	r1, err := timed(n, conc, renderOnly)
	if err != nil {
		return err
	}
	avgPages := float64(pages.Load()) / float64(n)
	minioPID := findPID(srv.Endpoint())
	req0, err := s3Requests(srv.Endpoint())
	if err != nil {
		return err
	}
	mcpu0, self0 := procCPU(minioPID), selfCPU()
	rp, err := renderPublish()
	if err != nil {
		return err
	}
	mcpu, self := procCPU(minioPID)-mcpu0, selfCPU()-self0
	req1, err := s3Requests(srv.Endpoint())
	if err != nil {
		return err
	}
	selfR0 := selfCPU()
	r2, err := timed(n, conc, renderOnly)
	if err != nil {
		return err
	}
	renderCPU := selfCPU() - selfR0

	// Every county's report is in its archive.
	var missing atomic.Int64
	if err := parallel(n, conc, func(i int) error {
		a := admin.Archive(cs[i].bucket)
		if _, err := a.Report(ctx, cs[i].ds.Meta.Period); err != nil {
			missing.Add(1)
		}
		return nil
	}); err != nil {
		return err
	}
	if missing.Load() > 0 {
		return fmt.Errorf("%d counties' reports are not complete in their archives", missing.Load())
	}

	renderMean := (r1 + r2) / 2
	ratio := rp.Seconds() / renderMean.Seconds()
	verdict := "within"
	if ratio > target {
		verdict = "OVER"
	}
	fmt.Printf("reports: %d counties x 1 report, %.1f pages each\n", n, avgPages)
	fmt.Printf("render only:        %7.2fs  %7.1f reports/s  (runs: %.2fs, %.2fs)\n", renderMean.Seconds(), float64(n)/renderMean.Seconds(), r1.Seconds(), r2.Seconds())
	fmt.Printf("render and publish: %7.2fs  %7.1f reports/s  (%s; publish calls: %.1f ms mean)\n", rp.Seconds(), float64(n)/rp.Seconds(),
		map[bool]string{true: fmt.Sprintf("pipelined: %d renderers hand off to %d publishers", conc, pubs), false: "each worker renders then publishes"}[pipeline], float64(publishTime.Load())/float64(n)/1e6)
	var reqs []string
	total := 0.0
	for api, v := range req1 {
		if d := v - req0[api]; d > 0 {
			reqs = append(reqs, fmt.Sprintf("%s %.2f", api, d/float64(n)))
			total += d
		}
	}
	sort.Strings(reqs)
	fmt.Printf("S3 requests per publish: %.2f (%s)\n", total/float64(n), strings.Join(reqs, ", "))
	perMs := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(n) }
	fmt.Printf("CPU per report: render %.1f ms (render-only run); render+publish run: bench %.1f ms, MinIO %.1f ms", perMs(renderCPU), perMs(self), perMs(mcpu))
	if minioPID == 0 {
		fmt.Printf(" (MinIO process not found)")
	}
	fmt.Printf("; %d cores\n", runtime.NumCPU())
	fmt.Printf("ratio render+publish / render-only: %.3f  (target <= %.2f: %s)\n", ratio, target, verdict)
	fmt.Printf("BENCH publish_reports_per_second %s\n", strconv.FormatFloat(float64(n)/rp.Seconds(), 'f', 1, 64))
	fmt.Printf("BENCH publish_overhead_ratio %s\n", strconv.FormatFloat(ratio, 'f', 3, 64))
	return nil
}

// synthetic is base as county i: its own code, names and figures.
func synthetic(base *dataset.Dataset, i int) *dataset.Dataset {
	ds := *base
	ds.Meta.CountyCode = fmt.Sprintf("9%05d", i)
	ds.Meta.CountyName = fmt.Sprintf("合成县%04d", i)
	ds.Meta.CountyNameEn = fmt.Sprintf("Synthetic County %04d", i)
	ds.Meta.Issuer = ds.Meta.CountyName
	ds.Indicators = append([]dataset.Indicator(nil), base.Indicators...)
	f := 1 + float64(i%97)/100
	for j, ind := range ds.Indicators {
		if ind.Value != nil {
			v := ind.Value.Float() * f
			if num, ok := dataset.NewNumber(strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)); ok {
				ds.Indicators[j].Value = num
			}
		}
	}
	return &ds
}

func timed(n, conc int, f func(int) error) (time.Duration, error) {
	start := time.Now()
	err := parallel(n, conc, f)
	return time.Since(start), err
}

// parallel runs f(0..n-1) with at most conc at once and returns the first error.
func parallel(n, conc int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		once  sync.Once
		first error
	)
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n)) // stop handing out work
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("no go.mod above the working directory; pass -dataset")
}

// s3Requests reads MinIO's S3 request counters by API from its (v3, not
// cached) metrics.
func s3Requests(endpoint string) (map[string]float64, error) {
	resp, err := http.Get("http://" + endpoint + "/minio/metrics/v3/api/requests")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("MinIO metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	const prefix = `minio_api_requests_total{name="`
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) || !strings.Contains(line, `type="s3"`) {
			continue
		}
		api, _, _ := strings.Cut(line[len(prefix):], `"`)
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			out[api] += v
		}
	}
	return out, sc.Err()
}

// findPID finds the MinIO server listening on endpoint (0 if none).
func findPID(endpoint string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if args := strings.Split(string(cmd), "\x00"); len(args) > 1 && args[1] == "server" && slices.Contains(args, endpoint) {
			return pid
		}
	}
	return 0
}

// procCPU is pid's user+system CPU time from /proc (Linux; 0 elsewhere).
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / 100 // USER_HZ
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
