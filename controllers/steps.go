package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/transient"
)

// The machinery every tenant's reconcile shares (county and city): a list of
// steps run in order under one error policy, conditions set with the
// object's generation, and status written once, at the end, only when it
// changed. A kind's reconciler is then the list of its own steps.

// subject is the object one reconcile is about, as the shared machinery
// needs it: the object, its status conditions, and what only its kind knows
// (its status's type).
type subject struct {
	obj        client.Object
	conditions *[]metav1.Condition
	// observed is the status's observedGeneration.
	observed *int64
	// statusChanged tells whether the status differs from the one read.
	statusChanged func() bool
	// before is the object as read, for the status patch.
	before client.Object
	// finalizer is added before any step runs ("": none, the manager has
	// no storage to clean up).
	finalizer string
}

// stepState is what every reconcile's steps share. A kind's state embeds it.
type stepState struct {
	subject
	// done stops the remaining steps (the spec is refused).
	done bool
	// requeueAfter is the shortest wait any step asked for.
	requeueAfter time.Duration
	// softErr is a failure that did not stop the other steps (storage
	// unreachable); it is returned at the end so the retry backs off.
	softErr error
	// quiet: a step met a passing error (see stepOutcome), or the
	// finalizer was just added. Nothing failed that a user must hear
	// about: no status write, no Event; the next reconcile writes it.
	quiet bool
}

func (s *stepState) steps() *stepState { return s }

// requeueIn asks for another reconcile within d; the shortest ask wins.
func (s *stepState) requeueIn(d time.Duration) {
	if d > 0 && (s.requeueAfter == 0 || d < s.requeueAfter) {
		s.requeueAfter = d
	}
}

// cacheCatchUp is the wait before looking again when the cache was behind.
const cacheCatchUp = time.Second

// stepOutcome is the one error policy of a step that failed. A passing
// error is quiet: the cache lagging behind an object the operator wrote, or
// an API error a retry a moment later gets past (a conflict, throttling, a
// server briefly unavailable: internal/transient). It is retried after the
// wait the server or the cause suggests, else returned for the work queue's
// backoff, with no condition and no Event. Any other error is reported:
// Ready=False, a Warning Event, the work queue's backoff. Storage that does
// not answer is not a step error: the storage steps report it in
// StorageReady and let the other steps run (stepState.softErr).
func stepOutcome(err error) (res ctrl.Result, returned error, quiet bool) {
	switch {
	case errors.Is(err, errCacheBehind):
		return ctrl.Result{RequeueAfter: cacheCatchUp}, nil, true
	case transient.Is(err):
		if d := transient.Delay(err); d > 0 {
			return ctrl.Result{RequeueAfter: d}, nil, true
		}
		return ctrl.Result{}, err, true // the work queue's backoff, and only a log line
	}
	return ctrl.Result{}, err, false
}

// stepper is a kind's reconcile state (it embeds stepState).
type stepper interface{ steps() *stepState }

// runSteps runs steps in order under stepOutcome's policy, then writes the
// status once when it changed (unless the reconcile is a quiet retry).
func runSteps[S stepper](ctx context.Context, c client.Client, rec events.EventRecorder, st S, steps []func(context.Context, S) error) (res ctrl.Result, err error) {
	s := st.steps()
	defer func() {
		if s.quiet {
			return // the retry a moment from now writes the whole status
		}
		if err == nil {
			*s.observed = s.obj.GetGeneration()
		} else {
			recordEvent(rec, s.obj, corev1.EventTypeWarning, "ReconcileFailed", "Reconcile", "%v", err)
		}
		if perr := patchStatus(ctx, c, s.subject); perr != nil && err == nil {
			err = perr
		}
	}()
	for _, step := range steps {
		if err := step(ctx, st); err != nil {
			res, returned, quiet := stepOutcome(err)
			if quiet {
				s.quiet = true
				return res, returned
			}
			s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonProvisioningFailed, err.Error())
			return res, returned
		}
		if s.done {
			break
		}
	}
	if s.softErr != nil {
		return ctrl.Result{}, s.softErr
	}
	return ctrl.Result{RequeueAfter: s.requeueAfter}, nil
}

// patchStatus writes status only when it differs from what was read.
func patchStatus(ctx context.Context, c client.Client, s subject) error {
	if !s.statusChanged() {
		return nil
	}
	return client.IgnoreNotFound(c.Status().Patch(ctx, s.obj, client.MergeFrom(s.before)))
}

