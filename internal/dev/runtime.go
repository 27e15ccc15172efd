package dev

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/countyreport/countyreport/internal/portal"
)

// PortalLabel selects the Deployments the runtime runs: the operator's
// county portals, and (CityPortalLabelValue with component portal) the
// city portals in the cities' namespaces.
const (
	PortalLabelKey       = "app.kubernetes.io/name"
	PortalLabelValue     = "countyreport-portal"
	CityPortalLabelValue = "countyreport-city"
	componentLabelKey    = "app.kubernetes.io/component"
	cityPortalComponent  = "portal"
	portalContainer      = "portal"
)

// IsPortal reports whether labels are a portal Deployment's: a county's or a city's.
func IsPortal(labels map[string]string) bool {
	switch labels[PortalLabelKey] {
	case PortalLabelValue:
		return true
	case CityPortalLabelValue:
		return labels[componentLabelKey] == cityPortalComponent
	}
	return false
}

// portalDeployments lists the portal Deployments (in namespace ns; all when "").
func portalDeployments(ctx context.Context, c client.Reader, ns string) ([]appsv1.Deployment, error) {
	var out []appsv1.Deployment
	for _, value := range []string{PortalLabelValue, CityPortalLabelValue} {
		var list appsv1.DeploymentList
		opts := []client.ListOption{client.MatchingLabels{PortalLabelKey: value}}
		if ns != "" {
			opts = append(opts, client.InNamespace(ns))
		}
		if err := c.List(ctx, &list, opts...); err != nil {
			return nil, err
		}
		for _, d := range list.Items {
			if IsPortal(d.Labels) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// Runtime stands in for kubelet and the Deployment controller, for portal
// Deployments only (the counties' and the cities'): each one runs as an in-process portal on its own
// 127.0.0.1 port, with the files and environment its pod template names,
// restarted when they change and stopped when the Deployment goes. It writes
// the Deployment's status from what actually runs, so the operator's
// PortalAvailable means a portal answers.
type Runtime struct {
	Client client.Client // a cache-backed client of the manager it is set up with
	Admin  *rest.Config  // for the portals' ServiceAccount identities
	Dir    string        // the portals' files go to Dir/<namespace>/<name>
	Ports  *PortBook
	// Logger receives the portals' log and audit lines; nil: slog's default.
	Logger *slog.Logger
	// Run is the portal; portal.Run unless a test swaps it.
	Run func(context.Context, portal.Options) error
	// RunCity is the city's portal; portal.RunCity unless a test swaps it.
	RunCity func(context.Context, portal.Options) error
	// Event, when set, is told what happens ("started", "restarted", "stopped", "failed").
	Event func(key types.NamespacedName, what, url string, err error)

	ctx     context.Context
	events  chan event.GenericEvent
	mu      sync.Mutex
	running map[types.NamespacedName]*instance
}

type instance struct {
	hash   string
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why it stopped, once done is closed
}

// SetupWithManager registers the runtime with mgr, whose cache must hold
// portal Deployments, ConfigMaps and Secrets.
func (r *Runtime) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.Run == nil {
		r.Run = portal.Run
	}
	if r.RunCity == nil {
		r.RunCity = portal.RunCity
	}
	r.ctx, r.events, r.running = ctx, make(chan event.GenericEvent, 64), map[types.NamespacedName]*instance{}
	isPortal := predicate.NewPredicateFuncs(func(o client.Object) bool { return IsPortal(o.GetLabels()) })
	return ctrl.NewControllerManagedBy(mgr).
		Named("dev-portal-runtime").
		// One runtime per manager; tests start several managers in one process.
		WithOptions(controller.Options{SkipNameValidation: ptr.To(true)}).
		For(&appsv1.Deployment{}, builder.WithPredicates(isPortal)).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.portalsInNamespace)).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.portalsInNamespace)).
		WatchesRawSource(source.Channel(r.events, &handler.EnqueueRequestForObject{})).
		Complete(r)
}

// portalsInNamespace wakes the portals of o's namespace: a changed ConfigMap
// or Secret may be one they run with (Reconcile compares what they resolve to).
func (r *Runtime) portalsInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	list, err := portalDeployments(ctx, r.Client, o.GetNamespace())
	if err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list))
	for _, d := range list {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&d)})
	}
	return out
}

