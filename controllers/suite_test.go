package controllers

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/testenv"

	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// The suite runs one real control plane and one manager for every test in
// this package. Tests use distinct namespaces and county codes.
var (
	env       *testenv.Env
	k8s       client.Client // the tests' own client, not counted
	mgrClient client.Client // the manager's cached client, for reconcilers tests call directly
	writes    = &testenv.WriteCounter{}
	fakeClock = clocktesting.NewFakeClock(time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC))
	testCtx   context.Context
	minio     *miniotest.Server
	admin     *AdminStorage
)

// suiteHostPatterns are the hosts the suite's counties may claim: any
// *.example.org (first claim keeps it), and <namespace>.hosts.test, a
// host only the county of that namespace can claim.
var suiteHostPatterns = []string{"*.example.org", "{namespace}.hosts.test"}

// credentialsTTL is short in tests so rotation is easy to reach.
const credentialsTTL = time.Hour

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: controllers suite:", err)
		return 1
	}
	defer env.Stop()

	dir, err := os.MkdirTemp("", "countyreport-controllers-minio-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if minio, err = miniotest.StartServer(dir); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: controllers suite:", err)
		return 1
	}
	defer minio.Close()
	if admin, err = NewAdminStorage(minio.RootConfig()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: storage:", err)
		return 1
	}

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	k8s, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: client:", err)
		return 1
	}

	if os.Getenv("COUNTYREPORT_TEST_LOG_WRITES") != "" {
		writes.OnWrite = func(verb string, o client.Object) {
			fmt.Fprintf(os.Stderr, "write: %s %T %s/%s\n", verb, o, o.GetNamespace(), o.GetName())
		}
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(false), zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel), zap.StacktraceLevel(zapcore.DPanicLevel)))
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:    scheme,
		Cache:     CacheOptions(nil, false), // the manager's: owned kinds filtered by label
		Metrics:   metricsserver.Options{BindAddress: "0"},
		NewClient: writes.NewClientFunc(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: manager:", err)
		return 1
	}
	mgrClient = mgr.GetClient()
	opts := Options{
		PortalImage: "countyreport:test", Clock: fakeClock,
		StorageEndpoint: minio.Endpoint(), StorageInsecure: true, Storage: admin, CredentialsTTL: credentialsTTL,
		HostPatterns: suiteHostPatterns,
	}
	if err := Setup(mgr, opts); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: setup:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	testCtx = ctx
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	<-done
	return code
}

// reconcileCount reads controller-runtime's reconcile counter for a controller.
func reconcileCount(t *testing.T, controller string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelValue(m, "controller") == controller {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
