package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/notifier"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/version"
)

func init() {
	register("manager", "run the operator (controller manager)", runManager)
}

// managerOptions are the manager's flags.
type managerOptions struct {
	metricsAddr     string
	metricsSecure   bool
	metricsCertDir  string
	probeAddr       string
	leaderElect     bool
	leaderElectNS   string
	portalImage     string
	watchNamespaces string
	cacheFilter     bool
	storage         storage.Config
	credentialsTTL  time.Duration
	storageTimeout  time.Duration
	executor        string
	runConcurrency  int
	runMaxAttempts  int
	runRetryBackoff time.Duration
	jobBackoffLimit int
	jobDeadline     time.Duration
	jobTTL          time.Duration
	countyHosts     string
	zap             zap.Options
	qps             float64
	burst           int
	trustedProxies  []string
	// portalAPIServerPorts and portalAPIServerCIDRs: manager_portal_egress.go.
	portalAPIServerPorts []int32
	portalAPIServerCIDRs []string
	signingCA            signing.CASource
	notifyPrivate        bool
	notifyInterval       time.Duration
}

func parseManagerFlags(args []string) (*managerOptions, error) {
	o := &managerOptions{}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "address of the Prometheus metrics endpoint; 0 turns it off")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true,
		"serve metrics over HTTPS to callers the API server authenticates and allows get on /metrics; false: plain HTTP to anyone (local development only)")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "directory with tls.crt and tls.key for the metrics endpoint; empty: a self-signed certificate")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader so that only one manager reconciles at a time")
	fs.StringVar(&o.leaderElectNS, "leader-election-namespace", "", "namespace of the leader election Lease (default: the pod's namespace)")
	fs.StringVar(&o.portalImage, "portal-image", envOr("COUNTYREPORT_PORTAL_IMAGE", "ghcr.io/countyreport/countyreport:"+version.Version),
		"image of the county portals (env COUNTYREPORT_PORTAL_IMAGE)")
	fs.StringVar(&o.watchNamespaces, "watch-namespaces", "", "comma-separated namespaces to watch; empty watches all")
	fs.StringVar(&o.countyHosts, "county-hosts", "",
		"comma-separated Ingress hosts a county may claim; {code}, {namespace}, {name} stand for the county's, a leading *. for one DNS label; empty: any host, first claim keeps it")
	fs.BoolVar(&o.cacheFilter, "cache-label-filter", true,
		"cache only the objects labelled app.kubernetes.io/managed-by=countyreport; false only to measure what that saves")
	// Storage settings: the admin credentials, which only the manager holds
	// (in a cluster, from a Secret through the environment).
	var err error
	if o.storage, err = storage.ConfigFromEnv(); err != nil {
		return nil, err
	}
	o.storage.RegisterFlags(fs)
	fs.DurationVar(&o.credentialsTTL, "credentials-ttl", controllers.DefaultCredentialsTTL,
		"lifetime of each county's scoped storage credentials; they are rotated after two thirds of it")
	fs.DurationVar(&o.storageTimeout, "storage-timeout", controllers.DefaultStorageTimeout,
		"longest wait for one storage call of a reconcile; an endpoint slower than this is reported as StorageUnavailable")
	fs.StringVar(&o.executor, "executor", controllers.ExecutorJob,
		"how ReportRuns are rendered: job (a Job per attempt in the county's namespace) or inprocess (inside the manager)")
	fs.IntVar(&o.runConcurrency, "run-concurrency", 2, "reports rendered at once by the inprocess executor")
	fs.IntVar(&o.runMaxAttempts, "run-max-attempts", controllers.DefaultMaxAttempts, "attempts of one ReportRun before it fails")
	fs.DurationVar(&o.runRetryBackoff, "run-retry-backoff", controllers.DefaultRetryBackoff,
		"wait after a ReportRun's first failed attempt; it doubles with each further one, up to 30 minutes")
	fs.IntVar(&o.jobBackoffLimit, "job-backoff-limit", 2, "pod retries within one attempt's Job (the job executor)")
	fs.DurationVar(&o.jobDeadline, "job-active-deadline", 30*time.Minute, "longest an attempt's Job may run (the job executor)")
	fs.DurationVar(&o.jobTTL, "job-ttl-after-finished", 24*time.Hour, "how long a finished Job is kept before the cluster removes it (the job executor)")
	fs.Float64Var(&o.qps, "kube-api-qps", 50, "requests per second to the Kubernetes API")
	fs.IntVar(&o.burst, "kube-api-burst", 100, "burst of requests to the Kubernetes API")
	fs.Func("trusted-proxies", "comma-separated CIDRs of the proxies in front of the portals (the Ingress controller's pods); "+
		"the portals read the client address from X-Forwarded-For only when a request comes from one of them. Empty: never", func(v string) error {
		list := splitList(v)
		if len(list) > portal.MaxTrustedProxies {
			return fmt.Errorf("--trusted-proxies: %d entries, more than the %d allowed", len(list), portal.MaxTrustedProxies)
		}
		for _, p := range list {
			if _, err := auth.ParseProxy(p); err != nil {
				return fmt.Errorf("--trusted-proxies: %w", err)
			}
		}
		o.trustedProxies = list
		return nil
	})
	registerPortalEgressFlags(fs, o)
	fs.StringVar(&o.signingCA.Namespace, "signing-ca-namespace", "",
		"namespace of the installation CA's Secret (default: the leader election namespace, else the pod's, else countyreport-system)")
	fs.StringVar(&o.signingCA.Name, "signing-ca-secret", signing.DefaultCASecret,
		"Secret (tls.crt, tls.key, ca.crt) of the installation CA that issues the tenants' signing certificates")
	fs.BoolVar(&o.signingCA.Supplied, "signing-ca-supplied", false,
		"the administrator supplies the CA Secret (e.g. from cert-manager): never make one, fail to start without it")
	fs.BoolVar(&o.notifyPrivate, "notify-allow-private-targets", false,
		"let notification channels reach plain http, loopback and cluster-internal addresses (tests and the local platform only)")
	fs.DurationVar(&o.notifyInterval, "notify-interval", notifier.DefaultInterval, "time between notification passes")
	o.zap.BindFlags(fs)
	ctrlconfig.RegisterFlags(fs) // --kubeconfig, else $KUBECONFIG, else in-cluster
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.executor != controllers.ExecutorJob && o.executor != controllers.ExecutorInProcess {
		return nil, fmt.Errorf("--executor %q: want %s or %s", o.executor, controllers.ExecutorJob, controllers.ExecutorInProcess)
	}
	if o.runConcurrency < 1 {
		return nil, fmt.Errorf("--run-concurrency must be at least 1")
	}
	if o.runMaxAttempts < 1 || o.runMaxAttempts > 100 {
		return nil, fmt.Errorf("--run-max-attempts must be 1 to 100, not %d", o.runMaxAttempts)
	}
	if o.runRetryBackoff < time.Second {
		return nil, fmt.Errorf("--run-retry-backoff must be at least 1s, not %s", o.runRetryBackoff)
	}
	if o.jobBackoffLimit < 0 || o.jobBackoffLimit > 10 {
		return nil, fmt.Errorf("--job-backoff-limit must be 0 to 10, not %d", o.jobBackoffLimit)
	}
	if o.jobDeadline < time.Minute {
		return nil, fmt.Errorf("--job-active-deadline must be at least 1m, not %s", o.jobDeadline)
	}
	if o.jobTTL < 0 {
		return nil, fmt.Errorf("--job-ttl-after-finished must not be negative, not %s", o.jobTTL)
	}
	for _, p := range splitList(o.countyHosts) {
		if err := controllers.CheckHostPattern(p); err != nil {
			return nil, fmt.Errorf("--county-hosts: %w", err)
		}
	}
	if o.notifyInterval < time.Second {
		return nil, fmt.Errorf("--notify-interval must be at least 1s, not %s", o.notifyInterval)
	}
	if o.storageTimeout < time.Second {
		return nil, fmt.Errorf("--storage-timeout must be at least 1s, not %s", o.storageTimeout)
	}
	if o.storage.Endpoint != "" {
		if err := o.storage.Validate(); err != nil {
			return nil, err
		}
	}
	if o.portalImage == "" {
		return nil, fmt.Errorf("--portal-image must not be empty")
	}
	if o.signingCA.Name == "" {
		return nil, fmt.Errorf("--signing-ca-secret must not be empty")
	}
	if o.signingCA.Namespace == "" {
		o.signingCA.Namespace = operatorNamespace(o.leaderElectNS)
	}
	return o, nil
}

