// Command runs measures the orchestration overhead of automated monthly
// reports: N counties (default 200) all due at the same instant, rendered by
// the in-process executor of a real manager (CountyReport and ReportRun
// reconcilers, their writes, watches and retries) against a control plane and
// a MinIO it starts itself (`make tools`). It prints the time until every
// ReportRun has succeeded and the runs per second, beside the render-only
// rate of the same machine (the same dataset rendered N times with the same
// concurrency, nothing else), and their ratio (target: at least 0.70).
//
//	go run ./hack/bench/runs [-counties 200] [-concurrency GOMAXPROCS]
//
// With -server-cpus the servers get cores of their own, as they have their
// own machines in a deployment: the control plane (etcd, kube-apiserver) is
// pinned there once started and MinIO started there, while this process
// (manager, renderer and the render-only baseline) stays where it was started:
//
//	taskset -c 0 bin/bench-runs -server-cpus 1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	uberzap "go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

const target = 0.70

var (
	cpuProfile string
	apiProfile string
	apiSeconds int
	verbose    bool
	serverCPUs string
	lead       time.Duration
)

var (
	due    = time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC) // 06:00 on 1 November in Shanghai
	period = "2026-10"
)

func main() {
	n := flag.Int("counties", 200, "counties, all due at the same instant")
	flag.IntVar(n, "n", 200, "same as -counties")
	conc := flag.Int("concurrency", runtime.GOMAXPROCS(0), "in-process renders at once (the manager's --run-concurrency)")
	qps := flag.Float64("qps", 50, "the manager's API client QPS (burst twice that)")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the measured operator phase to this file")
	flag.StringVar(&apiProfile, "apiprofile", "", "write a CPU profile of kube-apiserver over the measured phase (-apiseconds long) to this file")
	flag.IntVar(&apiSeconds, "apiseconds", 8, "length of the -apiprofile")
	flag.BoolVar(&verbose, "v", false, "print the manager's API requests by verb and resource, and the CPU time of every process")
	flag.DurationVar(&lead, "lead", 0, "time from the manager's start to the instant, for it to schedule every county (default 10s + 50ms per county)")
	flag.StringVar(&serverCPUs, "server-cpus", "", "pin the control plane and MinIO to these CPUs (a taskset list, e.g. 1); start this process under taskset on the others")
	flag.Parse()
	if err := run(*n, *conc, float32(*qps)); err != nil {
		fmt.Fprintln(os.Stderr, "bench runs:", err)
		os.Exit(1)
	}
}