// setCondition sets one condition, observed at generation gen.
func setCondition(conds *[]metav1.Condition, gen int64, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: gen,
	})
}

// condition sets one of the subject's conditions.
func (s *subject) condition(typ string, status metav1.ConditionStatus, reason, msg string) {
	setCondition(s.conditions, s.obj.GetGeneration(), typ, status, reason, msg)
}

// refuse sets Ready=False for a spec the operator will not provision and
// stops the steps. The warning Event is recorded only when that verdict is
// new, so an object that stays refused does not repeat Events on every
// reconcile.
func (s *stepState) refuse(rec events.EventRecorder, reason, msg string) {
	if c := meta.FindStatusCondition(*s.conditions, v1alpha1.ConditionReady); c == nil || c.Reason != reason || c.Message != msg {
		recordEvent(rec, s.obj, corev1.EventTypeWarning, reason, "Validate", "%s", msg)
	}
	s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	s.done = true
}

// storageFailed reports a storage step's failure in StorageReady and lets
// the other steps run: the failure is returned at the end (softErr), so the
// retry backs off. A passing error (stepOutcome) is returned at once
// instead, for the quiet retry every step gets: a conflict on a credentials
// Secret is not the storage failing.
func (s *stepState) storageFailed(err error) error {
	if _, _, quiet := stepOutcome(err); quiet {
		return err
	}
	reason := v1alpha1.ReasonProvisioningFailed
	if storage.IsUnavailable(err) {
		reason = v1alpha1.ReasonStorageUnavailable
	}
	s.condition(v1alpha1.ConditionStorageReady, metav1.ConditionFalse, reason, err.Error())
	s.softErr = err
	return nil
}

// storageNotSet says in StorageReady that the manager has no storage: it
// serves portals only.
func (s *stepState) storageNotSet() {
	s.condition(v1alpha1.ConditionStorageReady, metav1.ConditionFalse, v1alpha1.ReasonStorageNotSet,
		"the manager was started without a storage endpoint")
}

// recordEvent records an Event about obj; a nil recorder records nothing.
func recordEvent(rec events.EventRecorder, obj runtime.Object, typ, reason, action, format string, args ...any) {
	if rec != nil {
		rec.Eventf(obj, nil, typ, reason, action, format, args...)
	}
}

// finalizerFirst is the step that adds the subject's finalizer when it is
// missing, writes it alone and ends the reconcile, as cluster-api's
// controllers add theirs: nothing is made for an object whose finalizer is
// not stored yet, so its deletion always cleans up. The write wakes the
// next reconcile (specOrFinalizerChanged), which runs the steps and writes
// the status. It comes first of the steps that write: after the checks that
// only read and may refuse the spec, because a refused object (a squatter
// in a namespace given no code) is given nothing, not even a finalizer
// (grants_test.go).
func finalizerFirst[S stepper](c client.Client) func(context.Context, S) error {
	return func(ctx context.Context, st S) error { return st.steps().addFinalizer(ctx, c) }
}

func (s *stepState) addFinalizer(ctx context.Context, c client.Client) error {
	if s.finalizer == "" || !controllerutil.AddFinalizer(s.obj, s.finalizer) {
		return nil
	}
	if err := c.Update(ctx, s.obj); err != nil {
		controllerutil.RemoveFinalizer(s.obj, s.finalizer) // the status patch carries no metadata
		return fmt.Errorf("add finalizer: %w", err)
	}
	s.quiet, s.done = true, true
	return nil
}

// firstClaim is the object that holds a claim (a county or city code, a
// bucket, a host) among items: the oldest one not being deleted, ties
// broken by namespace and name so every reconcile agrees. Nil: none.
func firstClaim[T any, PT interface {
	*T
	client.Object
}](items []T) PT {
	var first PT
	for i := range items {
		it := PT(&items[i])
		if it.GetDeletionTimestamp().IsZero() && (first == nil || claimsBefore(it, first)) {
			first = it
		}
	}
	return first
}

func claimsBefore(a, b client.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	if a.GetNamespace() != b.GetNamespace() {
		return a.GetNamespace() < b.GetNamespace()
	}
	return a.GetName() < b.GetName()
}