// Reconcile brings the in-process portal of one Deployment in line with it.
func (r *Runtime) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	d := &appsv1.Deployment{}
	if err := r.Client.Get(ctx, req.NamespacedName, d); apierrors.IsNotFound(err) {
		r.stop(req.NamespacedName, "stopped")
		return reconcile.Result{}, nil
	} else if err != nil {
		return reconcile.Result{}, err
	}
	if !d.DeletionTimestamp.IsZero() || ptr.Deref(d.Spec.Replicas, 1) == 0 {
		r.stop(req.NamespacedName, "stopped")
		return reconcile.Result{}, r.writeStatus(ctx, d, nil, nil)
	}
	inst, err := r.ensure(ctx, d)
	if err != nil && r.Event != nil {
		r.Event(req.NamespacedName, "failed", "", err)
	}
	if werr := r.writeStatus(ctx, d, inst, err); werr != nil {
		return reconcile.Result{}, werr
	}
	if err != nil {
		// A missing Secret or a port in use may come right: look again.
		return reconcile.Result{RequeueAfter: 5 * time.Second}, nil
	}
	return reconcile.Result{}, nil
}

// ensure starts the portal, or restarts it when what it resolves to changed
// or it stopped.
func (r *Runtime) ensure(ctx context.Context, d *appsv1.Deployment) (*instance, error) {
	key := client.ObjectKeyFromObject(d)
	w, err := Resolve(ctx, r.Client, d, portalContainer)
	if err != nil {
		return nil, err
	}
	hash := w.Hash()
	r.mu.Lock()
	cur := r.running[key]
	r.mu.Unlock()
	if cur != nil && cur.hash == hash && !isDone(cur.done) {
		return cur, nil
	}
	what := "started"
	if cur != nil {
		what = "restarted"
		if isDone(cur.done) && cur.err != nil {
			what = "restarted after: " + cur.err.Error()
		}
		r.stop(key, "")
	}
	port, err := r.Ports.Port(key.String())
	if err != nil {
		return nil, err
	}
	root := filepath.Join(r.Dir, key.Namespace, key.Name)
	if err := w.Materialize(root); err != nil {
		return nil, fmt.Errorf("write the portal's files under %s: %w", root, err)
	}
	o, err := PortalOptions(w, root, "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	if r.Logger != nil {
		o.Logger = r.Logger.With("portal", key.String())
	}
	if (w.Automount || w.Token) && r.Admin != nil {
		o.Kube = ServiceAccountConfig(r.Admin, d.Namespace, w.SA)
	}
	run := r.Run
	if IsCityPortal(w) {
		run = r.RunCity
	}
	inst, err := r.start(key, hash, run, o)
	if err != nil {
		return nil, err
	}
	if r.Event != nil {
		r.Event(key, what, inst.url, nil)
	}
	return inst, nil
}

// start runs the portal and waits until it listens or fails.
func (r *Runtime) start(key types.NamespacedName, hash string, run func(context.Context, portal.Options) error, o portal.Options) (*instance, error) {
	ctx, cancel := context.WithCancel(r.ctx)
	inst := &instance{hash: hash, cancel: cancel, done: make(chan struct{}), url: "http://" + o.Listen + "/"}
	ready := make(chan string, 1)
	var listened atomic.Bool
	o.Ready = func(addr string) { listened.Store(true); ready <- addr }
	go func() {
		inst.err = run(ctx, o)
		close(inst.done)
		if !listened.Load() {
			// It never started: start reports that, and Reconcile looks
			// again after a pause. An event now would restart it at once,
			// in a loop that starves every other portal's reconcile.
			return
		}
		// Tell Reconcile, which restarts it unless the Deployment is gone.
		select {
		case r.events <- event.GenericEvent{Object: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}:
		case <-r.ctx.Done():
		}
	}()
	select {
	case addr := <-ready:
		inst.url = "http://" + addr + "/"
	case <-inst.done:
		cancel()
		return nil, fmt.Errorf("portal on %s: %w", o.Listen, inst.err)
	case <-time.After(30 * time.Second):
		cancel()
		return nil, fmt.Errorf("portal on %s did not start listening within 30s", o.Listen)
	}
	r.mu.Lock()
	r.running[key] = inst
	r.mu.Unlock()
	return inst, nil
}

