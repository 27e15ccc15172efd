package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dev"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

func init() {
	register("dev", "the whole platform on this machine: control plane, MinIO, operator, portals", runDev)
}

// devOptions are `countyreport dev`'s flags.
type devOptions struct {
	root        string
	stateDir    string
	counties    string
	dataset     string
	reset       bool
	etcdPort    int
	peerPort    int
	apiPort     int
	minioPort   int
	mailPort    int
	mailAPIPort int
	mailAPI     string // set once the mail server runs
	portalPort  int
	timeout     time.Duration
	exitAfter   bool // print the table and stop (benchmarks)
}

func parseDevFlags(args []string) (*devOptions, error) {
	root, err := repo.Root()
	if err != nil {
		return nil, fmt.Errorf("run countyreport dev inside the repository (it uses bin/, config/ and .countyreport/): %w", err)
	}
	o := &devOptions{root: root}
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.StringVar(&o.stateDir, "state-dir", filepath.Join(root, ".countyreport"), "where the servers keep their data, keys and logs")
	fs.StringVar(&o.counties, "counties", filepath.Join(root, "config", "samples"), "a kustomization or a folder of manifests with the counties to apply")
	fs.StringVar(&o.dataset, "dataset", filepath.Join(root, "config", "samples", "datasets", "hengshan-2023-01.yaml"),
		"a dataset stored into its county's bucket and rendered at start; empty: none")
	fs.BoolVar(&o.reset, "reset", false, "remove the state directory first and start clean")
	fs.IntVar(&o.etcdPort, "etcd-port", 12379, "etcd's client port on 127.0.0.1")
	fs.IntVar(&o.peerPort, "etcd-peer-port", 12380, "etcd's peer port on 127.0.0.1 (TLS; it admits no peer: the cluster has one member)")
	fs.IntVar(&o.apiPort, "apiserver-port", 16443, "kube-apiserver's port on 127.0.0.1")
	fs.IntVar(&o.minioPort, "minio-port", 19000, "MinIO's S3 port on 127.0.0.1")
	fs.IntVar(&o.mailPort, "mail-port", 11025, "the local mail server's SMTP port on 127.0.0.1 (mailpit; the samples send to it)")
	fs.IntVar(&o.mailAPIPort, "mail-api-port", 18025, "the local mail server's HTTP API port on 127.0.0.1 (/api/v1/messages)")
	fs.IntVar(&o.portalPort, "portal-port", 18080, "the first portal's port on 127.0.0.1; each county gets the next free one, kept across restarts")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "longest wait for the counties to be Ready and the first report to be rendered")
	fs.BoolVar(&o.exitAfter, "exit-after-table", false, "stop everything once the table is printed (for benchmarks)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, p := range []struct {
		flag string
		v    int
	}{{"--etcd-port", o.etcdPort}, {"--etcd-peer-port", o.peerPort}, {"--apiserver-port", o.apiPort}, {"--minio-port", o.minioPort}, {"--portal-port", o.portalPort},
		{"--mail-port", o.mailPort}, {"--mail-api-port", o.mailAPIPort}} {
		if p.v < 1024 || p.v > 65535 {
			return nil, fmt.Errorf("%s %d: want a port from 1024 to 65535", p.flag, p.v)
		}
	}
	return o, nil
}

// progress prints what is happening as it happens, with the time since start.
type progress struct {
	w     io.Writer
	start time.Time
}