// metricsOptions serve /metrics as kubebuilder projects do: over HTTPS, to
// a caller whose token the API server accepts (TokenReview) and who may get
// /metrics (SubjectAccessReview: the metrics-reader ClusterRole). HTTP/2 is
// off (its rapid-reset and stream attacks need no authentication).
func metricsOptions(o *managerOptions) metricsserver.Options {
	m := metricsserver.Options{BindAddress: o.metricsAddr}
	if !o.metricsSecure {
		return m
	}
	m.SecureServing = true
	m.FilterProvider = filters.WithAuthenticationAndAuthorization
	m.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	if o.metricsCertDir != "" {
		m.CertDir, m.CertName, m.KeyName = o.metricsCertDir, "tls.crt", "tls.key"
	}
	return m
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Scheme knows the built-in kinds and the reporting API.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}

// managerLogOutput, when set, receives the manager's log instead of stderr
// (countyreport dev, which runs the manager in process, sets its log file).
var managerLogOutput io.Writer

func runManager(ctx context.Context, args []string) error {
	o, err := parseManagerFlags(args)
	if err != nil {
		return err
	}
	o.zap.Development = false
	if managerLogOutput != nil {
		o.zap.DestWriter = managerLogOutput
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("manager")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cluster access (--kubeconfig or KUBECONFIG outside a cluster): %w", err)
	}
	cfg.QPS, cfg.Burst = float32(o.qps), o.burst
	scheme := newScheme()
	cacheOpts := controllers.CacheOptions(splitList(o.watchNamespaces), !o.cacheFilter)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsOptions(o),
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "countyreport-manager.reporting.countyreport.io",
		LeaderElectionNamespace: o.leaderElectNS,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	copts := controllers.Options{
		PortalImage:          o.portalImage,
		StorageEndpoint:      o.storage.Endpoint,
		StorageInsecure:      o.storage.Insecure,
		StorageCABundle:      o.storage.CABundle,
		StorageTimeout:       o.storageTimeout,
		CredentialsTTL:       o.credentialsTTL,
		Executor:             o.executor,
		RunConcurrency:       o.runConcurrency,
		RunMaxAttempts:       int32(o.runMaxAttempts),
		RunRetryBackoff:      o.runRetryBackoff,
		TrustedProxies:       o.trustedProxies,
		PortalAPIServerPorts: o.portalAPIServerPorts,
		PortalAPIServerCIDRs: o.portalAPIServerCIDRs,
		HostPatterns:         splitList(o.countyHosts),
		Job: executor.JobOptions{
			BackoffLimit:            ptr.To(int32(o.jobBackoffLimit)),
			ActiveDeadlineSeconds:   ptr.To(int64(o.jobDeadline / time.Second)),
			TTLSecondsAfterFinished: ptr.To(int32(o.jobTTL / time.Second)),
		},
	}
	if o.storage.Endpoint != "" {
		admin, err := controllers.NewAdminStorage(o.storage)
		if err != nil {
			return err
		}
		copts.Storage = admin
	} else {
		log.Info("no storage endpoint: portals are provisioned, buckets and reports are not (set --storage-endpoint)")
	}
	// The installation CA, made on the first start (or the administrator's),
	// read before the manager's cache starts.
	direct, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if copts.Signing, err = signing.LoadAuthority(ctx, direct, o.signingCA, time.Now()); err != nil {
		return err
	}
	log.Info("signing CA", "secret", o.signingCA.Namespace+"/"+o.signingCA.Name, "subject", copts.Signing.CA.Cert.Subject.String(),
		"sha256", signing.Fingerprint(copts.Signing.Root()))
	if err := controllers.Setup(mgr, copts); err != nil {
		return err
	}
	if copts.Storage != nil {
		if err := addNotifier(mgr, copts.Storage.(*controllers.AdminStorage), o); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting manager", "version", version.Version, "watchNamespaces", o.watchNamespaces, "portalImage", o.portalImage)
	return mgr.Start(ctx)
}

// operatorNamespace is where the operator keeps its own Secrets: the
// leader election namespace, else the pod's own, else countyreport-system.
func operatorNamespace(leaderElectNS string) string {
	if leaderElectNS != "" {
		return leaderElectNS
	}
	if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b))
	}
	return "countyreport-system"
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// addNotifier runs the notification loop on the leader (internal/notifier).
func addNotifier(mgr ctrl.Manager, admin *controllers.AdminStorage, o *managerOptions) error {
	host, _ := os.Hostname()
	return mgr.Add(&notifier.Notifier{
		Client:   mgr.GetClient(),
		Reader:   mgr.GetAPIReader(),
		Storage:  admin.Client,
		Policy:   notify.TargetPolicy{AllowPrivate: o.notifyPrivate},
		Interval: o.notifyInterval,
		Sender: &notify.Sender{Owner: host + "/" + strconv.Itoa(os.Getpid()), Limits: notify.NewLimiters(),
			Final: notify.NewSeen()},
		Enqueued:       notify.NewSeen(),
		CredentialsTTL: o.credentialsTTL,
		Log:            ctrl.Log.WithName("notifier"),
	})
}