func (r *Runtime) stop(key types.NamespacedName, what string) {
	r.mu.Lock()
	inst := r.running[key]
	delete(r.running, key)
	r.mu.Unlock()
	if inst == nil {
		return
	}
	inst.cancel()
	<-inst.done
	if what != "" && r.Event != nil {
		r.Event(key, what, inst.url, nil)
	}
}

// Wait stops every portal (the context given to SetupWithManager must be
// cancelled) and returns when they have all returned.
func (r *Runtime) Wait() {
	r.mu.Lock()
	insts := make([]*instance, 0, len(r.running))
	for _, i := range r.running {
		insts = append(insts, i)
	}
	r.mu.Unlock()
	for _, i := range insts {
		i.cancel()
		<-i.done
	}
}

// URL is where the portal of Deployment key answers; "" when not running.
func (r *Runtime) URL(key types.NamespacedName) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.running[key]; i != nil && !isDone(i.done) {
		return i.url
	}
	return ""
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// writeStatus records what runs, as the Deployment controller would: all
// replicas available when the portal answers (one process stands for them
// all), none with the reason when it does not. Written only when changed.
func (r *Runtime) writeStatus(ctx context.Context, d *appsv1.Deployment, inst *instance, failure error) error {
	want := d.Status.DeepCopy()
	replicas := ptr.Deref(d.Spec.Replicas, 1)
	want.ObservedGeneration = d.Generation
	now := metav1.Now()
	avail := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse}
	switch {
	case replicas == 0:
		want.Replicas, want.ReadyReplicas, want.AvailableReplicas, want.UpdatedReplicas, want.UnavailableReplicas = 0, 0, 0, 0, 0
		avail.Status, avail.Reason, avail.Message = corev1.ConditionTrue, "MinimumReplicasAvailable", "scaled to zero"
	case inst != nil:
		want.Replicas, want.ReadyReplicas, want.AvailableReplicas, want.UpdatedReplicas, want.UnavailableReplicas = replicas, replicas, replicas, replicas, 0
		avail.Status, avail.Reason = corev1.ConditionTrue, "MinimumReplicasAvailable"
		avail.Message = "served in process by countyreport dev at " + inst.url
	default:
		want.Replicas, want.ReadyReplicas, want.AvailableReplicas, want.UpdatedReplicas, want.UnavailableReplicas = replicas, 0, 0, 0, replicas
		avail.Reason, avail.Message = "PortalFailed", fmt.Sprintf("countyreport dev could not run the portal: %v", failure)
	}
	setDeploymentCondition(want, avail, now)
	if equality.Semantic.DeepEqual(want, &d.Status) {
		return nil
	}
	d = d.DeepCopy()
	d.Status = *want
	return r.Client.Status().Update(ctx, d)
}

func setDeploymentCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition, now metav1.Time) {
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
			return
		}
		if old.Status != c.Status {
			c.LastTransitionTime = now
		} else {
			c.LastTransitionTime = old.LastTransitionTime
		}
		c.LastUpdateTime = now
		*old = c
		return
	}
	c.LastTransitionTime, c.LastUpdateTime = now, now
	st.Conditions = append(st.Conditions, c)
}

// MarkNotRunning records on every portal Deployment that nothing serves it
// yet, as a kubelet's pods are unknown after a restart: the status a
// previous run left must not make a county look Ready before its portal is
// back. c reads and writes the API server directly.
func MarkNotRunning(ctx context.Context, c client.Client) error {
	list, err := portalDeployments(ctx, c, "")
	if err != nil {
		return err
	}
	for i := range list {
		d := &list[i]
		want := d.Status.DeepCopy()
		want.ReadyReplicas, want.AvailableReplicas, want.UpdatedReplicas = 0, 0, 0
		want.UnavailableReplicas = ptr.Deref(d.Spec.Replicas, 1)
		setDeploymentCondition(want, appsv1.DeploymentCondition{
			Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "NotRunning",
			Message: "countyreport dev has not started this portal yet",
		}, metav1.Now())
		if equality.Semantic.DeepEqual(want, &d.Status) {
			continue
		}
		d.Status = *want
		if err := c.Status().Update(ctx, d); err != nil {
			return fmt.Errorf("mark portal %s/%s not running: %w", d.Namespace, d.Name, err)
		}
	}
	return nil
}