func (p *progress) say(format string, args ...any) {
	fmt.Fprintf(p.w, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

func runDev(ctx context.Context, args []string) error {
	o, err := parseDevFlags(args)
	if err != nil {
		return err
	}
	p := &progress{w: os.Stdout, start: time.Now()}
	srv := &dev.Servers{
		StateDir: o.stateDir, K8sBin: filepath.Join(o.root, "bin", "k8s"), MinIOBin: filepath.Join(o.root, "bin", "minio"),
		EtcdPort: o.etcdPort, EtcdPeerPort: o.peerPort, APIPort: o.apiPort, MinIOPort: o.minioPort,
	}
	if err := srv.CheckTools(); err != nil {
		return err
	}
	unlock, resumed, err := prepareState(o, p)
	if err != nil {
		return err
	}
	defer unlock()
	if err := srv.CheckPorts(); err != nil {
		return err
	}
	// Whatever happens from here, nothing is left running.
	defer func() {
		srv.Group.Stop()
		p.say("servers stopped; state kept in %s (--reset starts clean)", rel(o.root, o.stateDir))
	}()
	stopMail, err := startMail(o, p)
	if err != nil {
		return err
	}
	defer stopMail()
	pl, err := startServers(ctx, srv, p)
	if err != nil && ctx.Err() != nil {
		p.say("interrupted")
		return nil
	} else if err != nil {
		return err
	}
	pl.opts, pl.progress, pl.resumed = o, p, resumed
	err = pl.run(ctx)
	if err != nil && ctx.Err() != nil { // Ctrl-C while starting: not a failure
		p.say("interrupted")
		return nil
	}
	return err
}

// prepareState makes (or with --reset, remakes) the state directory and
// takes its lock, so that two `countyreport dev` never share it.
func prepareState(o *devOptions, p *progress) (unlock func(), resumed bool, err error) {
	if o.reset {
		if err := removeState(o.stateDir); err != nil {
			return nil, false, err
		}
	}
	_, statErr := os.Stat(filepath.Join(o.stateDir, "etcd"))
	resumed = statErr == nil
	if err := os.MkdirAll(o.stateDir, 0o700); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(filepath.Join(o.stateDir, ".gitignore"), []byte("*\n"), 0o600); err != nil {
		return nil, false, err
	}
	lock, err := os.OpenFile(filepath.Join(o.stateDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(lock.Name())
		lock.Close()
		return nil, false, fmt.Errorf("another countyreport dev (pid %s) is using %s: stop it first, or pass --state-dir",
			strings.TrimSpace(string(pid)), o.stateDir)
	}
	_ = lock.Truncate(0)
	_, _ = lock.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	if resumed {
		p.say("resuming from %s (--reset starts clean)", rel(o.root, o.stateDir))
	} else {
		p.say("new platform state in %s", rel(o.root, o.stateDir))
	}
	return func() { lock.Close() }, resumed, nil
}

// removeState deletes a state directory, refusing one that does not look
// like ours (so a mistyped --state-dir cannot wipe a home directory).
func removeState(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "lock")); err != nil {
		return fmt.Errorf("--reset: %s has no lock file, so it is not a countyreport dev state directory; not removing it", dir)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("--reset: another countyreport dev is using %s: stop it first", dir)
	}
	return os.RemoveAll(dir)
}

// platform is what runs once the servers are up.
type platform struct {
	opts     *devOptions
	progress *progress
	resumed  bool
	srv      *dev.Servers
	cfg      *rest.Config
	admin    storage.Config
	c        client.Client
	runtime  *dev.Runtime
}

// startServers starts etcd and MinIO side by side, then kube-apiserver.
func startServers(ctx context.Context, srv *dev.Servers, p *progress) (*platform, error) {
	pki, err := dev.EnsurePKI(filepath.Join(srv.StateDir, "pki"))
	if err != nil {
		return nil, err
	}
	p.say("starting etcd on 127.0.0.1:%d and MinIO on 127.0.0.1:%d", srv.EtcdPort, srv.MinIOPort)
	type minioResult struct {
		cfg storage.Config
		err error
	}
	minioc := make(chan minioResult, 1)
	go func() {
		cfg, err := srv.StartMinIO(ctx)
		minioc <- minioResult{cfg, err}
	}()
	etcdErr := srv.StartEtcd(ctx, pki)
	m := <-minioc
	if err := errors.Join(etcdErr, m.err); err != nil {
		return nil, err
	}
	p.say("etcd and MinIO ready; starting kube-apiserver on 127.0.0.1:%d", srv.APIPort)
	cfg, err := srv.StartAPIServer(ctx, pki)
	if err != nil {
		return nil, err
	}
	p.say("kube-apiserver ready; kubeconfig: %s", srv.Kubeconfig())
	c, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return nil, err
	}
	return &platform{srv: srv, cfg: cfg, admin: m.cfg, c: c}, nil
}

func (pl *platform) run(ctx context.Context) error {
	o, p := pl.opts, pl.progress
	if err := pl.installCRDs(ctx); err != nil {
		return err
	}
	p.say("CRDs installed")
	n, err := pl.applyCounties(ctx)
	if err != nil {
		return err
	}
	p.say("applied %s: %d CountyReports", rel(o.root, o.counties), n)

	if err := dev.MarkNotRunning(ctx, pl.c); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	stopOperator, err := pl.startOperator(ctx, errc)
	if err != nil {
		return err
	}
	defer stopOperator()
	stopRuntime, err := pl.startRuntime(ctx, errc)
	if err != nil {
		return err
	}
	defer stopRuntime()
	p.say("operator running in process (in-process executor; log: %s)", rel(o.root, pl.srv.LogFile("manager")))

	failed := pl.srv.Group.Exited()
	watch := func(wait func(context.Context) error) error {
		wctx, wcancel := context.WithTimeout(ctx, o.timeout)
		defer wcancel()
		done := make(chan error, 1)
		go func() { done <- wait(wctx) }()
		select {
		case err := <-done:
			return err
		case err := <-errc:
			return err
		case proc := <-failed:
			return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", proc.Name, proc.Err(), proc.LogFile, proc.Tail(20))
		}
	}
	if err := watch(pl.waitReady); err != nil {
		return err
	}
	if o.dataset != "" {
		if err := watch(pl.firstReport); err != nil {
			return err
		}
		if err := watch(pl.sampleDatasets); err != nil {
			return err
		}
		if err := watch(pl.cityReports); err != nil {
			return err
		}
	}
	if err := pl.printTable(ctx, os.Stdout); err != nil {
		return err
	}
	if o.exitAfter {
		return nil
	}
	p.say("running; Ctrl-C stops everything")
	select {
	case <-ctx.Done():
		fmt.Println()
		p.say("stopping")
		return nil
	case err := <-errc:
		return err
	case proc := <-failed:
		return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", proc.Name, proc.Err(), proc.LogFile, proc.Tail(20))
	}
}