func run(n, conc int, qps float32) error {
	if n < 1 || conc < 1 {
		return errors.New("-counties and -concurrency must be at least 1")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if serverCPUs != "" {
		if err := checkPlacement(serverCPUs); err != nil {
			return err
		}
	}
	logLevel := uberzap.NewAtomicLevelAt(zapcore.ErrorLevel)
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(logLevel)))

	root, err := repo.Root()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(root, "config", "samples", "datasets", "hengshan-2023-01.yaml"))
	if err != nil {
		return err
	}
	ds, err := dataset.Parse(raw, "hengshan-2023-01.yaml")
	if err != nil {
		return err
	}
	ds.Meta.Period = period
	data, err := ds.Normalized()
	if err != nil {
		return err
	}

	// Render-only baseline: the same work without the operator.
	renderCPU0 := selfCPU()
	renderRate, err := renderOnly(data, n, conc)
	renderCPU := selfCPU() - renderCPU0
	if err != nil {
		return err
	}

	t0 := time.Now()
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	var servers []testenv.Process
	if serverCPUs != "" {
		if servers, err = env.PinTo(serverCPUs); err != nil {
			return err
		}
	}
	srv, err := miniotest.StartServer("")
	if err != nil {
		return err
	}
	defer srv.Close()
	if serverCPUs != "" {
		pid, err := childRunning("minio", srv.Dir())
		if err != nil {
			return err
		}
		servers = append(servers, testenv.Process{Name: "minio", PID: pid})
		if err := printPlacement(servers); err != nil {
			return err
		}
	}
	scheme := kruntime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 200, 400
	k8s, err := client.New(&cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := setupCounties(ctx, k8s, srv, n, data); err != nil {
		return err
	}
	fmt.Printf("setup: control plane, MinIO, %d counties with buckets, scoped credentials and %s datasets in %.1fs (GOMAXPROCS %d)\n",
		n, period, time.Since(t0).Seconds(), runtime.GOMAXPROCS(0))

	// The manager's clock runs in real time, shifted so that everyone is due
	// lead after it starts: each county's own requeue wakes it at the
	// instant, as in a deployment, with no write from the bench.
	if lead <= 0 {
		lead = 10*time.Second + time.Duration(n)*50*time.Millisecond
	}
	clk := testenv.ShiftTo(due.Add(-lead))
	mcfg := *env.Config
	mcfg.QPS, mcfg.Burst = qps, int(2*qps)
	reqs := &requestCounter{}
	mcfg.Wrap(reqs.wrap)
	// The manager reads creation times in its clock's frame: a county
	// created during the setup was created before the instant, as in a
	// deployment where counties exist on the 1st.
	mgr, err := ctrl.NewManager(&mcfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		NewClient: testenv.CreatedFunc(nil, testenv.Shifted(clk.Offset))})
	if err != nil {
		return err
	}
	if err := controllers.Setup(mgr, controllers.Options{
		PortalImage: "countyreport:bench", Clock: clk,
		Executor: controllers.ExecutorInProcess, RunConcurrency: conc,
	}); err != nil {
		return err
	}
	mgrCtx, stopMgr := context.WithCancel(ctx)
	mgrDone := make(chan struct{})
	go func() {
		defer close(mgrDone)
		if err := mgr.Start(mgrCtx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	// The manager stops (and its Events are flushed) before the control plane does.
	defer func() {
		// Events still queued when the manager stops fail to be written: not news.
		logLevel.SetLevel(zapcore.FatalLevel)
		stopMgr()
		select {
		case <-mgrDone:
		case <-time.After(30 * time.Second):
		}
	}()
	// Every county provisioned and scheduled for the instant, a second before it.
	margin := clk.Until(due) - time.Second
	if margin <= 0 {
		return fmt.Errorf("the instant passed before the manager started: raise -lead (now %s)", lead)
	}
	if err := waitFor(ctx, k8s, n, margin, func(cr *v1alpha1.CountyReport) bool {
		return cr.Status.NextRun != nil && cr.Status.NextRun.Time.Equal(due)
	}); err != nil {
		return fmt.Errorf("counties not scheduled a second before the instant (raise -lead, now %s): %w", lead, err)
	}
	fmt.Printf("scheduled: all %d counties due at %s, %.1fs before it\n", n, due.Format(time.RFC3339), clk.Until(due).Seconds())
	time.Sleep(clk.Until(due))

	// The instant: the measured phase begins.
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if apiProfile != "" {
		go func() {
			if err := profileAPIServer(&cfg, apiProfile, apiSeconds); err != nil {
				fmt.Fprintln(os.Stderr, "apiprofile:", err)
			}
		}()
	}
	reqs.reset()
	self0 := selfCPU()
	cpu0 := processCPU()
	cores0 := coreTimes()
	start := time.Now()
	if err := waitRuns(ctx, n, 30*time.Minute); err != nil {
		return err
	}
	elapsed := time.Since(start)
	selfUsed := selfCPU() - self0
	cpu1 := processCPU()
	cores1 := coreTimes()
	if err := checkRuns(ctx, k8s, n); err != nil {
		return err
	}
	if verbose {
		reqs.print(n)
		printCPU(cpu0, cpu1, elapsed)
		if err := printObjectSizes(ctx, k8s, nsName(0)); err != nil {
			return err
		}
	}
	rate := float64(n) / elapsed.Seconds()
	ratio := rate / renderRate
	verdict := "ok"
	if ratio < target {
		verdict = "BELOW TARGET"
	}
	fmt.Printf("operator: %d scheduled runs succeeded in %.1fs: %.2f runs/s (in-process, concurrency %d, client QPS %.0f)\n",
		n, elapsed.Seconds(), rate, conc, qps)
	fmt.Printf("baseline: render only, same dataset and concurrency: %.2f reports/s\n", renderRate)
	// Wall-clock rates move with whatever else the machine runs; CPU time
	// per report does not, and shows where the cores went.
	opCPU := totalCPU(cpu0, cpu1)
	fmt.Printf("cpu: render only %.1f ms per report; operator %.1f ms per run in all processes (manager, kube-apiserver, etcd, MinIO); render share %.2f\n",
		ms(renderCPU)/float64(n), ms(opCPU)/float64(n), renderCPU.Seconds()/opCPU.Seconds())
	fmt.Printf("cores busy during the measured phase: %s\n", coreBusy(cores0, cores1))
	// Derived, not measured as a rate: where the API server and the object
	// store have machines of their own, the renderer's cores bound the
	// rate, and the ratio is render CPU per report over the manager's CPU
	// per run (render plus orchestration).
	perRender, perRun := ms(renderCPU)/float64(n), ms(selfUsed)/float64(n)
	fmt.Printf("manager: %.1f ms CPU per run, %.1f ms of it besides rendering; derived ratio with the servers elsewhere: %.2f\n",
		perRun, perRun-perRender, perRender/perRun)
	fmt.Printf("ratio: %.2f of the render-only rate (target >= %.2f) %s\n", ratio, target, verdict)
	return nil
}

func nsName(i int) string { return fmt.Sprintf("county-bench-%03d", i) }

// renderOnly renders the stored dataset n times, conc at a time, as a run
// does once it has the bytes (parse, then render: what `countyreport
// generate` does without storage), and returns reports per second.
func renderOnly(data []byte, n, conc int) (float64, error) {
	once := func() error {
		ds, err := dataset.Parse(data, "dataset.json")
		if err != nil {
			return err
		}
		_, err = report.Render(ds, report.Options{})
		return err
	}
	if err := once(); err != nil { // font loaded once, as in the manager
		return 0, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, conc)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := once(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// setupCounties makes n namespaces, each with a CountyReport, a bucket, its
// scoped credentials Secret and the period's dataset.
func setupCounties(ctx context.Context, k8s client.Client, srv *miniotest.Server, n int, data []byte) error {
	rootCfg := srv.RootConfig()
	admin, err := storage.New(rootCfg)
	if err != nil {
		return err
	}
	defer admin.Close()
	iss, err := storage.NewSTSIssuer(rootCfg)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- setupCounty(ctx, k8s, admin, iss, rootCfg, i, data)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func setupCounty(ctx context.Context, k8s client.Client, admin *storage.Client, iss *storage.STSIssuer, rootCfg storage.Config, i int, data []byte) error {
	ns := nsName(i)
	code := fmt.Sprintf("9%05d", i)
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{v1alpha1.LabelCounty: code}}}); err != nil {
		return err
	}
	cr := &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: "county", Namespace: ns},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{
			Code: code, Name: "测试县", EnglishName: "Bench County",
		}},
	}
	bucket := tenant.Bucket(cr)
	if err := admin.EnsureBucket(ctx, bucket, nil); err != nil {
		return err
	}
	creds, err := iss.Issue(ctx, bucket, 2*time.Hour)
	if err != nil {
		return err
	}
	scoped, err := storage.New(creds.Config(rootCfg))
	if err != nil {
		return err
	}
	defer scoped.Close()
	if _, err := scoped.Archive(bucket).PutDataset(ctx, period, data); err != nil {
		return err
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: ns, Labels: tenant.Labels(cr)},
		StringData: map[string]string{
			tenant.SecretAccessKey: creds.AccessKey, tenant.SecretSecretKey: creds.SecretKey,
			tenant.SecretSessionToken: creds.SessionToken, tenant.SecretEndpoint: rootCfg.Endpoint,
			tenant.SecretBucket: bucket, tenant.SecretInsecure: "true",
		},
	}
	if err := k8s.Create(ctx, sec); err != nil {
		return err
	}
	return k8s.Create(ctx, cr)
}

