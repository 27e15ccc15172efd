// Command operator measures the operator against a real control plane
// (bin/k8s from `make tools`): N synthetic CountyReports are created, their
// Deployments reported available (there is no kubelet), and it prints the
// time until all are Ready, the writes per county to converge and the writes
// in a following quiet period. The baseline is the same number of plain
// writes sent straight to the same API server with the same concurrency, so
// the ratio is the operator's own overhead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap/zapcore"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/controllers"
	"github.com/countyreport/countyreport/internal/testenv"
)

func main() {
	n := flag.Int("n", 500, "CountyReports to create")
	namespaces := flag.Int("namespaces", 10, "namespaces to spread foreign objects over (each county has a namespace of its own)")
	workers := flag.Int("workers", 4, "concurrent reconciles (and baseline writers)")
	quiet := flag.Duration("quiet", time.Minute, "quiet period in which writes are counted after convergence")
	managerBin := flag.String("manager-bin", "", "bin/countyreport: also measure the real manager's memory, cache filtered and not")
	foreign := flag.Int("foreign", 1, "unrelated ConfigMaps, Secrets and Deployments per county (with -manager-bin)")
	flag.StringVar(&goMemLimit, "gomemlimit", "", "GOMEMLIMIT of the measured manager (with -manager-bin), e.g. 150MiB; empty: none")
	flag.Parse()
	if err := run(*n, *namespaces, *workers, *quiet, *managerBin, *foreign); err != nil {
		fmt.Fprintln(os.Stderr, "bench operator:", err)
		os.Exit(1)
	}
}

// goMemLimit is the measured manager's GOMEMLIMIT (-gomemlimit).
var goMemLimit string

// benchNow is what the manager's clock reads when the bench starts.
var benchNow = time.Date(2026, 10, 15, 4, 0, 0, 0, time.UTC)

func run(n, namespaces, workers int, quiet time.Duration, managerBin string, foreign int) error {
	log.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel), zap.StacktraceLevel(zapcore.DPanicLevel)))
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The manager's clock reads mid-month, far from any scheduled instant, and
	// the counties were created then in its frame: the figures are the same
	// on any day the bench runs (on the 2nd, a real clock once made every
	// county run the month before at once).
	clk := testenv.ShiftTo(benchNow)
	writes := &testenv.WriteCounter{}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		NewClient: testenv.CreatedFunc(writes.NewClientFunc(), testenv.Shifted(clk.Offset)),
		Cache:     controllers.CacheOptions(nil, false),
	})
	if err != nil {
		return err
	}
	if err := controllers.Setup(mgr, controllers.Options{PortalImage: "countyreport:bench", Workers: workers, Clock: clk}); err != nil {
		return err
	}
	mgrCtx, stopManager := context.WithCancel(ctx)
	defer stopManager()
	stopped := make(chan struct{})
	go func() { _ = mgr.Start(mgrCtx); close(stopped) }()

	// One namespace per county, given its code (the administrator's label
	// the operator requires); foreign objects go into the first namespaces.
	for i := range max(n, namespaces) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%d", i)}}
		if i < n {
			ns.Labels = map[string]string{v1alpha1.LabelCounty: benchCode(i)}
		}
		if err := c.Create(ctx, ns); err != nil {
			return err
		}
	}
	go markDeploymentsAvailable(ctx, c)
	if managerBin != "" {
		if err := createForeign(ctx, c, n*foreign, namespaces); err != nil {
			return err
		}
	}

	start := time.Now()
	for i := range n {
		cr := &v1alpha1.CountyReport{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("county-%d", i), Namespace: fmt.Sprintf("bench-%d", i)},
			Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{
				Code: benchCode(i), Name: fmt.Sprintf("县%d", i), City: "基准市",
			}},
		}
		if err := c.Create(ctx, cr); err != nil {
			return err
		}
	}
	if err := waitAllReady(ctx, c, n, 5*time.Minute+time.Duration(n)*300*time.Millisecond); err != nil {
		return err
	}
	converge := time.Since(start)
	converged := writes.Load()

	before := writes.Load()
	time.Sleep(quiet)
	quietWrites := writes.Load() - before

	memLine := ""
	if managerBin != "" {
		stopManager()
		<-stopped
		var mem [2]memory
		for i, filtered := range []bool{false, true} {
			if mem[i], err = measureManager(ctx, env, managerBin, n, filtered, goMemLimit); err != nil {
				return err
			}
		}
		memLine = fmt.Sprintf("operator memory, %d CountyReports and %d unrelated ConfigMaps, Secrets and Deployments, GOMEMLIMIT %q: manager RSS %.0f MiB (peak %.0f, Go heap %.0f) "+
			"with the cache label-filtered; %.0f MiB (peak %.0f, Go heap %.0f) unfiltered, the baseline; ratio %.2fx (target: under 200 MiB at 2,844)\n",
			n, n*foreign, goMemLimit, mem[1].rss, mem[1].peak, mem[1].heap, mem[0].rss, mem[0].peak, mem[0].heap, mem[1].rss/mem[0].rss)
	}

	base, err := baseline(ctx, c, int(converged), workers)
	if err != nil {
		return err
	}
	fmt.Printf("operator: %d CountyReports Ready in %.1f s; baseline (the same %d writes sent directly, %d workers) %.1f s; ratio %.2fx (target: under 60 s)\n",
		n, converge.Seconds(), converged, workers, base.Seconds(), converge.Seconds()/base.Seconds())
	fmt.Printf("operator: writes to converge %.2f per county (target at most 8)\n", float64(converged)/float64(n))
	fmt.Printf("operator: writes in a quiet %s: %d (target 0)\n", quiet, quietWrites)
	fmt.Print(memLine)
	return nil
}

