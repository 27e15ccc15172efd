package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/transient"
)

// Defaults of the ReportRun reconciler.
const (
	DefaultMaxAttempts  = 5
	DefaultRetryBackoff = 30 * time.Second
	maxRetryBackoff     = 30 * time.Minute
	// pollInterval is the safety net between looks at a running attempt; Job
	// changes and in-process completions wake the reconciler sooner.
	pollInterval = time.Minute
	// staleRetry is the wait before looking again at a run read from a
	// cache that was behind.
	staleRetry = time.Second
	// DefaultCountyGrace is how long a run may name a CountyReport that the
	// API server does not have before it fails: both applied at once may
	// arrive run first.
	DefaultCountyGrace = time.Minute
	// countyRetry is the wait between looks for a CountyReport not found.
	countyRetry = 5 * time.Second
)

// ReportRunReconciler drives a ReportRun through Pending, Running and
// Succeeded or Failed, one attempt at a time through its Executor.
type ReportRunReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	Executor executor.Executor

	// MaxAttempts bounds the attempts of one run (default DefaultMaxAttempts).
	MaxAttempts int32
	// RetryBackoff is the wait after the first failed attempt; it doubles
	// with every further one, up to 30 minutes (default DefaultRetryBackoff).
	RetryBackoff time.Duration
	// MaxConcurrentReconciles (default 4).
	MaxConcurrentReconciles int
	// APIReader reads past the cache (the manager's API reader): a
	// CountyReport the cache does not hold yet may exist. Nil: the Client's
	// answer is final.
	APIReader client.Reader
	// CountyGrace is how long after its creation a run naming a missing
	// CountyReport is retried before it fails (default DefaultCountyGrace).
	CountyGrace time.Duration
	// City renders the attempts of a city's runs (spec.cityReportName); nil:
	// such runs fail, this manager renders no city reports.
	City CityRenderer
}

// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=reportruns,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=reportruns/status,verbs=update
// The Jobs are owned by their ReportRun (blockOwnerDeletion): where owner
// references are enforced that needs update on reportruns/finalizers.
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=reportruns/finalizers,verbs=update
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile moves one ReportRun forward by at most one step and writes its
// status once, when it changed.
func (r *ReportRunReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, err error) {
	run := &v1alpha1.ReportRun{}
	if err := r.Get(ctx, req.NamespacedName, run); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !run.DeletionTimestamp.IsZero() || terminal(run.Status.Phase) {
		return ctrl.Result{}, nil
	}
	if run.Spec.CityReportName != "" {
		return r.reconcileCityRun(ctx, run)
	}
	cr, wait, err := r.countyOf(ctx, run)
	if err != nil || wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, err
	}
	if cr != nil {
		if d, err := r.adopt(ctx, run, cr); err != nil || d > 0 {
			return ctrl.Result{RequeueAfter: d}, err
		}
	}

	before := run.DeepCopy()
	var res ctrl.Result
	res, err = r.step(ctx, run, cr)
	if errors.Is(err, executor.ErrStale) {
		return ctrl.Result{RequeueAfter: staleRetry}, nil // the cache catches up in a moment
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	var owner client.Object
	code := ""
	if cr != nil {
		owner, code = cr, cr.Spec.County.Code
	}
	return r.writeRunStatus(ctx, before, run, res, owner, code)
}

// adopt makes owner (the run's CountyReport or CityReport) the controller
// of a run that has none: one made by hand or by a portal. A conflict is a
// wait before the run is read again.
func (r *ReportRunReconciler) adopt(ctx context.Context, run *v1alpha1.ReportRun, owner client.Object) (time.Duration, error) {
	if metav1.IsControlledBy(run, owner) || metav1.GetControllerOf(run) != nil {
		return 0, nil
	}
	if err := controllerutil.SetControllerReference(owner, run, r.Scheme); err != nil {
		return 0, err
	}
	if err := r.Update(ctx, run); err != nil {
		if d := transient.Delay(err); d > 0 {
			return d, nil // a newer run: read again
		}
		return 0, fmt.Errorf("set owner of ReportRun %s: %w", run.Name, err)
	}
	return 0, nil
}