func waitFor(ctx context.Context, k8s client.Client, n int, timeout time.Duration, ok func(*v1alpha1.CountyReport) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		var list v1alpha1.CountyReportList
		if err := k8s.List(ctx, &list); err != nil {
			return err
		}
		good := 0
		for i := range list.Items {
			if ok(&list.Items[i]) {
				good++
			}
		}
		if good == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d after %s", good, n, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRuns waits until the manager has recorded n runs succeeded: its own
// countyreport_report_runs_total, counted once a run's Succeeded status is
// written. The bench watched the ReportRuns once; that watch cost the API
// server an encoding of every write of every run, the observer's overhead
// and not the orchestration's.
func waitRuns(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		succeeded, failed, err := runsRecorded()
		if err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("%d runs failed (and %d succeeded)", failed, succeeded)
		}
		if succeeded >= n {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%d of %d runs succeeded after %s", succeeded, n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runsRecorded reads how many runs the manager recorded finished, by
// result, from its run duration histogram: two series to read, where the
// runs counter has one per county and collecting it every poll cost the
// manager's core a noticeable share of a run.
func runsRecorded() (succeeded, failed int, err error) {
	count := func(result v1alpha1.RunPhase) (int, error) {
		var m dto.Metric
		h, ok := metrics.RunDuration.WithLabelValues(string(result)).(prometheus.Metric)
		if !ok {
			return 0, fmt.Errorf("countyreport_report_run_duration_seconds{result=%q} is not a metric", result)
		}
		if err := h.Write(&m); err != nil {
			return 0, err
		}
		return int(m.GetHistogram().GetSampleCount()), nil
	}
	if succeeded, err = count(v1alpha1.RunSucceeded); err != nil {
		return 0, 0, err
	}
	failed, err = count(v1alpha1.RunFailed)
	return succeeded, failed, err
}

// checkRuns confirms, after the measured phase, what the API server holds:
// every county's run for the period succeeded, with its artifacts.
func checkRuns(ctx context.Context, k8s client.Client, n int) error {
	var list v1alpha1.ReportRunList
	if err := k8s.List(ctx, &list); err != nil {
		return err
	}
	ok := 0
	for _, r := range list.Items {
		if r.Spec.Period == period && r.Status.Phase == v1alpha1.RunSucceeded && len(r.Status.Artifacts) == 3 {
			ok++
		}
	}
	if ok != n {
		return fmt.Errorf("the API server holds %d succeeded runs for %s with their artifacts, want %d", ok, period, n)
	}
	return nil
}