// markDeploymentsAvailable plays the kubelet: every portal Deployment (the
// operator's, not the unrelated ones) is reported available once.
func markDeploymentsAvailable(ctx context.Context, c client.Client) {
	done := map[string]bool{}
	for ctx.Err() == nil {
		var list appsv1.DeploymentList
		if err := c.List(ctx, &list, client.MatchingLabelsSelector{Selector: controllers.ManagedSelector()}); err == nil {
			for i := range list.Items {
				d := &list.Items[i]
				key := d.Namespace + "/" + d.Name
				if done[key] {
					continue
				}
				r := ptr.Deref(d.Spec.Replicas, 1)
				d.Status = appsv1.DeploymentStatus{
					ObservedGeneration: d.Generation, Replicas: r, ReadyReplicas: r, AvailableReplicas: r, UpdatedReplicas: r,
					Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue,
						Reason: "MinimumReplicasAvailable", LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
				}
				if c.Status().Update(ctx, d) == nil {
					done[key] = true
				}
			}
		}
		// Each pass lists every portal Deployment: at thousands the list
		// itself loads the API server, so the passes space out.
		time.Sleep(200*time.Millisecond + time.Duration(len(done))*100*time.Microsecond)
	}
}

func waitAllReady(ctx context.Context, c client.Client, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var list v1alpha1.CountyReportList
		if err := c.List(ctx, &list); err != nil {
			return err
		}
		ready := 0
		for _, cr := range list.Items {
			if meta.IsStatusConditionTrue(cr.Status.Conditions, v1alpha1.ConditionReady) {
				ready++
			}
		}
		if ready == n {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("not all %d CountyReports Ready within %s", n, limit)
}

// baseline sends writes plain ConfigMap creates with the given concurrency.
func baseline(ctx context.Context, c client.Client, writes, workers int) (time.Duration, error) {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-baseline"}}); err != nil {
		return 0, err
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(writes); i = next.Add(1) {
				cm := &corev1.ConfigMap{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("baseline-%d", i), Namespace: "bench-baseline"},
					Data:       map[string]string{"k": "v"},
				}
				if err := c.Create(ctx, cm); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// benchCode is the made-up county code of the bench's i-th county.
func benchCode(i int) string { return fmt.Sprintf("%06d", 800000+i) }
