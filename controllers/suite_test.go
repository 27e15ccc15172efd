package controllers

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
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
	writes    = &writeCounter{}
	fakeClock = clocktesting.NewFakeClock(time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC))
	testCtx   context.Context
	minio     *miniotest.Server
	admin     *AdminStorage
)

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
	_ = reportingv1.AddToScheme(scheme)
	k8s, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: client:", err)
		return 1
	}

	ctrl.SetLogger(zap.New(zap.UseDevMode(false), zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel), zap.StacktraceLevel(zapcore.DPanicLevel)))
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		NewClient: func(cfg *rest.Config, o client.Options) (client.Client, error) {
			c, err := client.New(cfg, o)
			if err != nil {
				return nil, err
			}
			return &countingClient{Client: c, n: writes}, nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: manager:", err)
		return 1
	}
	mgrClient = mgr.GetClient()
	opts := Options{
		PortalImage: "countyreport:test", Clock: fakeClock,
		StorageEndpoint: minio.Endpoint(), StorageInsecure: true, Storage: admin, CredentialsTTL: credentialsTTL,
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

// writeCounter counts the operator's write requests to the API server.
type writeCounter struct{ n atomic.Int64 }

func (w *writeCounter) add(verb string, o client.Object) {
	w.n.Add(1)
	if os.Getenv("COUNTYREPORT_TEST_LOG_WRITES") != "" {
		fmt.Fprintf(os.Stderr, "write: %s %T %s/%s\n", verb, o, o.GetNamespace(), o.GetName())
	}
}
func (w *writeCounter) load() int64 { return w.n.Load() }

// countingClient wraps the manager's client and counts every write it makes.
type countingClient struct {
	client.Client
	n *writeCounter
}

func (c *countingClient) Create(ctx context.Context, o client.Object, opts ...client.CreateOption) error {
	c.n.add("Create", o)
	return c.Client.Create(ctx, o, opts...)
}
func (c *countingClient) Update(ctx context.Context, o client.Object, opts ...client.UpdateOption) error {
	c.n.add("Update", o)
	return c.Client.Update(ctx, o, opts...)
}
func (c *countingClient) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.PatchOption) error {
	c.n.add("Patch", o)
	return c.Client.Patch(ctx, o, p, opts...)
}
func (c *countingClient) Delete(ctx context.Context, o client.Object, opts ...client.DeleteOption) error {
	c.n.add("Delete", o)
	return c.Client.Delete(ctx, o, opts...)
}
func (c *countingClient) DeleteAllOf(ctx context.Context, o client.Object, opts ...client.DeleteAllOfOption) error {
	c.n.add("DeleteAllOf", o)
	return c.Client.DeleteAllOf(ctx, o, opts...)
}
func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), n: c.n}
}

type countingStatus struct {
	client.SubResourceWriter
	n *writeCounter
}

func (s *countingStatus) Create(ctx context.Context, o client.Object, sub client.Object, opts ...client.SubResourceCreateOption) error {
	s.n.add("Create", o)
	return s.SubResourceWriter.Create(ctx, o, sub, opts...)
}
func (s *countingStatus) Update(ctx context.Context, o client.Object, opts ...client.SubResourceUpdateOption) error {
	s.n.add("Update", o)
	return s.SubResourceWriter.Update(ctx, o, opts...)
}
func (s *countingStatus) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
	s.n.add("Patch", o)
	return s.SubResourceWriter.Patch(ctx, o, p, opts...)
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
