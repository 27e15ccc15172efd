// Package runs holds the envtest suite of the ReportRun reconciler, the
// schedule step of the CountyReport reconciler and the executors, against a
// real control plane and a real MinIO. It is apart from the controllers
// package's suite because that suite runs one shared manager whose fake clock
// is fixed at 2026-10-15 and which reconciles every namespace: here each test
// gets its own namespace, its own manager limited to that namespace, its own
// clock, and calls the reconcilers directly where the clock matters.
package runs

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

var (
	env    *testenv.Env
	k8s    client.WithWatch
	scheme = runtime.NewScheme()
	minio  *miniotest.Server
	ctx    = context.Background()
)

const wait = 60 * time.Second

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: runs suite:", err)
		return 1
	}
	defer env.Stop()
	if minio, err = miniotest.StartServer(""); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: runs suite: MinIO (run `make tools`):", err)
		return 1
	}
	defer minio.Close()
	if k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: client:", err)
		return 1
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	return m.Run()
}

// namespace makes a fresh namespace for t.
func namespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// harness is one test's manager (limited to its namespace), its reconcilers and clock.
type harness struct {
	ns     string
	mgr    ctrl.Manager
	county *controllers.CountyReportReconciler
	runs   *controllers.ReportRunReconciler
	// created puts the CountyReports a client reads in the clock's frame
	// (see harnessOptions.created): testenv.Created(c, h.created).
	created func(metav1.Object) time.Time
}

type harnessOptions struct {
	clock clock.PassiveClock // the CountyReport reconciler's; the ReportRun reconciler uses the real clock
	// created is when, on clock, the CountyReports were created: the API
	// server stamps the real time, which a fake clock is not. Zero: a year
	// before the clock's time, so every instant the tests set is after it.
	created  time.Time
	executor func(mgr ctrl.Manager) executor.Executor
	// maxAttempts of a run (default 4; retries wait 0.5 s, 1 s, 2 s...).
	maxAttempts int32
	// noRunController leaves the ReportRun reconciler out (schedule tests watch runs stay Pending).
	noRunController bool
}

func startHarness(t *testing.T, ns string, o harnessOptions) *harness {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:     scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Cache:      cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatalf("manager: %v", err)
	}
	h := &harness{ns: ns, mgr: mgr}
	if o.clock != nil {
		// Tests call this reconciler themselves, at the instants they set the
		// clock to; no controller in the manager races them. It reads objects
		// from the API server, so a reconcile right after another never finds
		// the cache behind what that one created, and lists from the manager's
		// cache (with its index), which the tests sync first (syncCache).
		live, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme})
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		cached := mgr.GetClient()
		created := o.created
		if created.IsZero() {
			created = o.clock.Now().AddDate(-1, 0, 0)
		}
		h.created = func(o metav1.Object) time.Time {
			if _, county := o.(*v1alpha1.CountyReport); county {
				return created
			}
			return o.GetCreationTimestamp().Time
		}
		reads := testenv.Created(interceptor.NewClient(live, interceptor.Funcs{
			List: func(ctx context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
				return cached.List(ctx, list, opts...)
			},
		}), h.created)
		h.county = &controllers.CountyReportReconciler{
			TenantReconciler: controllers.TenantReconciler{Client: reads, Scheme: scheme, Clock: o.clock, PortalImage: "countyreport:test", Recorder: mgr.GetEventRecorder("countyreport-test")},
		}
		if err := controllers.IndexCountyCodes(mgr.GetFieldIndexer()); err != nil {
			t.Fatalf("index: %v", err)
		}
	}
	if !o.noRunController {
		ex := o.executor
		if ex == nil {
			ex = func(mgr ctrl.Manager) executor.Executor { return jobExecutor(mgr) }
		}
		h.runs = &controllers.ReportRunReconciler{
			Client: mgr.GetClient(), Scheme: scheme, Clock: clock.RealClock{}, Executor: ex(mgr),
			Recorder:    mgr.GetEventRecorder("countyreport-test"),
			MaxAttempts: max(o.maxAttempts, 4), RetryBackoff: 500 * time.Millisecond,
			// A run naming a missing county fails two seconds after its creation.
			APIReader: mgr.GetAPIReader(), CountyGrace: 2 * time.Second,
		}
		if err := h.runs.SetupWithManager(mgr); err != nil {
			t.Fatalf("setup ReportRun reconciler: %v", err)
		}
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		t.Fatal("cache did not sync")
	}
	return h
}

func jobExecutor(mgr ctrl.Manager) *executor.Job {
	return &executor.Job{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scheme: scheme,
		Archives: &executor.Archives{Reader: mgr.GetAPIReader()},
		Options:  executor.JobOptions{Image: "countyreport:test"}}
}

// newCounty is a valid CountyReport named name in ns.
func newCounty(ns, name, code string) *v1alpha1.CountyReport {
	return &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{
			Code: code, Name: "衡山县", EnglishName: "Hengshan County", City: "衡阳市",
		}},
	}
}

// create creates objs. A CountyReport's namespace is first given its code
// (the cluster administrator's label), unless it was given one already.
func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if cr, ok := o.(*v1alpha1.CountyReport); ok {
			grant(t, cr.Namespace, cr.Spec.County.Code)
		}
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
}

// storageFor makes the county's bucket on srv and its scoped credentials
// Secret (as the CountyReport's storage step would), and returns the county's
// archive opened with the same scoped credentials.
func storageFor(t *testing.T, srv *miniotest.Server, cr *v1alpha1.CountyReport) *storage.Archive {
	t.Helper()
	root := srv.RootConfig()
	admin, err := storage.New(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	bucket := tenant.Bucket(cr)
	if err := admin.EnsureBucket(ctx, bucket, nil); err != nil {
		t.Fatalf("bucket: %v", err)
	}
	iss, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := iss.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatalf("scoped credentials: %v", err)
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: cr.Namespace},
		StringData: map[string]string{
			tenant.SecretAccessKey: creds.AccessKey, tenant.SecretSecretKey: creds.SecretKey,
			tenant.SecretSessionToken: creds.SessionToken, tenant.SecretEndpoint: root.Endpoint,
			tenant.SecretBucket: bucket, tenant.SecretInsecure: "true",
		},
	}
	create(t, sec)
	scoped, err := storage.New(creds.Config(root))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(scoped.Close)
	return scoped.Archive(bucket)
}

// grant labels namespace ns with county code, as a cluster administrator
// onboarding a county does; a namespace given a code keeps it.
func grant(t *testing.T, ns, code string) {
	t.Helper()
	var n corev1.Namespace
	if err := k8s.Get(ctx, client.ObjectKey{Name: ns}, &n); err != nil {
		t.Fatalf("read namespace %s: %v", ns, err)
	}
	if n.Labels[v1alpha1.LabelCounty] != "" {
		return
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	n.Labels[v1alpha1.LabelCounty] = code
	if err := k8s.Update(ctx, &n); err != nil {
		t.Fatalf("label namespace %s: %v", ns, err)
	}
}