// writeRunStatus writes the status step decided, when it changed, and
// announces it on the run and on owner (the county or city; nil: none),
// whose code labels the metrics.
func (r *ReportRunReconciler) writeRunStatus(ctx context.Context, before, run *v1alpha1.ReportRun, res ctrl.Result,
	owner client.Object, code string) (ctrl.Result, error) {
	if equality.Semantic.DeepEqual(before.Status, run.Status) {
		return res, nil
	}
	// An update, not a patch: its resourceVersion keeps a decision made on a
	// stale read from landing, and the API server spares applying a patch
	// (a sixth of its CPU per run in the runs benchmark).
	if err := r.Status().Update(ctx, run); err != nil {
		if d := transient.Delay(err); d > 0 {
			return ctrl.Result{RequeueAfter: d}, nil // a conflict: decided again on the newer run
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	r.announce(before, run, owner, code)
	return res, nil
}

// countyOf finds the CountyReport run names. One the cache does not have
// is looked up on the API server: found there, the cache is behind and the
// run is looked at again in a moment. Missing there too, the run waits
// CountyGrace from its creation (the two may have been applied together,
// the run first) and then fails, with cr nil.
func (r *ReportRunReconciler) countyOf(ctx context.Context, run *v1alpha1.ReportRun) (_ *v1alpha1.CountyReport, wait time.Duration, _ error) {
	return tenantOf(ctx, r, run, client.ObjectKey{Namespace: run.Namespace, Name: run.Spec.CountyReportName}, &v1alpha1.CountyReport{})
}

// tenantOf reads the tenant run names into obj, as countyOf says: nil when
// it is missing (wait: how long to look again, zero once CountyGrace is over).
func tenantOf[T client.Object](ctx context.Context, r *ReportRunReconciler, run *v1alpha1.ReportRun, key client.ObjectKey, obj T) (_ T, wait time.Duration, _ error) {
	var none T
	err := r.Get(ctx, key, obj)
	if err == nil || !apierrors.IsNotFound(err) {
		return obj, 0, err
	}
	if r.APIReader != nil {
		err = r.APIReader.Get(ctx, key, obj)
		if err == nil {
			return none, staleRetry, nil
		}
		if !apierrors.IsNotFound(err) {
			return none, 0, fmt.Errorf("read %s %s: %w", reflect.TypeOf(obj).Elem().Name(), key.Name, err)
		}
	}
	if left := r.graceLeft(run); left > 0 {
		return none, min(left, countyRetry), nil
	}
	return none, 0, nil
}

// graceLeft is how much longer a run naming a tenant the API server does
// not have waits for it (CountyGrace from the run's creation).
func (r *ReportRunReconciler) graceLeft(run *v1alpha1.ReportRun) time.Duration {
	grace := r.CountyGrace
	if grace <= 0 {
		grace = DefaultCountyGrace
	}
	return run.CreationTimestamp.Add(grace).Sub(r.Clock.Now())
}

func terminal(p v1alpha1.RunPhase) bool {
	return p == v1alpha1.RunSucceeded || p == v1alpha1.RunFailed
}

// step decides the run's next status; it writes nothing but what the executor creates.
func (r *ReportRunReconciler) step(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (ctrl.Result, error) {
	now := r.Clock.Now()
	if cr == nil {
		r.fail(run, now, v1alpha1.RunReasonCountyReportNotFound,
			messages.Both("controllers.countyNotFound", run.Namespace, run.Spec.CountyReportName))
		return ctrl.Result{}, nil
	}
	loc := scheduleZone(cr.Spec.Schedule)
	p, err := period.Parse(run.Spec.Period)
	if err != nil {
		r.fail(run, now, v1alpha1.RunReasonInvalidData, err.Error())
		return ctrl.Result{}, nil
	}
	start := p.Start(loc)
	// Checked before the first attempt only: one under way is not undone by
	// a later change of the county's time zone.
	if run.Status.Attempts == 0 && start.After(now) {
		r.fail(run, now, v1alpha1.RunReasonFuturePeriod,
			messages.Both("controllers.periodNotBegun", run.Spec.Period, loc))
		return ctrl.Result{}, nil
	}

	if run.Status.Phase == "" && run.Status.Attempts == 0 {
		if msg, err := r.manualRunRefused(ctx, run); err != nil || msg != "" {
			if msg != "" {
				r.fail(run, now, v1alpha1.RunReasonTooManyRuns, msg)
			}
			return ctrl.Result{}, err
		}
	}
	switch run.Status.Phase {
	case "", v1alpha1.RunPending:
		run.Status.Phase = v1alpha1.RunPending
		if at := run.Status.NextAttemptAt; at != nil && at.After(now) {
			return ctrl.Result{RequeueAfter: at.Sub(now)}, nil
		}
		return r.startAttempt(ctx, run, cr, now)
	case v1alpha1.RunRunning:
		res, err := r.Executor.Poll(ctx, run, cr)
		if err != nil {
			return ctrl.Result{}, err
		}
		switch res.State {
		case executor.Succeeded:
			r.succeed(run, cr.Status.Bucket, res.Report, now)
			return ctrl.Result{}, nil
		case executor.Failed:
			return r.attemptFailed(run, res.Failure, now), nil
		}
		return ctrl.Result{RequeueAfter: pollInterval}, nil
	}
	return ctrl.Result{}, nil
}

// manualRunRefused says why a new manual run may not start ("" when it
// may): an older manual run of the same county and period is waiting or
// running, or limits.ManualRunsPerCounty older ones are. Only older runs
// count (by creation, then name), so of runs made together the oldest
// goes ahead whatever order they are seen in. The portal refuses these
// already; this holds for runs applied by hand in the county's namespace.
func (r *ReportRunReconciler) manualRunRefused(ctx context.Context, run *v1alpha1.ReportRun) (string, error) {
	if run.Spec.Reason != v1alpha1.RunManual || run.Spec.CountyReportName == "" {
		return "", nil
	}
	var list v1alpha1.ReportRunList
	if err := r.List(ctx, &list, client.InNamespace(run.Namespace)); err != nil {
		return "", err
	}
	older := func(o *v1alpha1.ReportRun) bool {
		if !o.CreationTimestamp.Equal(&run.CreationTimestamp) {
			return o.CreationTimestamp.Before(&run.CreationTimestamp)
		}
		return o.Name < run.Name
	}
	active := 0
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == run.UID || o.Spec.CountyReportName != run.Spec.CountyReportName || o.Spec.Reason != v1alpha1.RunManual ||
			terminal(o.Status.Phase) || !older(o) {
			continue
		}
		if o.Spec.Period == run.Spec.Period {
			return messages.Both("controllers.manualPending", run.Spec.Period, o.Name), nil
		}
		active++
	}
	if active >= limits.ManualRunsPerCounty {
		return messages.Both("controllers.manualLimit", active, limits.ManualRunsPerCounty), nil
	}
	return "", nil
}

// startAttempt counts and starts the next attempt. One that finished inside
// Start (a quick in-process render) is recorded at once: Pending to Succeeded
// or to a retry in one status write, with no Running in between.
func (r *ReportRunReconciler) startAttempt(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport, now time.Time) (ctrl.Result, error) {
	run.Status.Attempts++
	if run.Status.StartTime == nil {
		run.Status.StartTime = &metav1.Time{Time: now}
	}
	run.Status.NextAttemptAt = nil
	res, err := r.Executor.Start(ctx, run, cr)
	if err != nil {
		f, ok := executor.AsFailure(err)
		if !ok {
			return ctrl.Result{}, err
		}
		return r.attemptFailed(run, f, now), nil
	}
	switch res.State {
	case executor.Succeeded:
		r.succeed(run, cr.Status.Bucket, res.Report, r.Clock.Now())
		return ctrl.Result{}, nil
	case executor.Failed:
		return r.attemptFailed(run, res.Failure, r.Clock.Now()), nil
	}
	run.Status.Phase = v1alpha1.RunRunning
	run.Status.Reason = v1alpha1.RunReasonRunning
	run.Status.Message = messages.Both("controllers.attemptRunning", run.Status.Attempts)
	r.setCondition(run, metav1.ConditionUnknown, v1alpha1.RunReasonRunning, run.Status.Message)
	return ctrl.Result{RequeueAfter: pollInterval}, nil
}

// attemptFailed schedules another attempt with exponential backoff, or fails the run.
func (r *ReportRunReconciler) attemptFailed(run *v1alpha1.ReportRun, f *executor.Failure, now time.Time) ctrl.Result {
	if f == nil {
		f = &executor.Failure{Reason: v1alpha1.RunReasonRenderFailed, Message: "unknown failure", Retryable: true}
	}
	max := r.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	if !f.Retryable || run.Status.Attempts >= max {
		msg := f.Message
		if f.Retryable {
			msg = messages.Both("controllers.gaveUp", run.Status.Attempts) + ": " + f.Message
		}
		r.fail(run, now, f.Reason, msg)
		return ctrl.Result{}
	}
	wait := r.backoff(run.Status.Attempts)
	run.Status.Phase = v1alpha1.RunPending
	run.Status.NextAttemptAt = &metav1.Time{Time: now.Add(wait).Truncate(time.Second).Add(time.Second)}
	run.Status.Reason = f.Reason
	run.Status.Message = messages.Both("controllers.retrying",
		run.Status.Attempts, run.Status.NextAttemptAt.UTC().Format(time.RFC3339)) + ": " + f.Message
	r.setCondition(run, metav1.ConditionUnknown, v1alpha1.RunReasonRetryScheduled, run.Status.Message)
	return ctrl.Result{RequeueAfter: run.Status.NextAttemptAt.Sub(now)}
}

// backoff is RetryBackoff·2^(attempts-1), at most 30 minutes.
func (r *ReportRunReconciler) backoff(attempts int32) time.Duration {
	d := r.RetryBackoff
	if d <= 0 {
		d = DefaultRetryBackoff
	}
	for i := int32(1); i < attempts && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

func (r *ReportRunReconciler) fail(run *v1alpha1.ReportRun, now time.Time, reason, msg string) {
	run.Status.Phase = v1alpha1.RunFailed
	run.Status.Reason = reason
	run.Status.Message = msg
	run.Status.NextAttemptAt = nil
	run.Status.CompletionTime = &metav1.Time{Time: now}
	r.setCondition(run, metav1.ConditionFalse, reason, msg)
}

func (r *ReportRunReconciler) succeed(run *v1alpha1.ReportRun, bucket string, rep *storage.Report, now time.Time) {
	run.Status.Phase = v1alpha1.RunSucceeded
	run.Status.Reason = v1alpha1.RunReasonPublished
	run.Status.CompletionTime = &metav1.Time{Time: now}
	run.Status.NextAttemptAt = nil
	run.Status.Artifacts = Artifacts(rep)
	run.Status.Pages = int32(rep.Pages)
	run.Status.Message = messages.Both("controllers.published", run.Spec.Period, rep.Pages, bucket)
	r.setCondition(run, metav1.ConditionTrue, v1alpha1.RunReasonPublished, run.Status.Message)
}

// Artifacts are a published report's objects as the manifest lists them, the manifest last.
func Artifacts(rep *storage.Report) []v1alpha1.Artifact {
	out := make([]v1alpha1.Artifact, 0, len(rep.Artifacts)+1)
	for _, o := range rep.Artifacts {
		out = append(out, v1alpha1.Artifact{Key: o.Key, Size: o.Size, SHA256: o.SHA256})
	}
	f := manifest.FileOf(storage.ManifestName, rep.ManifestJSON())
	out = append(out, v1alpha1.Artifact{Key: storage.ReportKey(rep.Period, storage.ManifestName), Size: f.Size, SHA256: f.SHA256})
	return out
}

func (r *ReportRunReconciler) setCondition(run *v1alpha1.ReportRun, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&run.Status.Conditions, metav1.Condition{
		Type: v1alpha1.RunConditionSucceeded, Status: status, Reason: reason, Message: msg, ObservedGeneration: run.Generation,
	})
}

// announce records Events and metrics for a status change that was
// written: on the run, and on owner (its CountyReport or CityReport) when
// it failed; county is the owner's code.
func (r *ReportRunReconciler) announce(before, run *v1alpha1.ReportRun, owner client.Object, county string) {
	ev := func(typ, reason, action, note string) {
		if r.Recorder == nil {
			return
		}
		r.Recorder.Eventf(run, nil, typ, reason, action, "%s", note)
		if owner != nil {
			r.Recorder.Eventf(owner, run, typ, reason, action, "ReportRun %s: %s", run.Name, note)
		}
	}
	switch {
	// A first attempt starting is told by the phase, the condition and the
	// CountyReport's Scheduled Event; an Event for it would only cost an API
	// write per run. Later attempts follow a Warning and are worth one.
	case run.Status.Phase == v1alpha1.RunRunning && run.Status.Attempts > 1 &&
		(before.Status.Phase != v1alpha1.RunRunning || before.Status.Attempts != run.Status.Attempts):
		if r.Recorder != nil {
			r.Recorder.Eventf(run, nil, corev1.EventTypeNormal, "Started", "Run", "%s", run.Status.Message)
		}
	case run.Status.Phase == v1alpha1.RunPending && run.Status.NextAttemptAt != nil &&
		(before.Status.NextAttemptAt == nil || before.Status.Attempts != run.Status.Attempts):
		if r.Recorder != nil {
			r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, run.Status.Reason, "Retry", "%s", run.Status.Message)
		}
	case run.Status.Phase == v1alpha1.RunSucceeded:
		// On the run only: the county shows its report in status.lastReport
		// and ReportUpToDate, and its Scheduled Event named this run; a
		// second Event per run would be one more API write for every county
		// every month. Failures are told on both (below).
		if r.Recorder != nil {
			r.Recorder.Eventf(run, nil, corev1.EventTypeNormal, "Succeeded", "Publish", "%s", run.Status.Message)
		}
		var bytes int64
		for _, a := range run.Status.Artifacts {
			bytes += a.Size
		}
		metrics.RunFinished(county, string(v1alpha1.RunSucceeded), runDuration(run), int(run.Status.Pages), bytes, run.Status.CompletionTime.Time)
	case run.Status.Phase == v1alpha1.RunFailed:
		ev(corev1.EventTypeWarning, run.Status.Reason, "Run", run.Status.Message)
		metrics.RunFinished(county, string(v1alpha1.RunFailed), runDuration(run), 0, 0, time.Time{})
	}
}

func runDuration(run *v1alpha1.ReportRun) time.Duration {
	if run.Status.StartTime == nil || run.Status.CompletionTime == nil {
		return 0
	}
	return run.Status.CompletionTime.Sub(run.Status.StartTime.Time)
}

// SetupWithManager registers the reconciler, watching the Jobs it owns and,
// for executors that finish outside the cluster's view, their notifications.
// The in-process executor makes no Jobs: with it, a Jobs informer would only
// list, watch and cache every Job in the cluster for nothing.
func (r *ReportRunReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	n := r.MaxConcurrentReconciles
	if n <= 0 {
		n = 4
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ReportRun{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: n}).
		Named("reportrun")
	if _, inProcess := r.Executor.(*executor.InProcess); !inProcess {
		b = b.Owns(&batchv1.Job{})
	}
	if nt, ok := r.Executor.(executor.Notifier); ok {
		b = b.WatchesRawSource(source.Channel(nt.Notify(), &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
}

// Executors selectable with Options.Executor (the manager's --executor).
const (
	ExecutorJob       = "job"
	ExecutorInProcess = "inprocess"
)

// NewExecutor builds the executor o names. The credentials Secrets are read
// from the manager's cache (which holds the Secrets the operator labels as
// its own), others with its API reader.
func NewExecutor(mgr ctrl.Manager, o Options) (executor.Executor, error) {
	archives := &executor.Archives{Reader: mgr.GetAPIReader(), Cache: mgr.GetClient()}
	switch o.Executor {
	case "", ExecutorJob:
		jo := o.Job
		if jo.Image == "" {
			jo.Image = o.PortalImage
		}
		return &executor.Job{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Archives: archives,
			Options: jo}, nil
	case ExecutorInProcess:
		n := o.RunConcurrency
		if n <= 0 {
			n = 2
		}
		p := executor.NewInProcess(archives, n)
		if o.Signing != nil {
			p.Keys = &signing.Keys{Reader: mgr.GetAPIReader()}
		}
		return p, nil
	}
	return nil, fmt.Errorf("executor %q: want %s or %s", o.Executor, ExecutorJob, ExecutorInProcess)
}

// setupReportRuns registers the ReportRun reconciler with the executor o names.
func setupReportRuns(mgr ctrl.Manager, o Options, city CityRenderer) error {
	ex, err := NewExecutor(mgr, o)
	if err != nil {
		return err
	}
	workers := 4
	if p, ok := ex.(*executor.InProcess); ok {
		// Each worker waits in Start for its attempt: enough of them keep
		// every render and I/O slot busy.
		workers = max(workers, p.PipelineDepth())
	}
	rr := &ReportRunReconciler{
		Client:                  mgr.GetClient(),
		Scheme:                  mgr.GetScheme(),
		Recorder:                mgr.GetEventRecorder("countyreport-manager"),
		Clock:                   o.Clock,
		Executor:                ex,
		MaxAttempts:             o.RunMaxAttempts,
		RetryBackoff:            o.RunRetryBackoff,
		MaxConcurrentReconciles: workers,
		APIReader:               mgr.GetAPIReader(),
		City:                    city,
	}
	return rr.SetupWithManager(mgr)
}
