package executor

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/transient"
)

// These fast tests drive InProcess's Start, Poll and Notify with an attempt
// that fails at once (its credentials name an endpoint where nothing
// listens); rendering from a real MinIO is tested in controllers/runs.

func quickFailing(t *testing.T, wait time.Duration) (*InProcess, *v1alpha1.ReportRun, *v1alpha1.CountyReport) {
	t.Helper()
	cr := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "hengshan"}}
	reader := fake.NewClientBuilder().WithObjects(credentialsSecret(cr, "127.0.0.1:1")).Build()
	p := NewInProcess(&Archives{Reader: reader}, 1)
	p.StartWait = wait
	return p, testRun(), cr
}

func testRun() *v1alpha1.ReportRun {
	return &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{Name: "hengshan-2023-01", Namespace: "hengshan", UID: "run-1"},
		Spec:       v1alpha1.ReportRunSpec{CountyReportName: "hengshan", Period: "2023-01"},
		Status:     v1alpha1.ReportRunStatus{Attempts: 1},
	}
}

// Without a credentials Secret the attempt fails before it begins; an API
// server that cannot answer for now is an error for the reconcile to retry,
// not a failed attempt.
func TestInProcessStartOpensTheArchiveFirst(t *testing.T) {
	cr := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "hengshan"}}
	missing := NewInProcess(&Archives{Reader: fake.NewClientBuilder().Build()}, 1)
	_, err := missing.Start(context.Background(), testRun(), cr)
	if f, ok := AsFailure(err); !ok || f.Reason != v1alpha1.RunReasonNoCredentials {
		t.Fatalf("Start without a Secret: %v; want a %s failure", err, v1alpha1.RunReasonNoCredentials)
	}
	busy := fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			return apierrors.NewServiceUnavailable("etcd leader election")
		},
	}).Build()
	_, err = NewInProcess(&Archives{Reader: busy}, 1).Start(context.Background(), testRun(), cr)
	if _, isFailure := AsFailure(err); err == nil || isFailure || !transient.Is(err) {
		t.Fatalf("Start on a busy API server: %v; want the API server's error, not a failed attempt", err)
	}
}

func TestInProcessStartReportsAQuickAttempt(t *testing.T) {
	p, run, cr := quickFailing(t, 0)
	res, err := p.Start(context.Background(), run, cr)
	if err != nil {
		t.Fatal(err)
	}
	if res.State != Failed || res.Failure == nil || res.Failure.Reason != v1alpha1.RunReasonStorageUnavailable {
		t.Fatalf("Start = %+v, want the attempt failed with %s", res, v1alpha1.RunReasonStorageUnavailable)
	}
	// Starting the same attempt again starts nothing and reports the same.
	again, err := p.Start(context.Background(), run, cr)
	if err != nil || again.State != Failed || again.Failure.Reason != res.Failure.Reason {
		t.Fatalf("second Start = %+v, %v; want the first attempt's result", again, err)
	}
	// Start reported it: nobody is notified of it as well.
	select {
	case ev := <-p.Notify():
		t.Fatalf("notified of %s, whose end Start reported", ev.Object.GetName())
	case <-time.After(100 * time.Millisecond):
	}
}

func TestInProcessStartLeavesALongAttemptRunning(t *testing.T) {
	p, run, cr := quickFailing(t, -1) // no wait: every attempt outlasts it
	res, err := p.Start(context.Background(), run, cr)
	if err != nil {
		t.Fatal(err)
	}
	if res.State != Running {
		t.Fatalf("Start = %+v, want Running", res)
	}
	select {
	case ev := <-p.Notify():
		if ev.Object.GetName() != run.Name {
			t.Fatalf("notified of %s, want %s", ev.Object.GetName(), run.Name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the attempt's end was not notified")
	}
	got, err := p.Poll(context.Background(), run, cr)
	if err != nil || got.State != Failed || got.Failure.Reason != v1alpha1.RunReasonStorageUnavailable {
		t.Fatalf("Poll = %+v, %v; want the attempt failed with %s", got, err, v1alpha1.RunReasonStorageUnavailable)
	}
}

func TestInProcessPipelineDepth(t *testing.T) {
	for _, tc := range []struct{ concurrency, want int }{{0, 1 + ioSlotsPerRender}, {1, 1 + ioSlotsPerRender}, {3, 3 * (1 + ioSlotsPerRender)}} {
		if got := NewInProcess(&Archives{}, tc.concurrency).PipelineDepth(); got != tc.want {
			t.Errorf("concurrency %d: PipelineDepth = %d, want %d", tc.concurrency, got, tc.want)
		}
	}
}