// startOperator runs `countyreport manager` in this process against the
// local control plane and MinIO, with the in-process executor. Its log goes
// to a file so that the progress stays readable.
func (pl *platform) startOperator(ctx context.Context, errc chan<- error) (stop func(), err error) {
	logFile, err := os.OpenFile(pl.srv.LogFile("manager"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	args := []string{
		"--kubeconfig=" + pl.srv.Kubeconfig(),
		"--executor=inprocess", "--leader-elect=false",
		"--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--storage-endpoint=" + pl.admin.Endpoint, "--storage-insecure",
		"--storage-access-key=" + pl.admin.AccessKey, "--storage-secret-key=" + pl.admin.SecretKey,
		"--portal-image=countyreport:dev",
		// No operator namespace on a laptop: the signing CA's Secret goes to default.
		"--signing-ca-namespace=default",
		// The local platform's mail server and test receivers are on loopback.
		"--notify-allow-private-targets", "--notify-interval=3s",
	}
	// The manager's log, and client-go's, go to a file so that the progress
	// stays readable.
	managerLogOutput = logFile
	klog.LogToStderr(false)
	klog.SetOutput(logFile)
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := runManager(mctx, args); err != nil && mctx.Err() == nil {
			errc <- fmt.Errorf("operator: %w (log: %s)", err, pl.srv.LogFile("manager"))
		}
	}()
	return func() { cancel(); <-done; logFile.Close() }, nil
}

// startRuntime runs the local workload runtime: the portal Deployments as
// in-process portals.
func (pl *platform) startRuntime(ctx context.Context, errc chan<- error) (stop func(), err error) {
	mgr, err := ctrl.NewManager(pl.cfg, ctrl.Options{
		Scheme:                 newScheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, err
	}
	ports, err := dev.OpenPortBook(filepath.Join(pl.opts.stateDir, "portal-ports.json"), pl.opts.portalPort, "--portal-port")
	if err != nil {
		return nil, err
	}
	// Counties in code order get ports in that order the first time; the
	// book keeps them after that.
	var list v1alpha1.CountyReportList
	if err := pl.c.List(ctx, &list); err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Spec.County.Code < list.Items[j].Spec.County.Code })
	for i := range list.Items {
		if _, err := ports.Port(list.Items[i].Namespace + "/" + tenant.Name(&list.Items[i])); err != nil {
			return nil, err
		}
	}
	// Then the cities' portals, in code order.
	var cities v1alpha1.CityReportList
	if err := pl.c.List(ctx, &cities); err != nil {
		return nil, err
	}
	sort.Slice(cities.Items, func(i, j int) bool { return cities.Items[i].Spec.City.Code < cities.Items[j].Spec.City.Code })
	for i := range cities.Items {
		c := &cities.Items[i]
		if _, err := ports.Port(tenant.CityNamespace(c) + "/" + tenant.CityPortalName(c)); err != nil {
			return nil, err
		}
	}
	var eventsMu sync.Mutex
	lastEvent := map[types.NamespacedName]string{}
	portalLog, err := os.OpenFile(pl.srv.LogFile("portals"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	pl.runtime = &dev.Runtime{
		Client: mgr.GetClient(), Admin: pl.cfg, Dir: filepath.Join(pl.opts.stateDir, "portals"), Ports: ports,
		Logger: slog.New(slog.NewJSONHandler(portalLog, nil)),
		Event: func(key types.NamespacedName, what, url string, err error) {
			msg := fmt.Sprintf("portal %s %s: %s", key, what, url)
			if err != nil {
				msg = fmt.Sprintf("portal %s: %v", key, err)
			}
			// A portal that cannot start is retried every few seconds: say
			// so once, and again only when the reason changes.
			eventsMu.Lock()
			defer eventsMu.Unlock()
			if err != nil && lastEvent[key] == msg {
				return
			}
			lastEvent[key] = msg
			pl.progress.say("%s", msg)
		},
	}
	if err := pl.runtime.SetupWithManager(rctx, mgr); err != nil {
		cancel()
		return nil, err
	}
	// No controller-manager runs here: the collector deletes what a deleted
	// owner leaves (a CountyReport's portal among it) and finalizes deleted
	// namespaces, as a cluster's garbage collector and namespace controller do.
	gc := &dev.Collector{Config: pl.cfg, Logger: slog.New(slog.NewJSONHandler(portalLog, nil)).With("component", "garbage-collector")}
	if err := mgr.Add(gc); err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(rctx); err != nil && rctx.Err() == nil {
			errc <- fmt.Errorf("portal runtime: %w", err)
		}
	}()
	return func() { cancel(); <-done; pl.runtime.Wait(); portalLog.Close() }, nil
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
