package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/schedule"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/transient"
)

// TenantReconciler is what the county's and the city's reconcilers share:
// their clients and clock, the settings every tenant's portal and storage
// are given, and the machinery around their steps (steps.go): the
// controller's wiring, applying owned objects, the claim check, the
// portal's Secret, the runs naming a tenant and the deletion of its bucket.
// Each kind's reconciler embeds it and adds only what is its own.
type TenantReconciler struct {
	client.Client
	// APIReader reads from the API server what the cache does not hold
	// (Namespaces, which the manager does not cache; an object whose label
	// was removed by hand).
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Clock     clock.PassiveClock

	// PortalImage is the image of the tenant's portal Deployment unless
	// its spec overrides it.
	PortalImage string
	// TrustedProxies go into every portal's configuration (Options.TrustedProxies).
	TrustedProxies []string
	// PortalAPIServerPorts and PortalAPIServerCIDRs go into every county
	// portal's NetworkPolicy (Options.PortalAPIServerPorts).
	PortalAPIServerPorts []int32
	PortalAPIServerCIDRs []string
	StorageSettings
	// Signing issues the tenants' signing certificates; nil: none (tests).
	Signing *signing.Authority
}

// tenantReconciler is the manager's share of every tenant's reconciler.
func tenantReconciler(mgr ctrl.Manager, o Options) TenantReconciler {
	return TenantReconciler{
		Client:               mgr.GetClient(),
		APIReader:            mgr.GetAPIReader(),
		Scheme:               mgr.GetScheme(),
		Recorder:             mgr.GetEventRecorder("countyreport-manager"),
		Clock:                o.Clock,
		PortalImage:          o.PortalImage,
		TrustedProxies:       o.TrustedProxies,
		PortalAPIServerPorts: o.PortalAPIServerPorts,
		PortalAPIServerCIDRs: o.PortalAPIServerCIDRs,
		StorageSettings:      o.storageSettings(),
		Signing:              o.Signing,
	}
}

// storageFinalizer is the finalizer a tenant is given (finalizerFirst):
// StorageFinalizer when the manager has storage, none otherwise.
func storageFinalizer(hasStorage bool) string {
	if hasStorage {
		return StorageFinalizer
	}
	return ""
}

// specOrFinalizerChanged passes the changes of a tenant that call for a
// reconcile. Status writes do not change the generation, so they do not
// wake the reconciler; the finalizer the reconcile adds first does
// (finalizerFirst), and its event comes from the cache, which then holds it.
var specOrFinalizerChanged = predicate.Or(
	predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, predicate.AnnotationChangedPredicate{},
	predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld != nil && e.ObjectNew != nil &&
				!slices.Equal(e.ObjectOld.GetFinalizers(), e.ObjectNew.GetFinalizers())
		},
	})

// updateMatters passes every create, delete and generic event, and an
// update of a T when changed says the change matters (an update of any
// other type passes).
func updateMatters[T client.Object](changed func(old, cur T) bool) predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		old, okOld := e.ObjectOld.(T)
		cur, okNew := e.ObjectNew.(T)
		return !okOld || !okNew || changed(old, cur)
	}}
}

// newTenantController starts the controller of a tenant kind: the kind
// itself, its ReportRuns and its portal's objects. The kind adds the
// watches that are its own.
func (t *TenantReconciler) newTenantController(mgr ctrl.Manager, kind client.Object, name string) *builder.Builder {
	if t.Clock == nil {
		t.Clock = clock.RealClock{}
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(kind, builder.WithPredicates(specOrFinalizerChanged)).
		// A ReportRun finishing updates lastReport and ReportUpToDate.
		Owns(&v1alpha1.ReportRun{}, builder.WithPredicates(runMatters))
	// The portal's objects: drift is repaired, availability read.
	for _, o := range []client.Object{&corev1.ServiceAccount{}, &corev1.ConfigMap{}, &corev1.Secret{}, &appsv1.Deployment{},
		&corev1.Service{}, &networkingv1.NetworkPolicy{}, &networkingv1.Ingress{}, &policyv1.PodDisruptionBudget{}} {
		b = b.Owns(o)
	}
	return b.Named(name)
}

// owning is how a tenant's reconciler applies the objects owner owns.
func (t *TenantReconciler) owning(owner client.Object) owning {
	return owning{
		c: t.Client, reader: t.APIReader, scheme: t.Scheme, owner: owner, kind: kindOf(owner),
		event: func(typ, reason, action, format string, args ...any) {
			recordEvent(t.Recorder, owner, typ, reason, action, format, args...)
		},
	}
}

// kindOf names a tenant's kind, for messages.
func kindOf(obj client.Object) string {
	if _, ok := obj.(*v1alpha1.CityReport); ok {
		return "CityReport"
	}
	return "CountyReport"
}

// lookup reads obj from the cache and, when the cache does not have it, from
// the API server: the cache holds only objects labelled as the operator's,
// so one whose label was removed by hand, or one created a moment ago, is
// found there. It reports whether obj exists.
func (t *TenantReconciler) lookup(ctx context.Context, key client.ObjectKey, obj client.Object) (bool, error) {
	return lookupIn(ctx, t.Client, t.APIReader, key, obj)
}

// refuseLaterClaim refuses the subject when another of claims holds the
// code they share (firstClaim: the oldest). msg names the holder.
func refuseLaterClaim[T any, PT interface {
	*T
	client.Object
}](rec events.EventRecorder, st *stepState, claims []T, reason string, msg func(holder PT) string) {
	if holder := firstClaim[T, PT](claims); holder != nil && holder.GetUID() != st.obj.GetUID() {
		st.refuse(rec, reason, msg(holder))
	}
}

// ensurePortalSecret keeps every value a portal's Secret already has and
// makes only the missing ones (keys), so a session key or a password is
// never replaced: the apply then writes nothing when nothing is missing.
func (t *TenantReconciler) ensurePortalSecret(ctx context.Context, o owning, key client.ObjectKey, keys []string,
	build func(data map[string][]byte) *corev1.Secret) error {
	var have corev1.Secret
	found, err := t.lookup(ctx, key, &have)
	if err != nil {
		return fmt.Errorf("read Secret %s: %w", key.Name, err)
	}
	data, generated, err := portalSecretData(&have, found, keys)
	if err != nil {
		return err
	}
	want := build(data)
	if generated {
		want.Annotations = map[string]string{annotationInitialPassword: "true"}
	}
	return ensureOwned(ctx, o, want)
}

// listRuns lists the ReportRuns in namespace ns that of picks, leaving out
// those being deleted.
func listRuns(ctx context.Context, c client.Reader, ns string, of func(*v1alpha1.ReportRun) bool) ([]v1alpha1.ReportRun, error) {
	var list v1alpha1.ReportRunList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list ReportRuns: %w", err)
	}
	out := list.Items[:0]
	for _, run := range list.Items {
		if of(&run) && run.DeletionTimestamp.IsZero() {
			out = append(out, run)
		}
	}
	return out, nil
}

// scheduleZone is the time zone of a tenant's schedule; UTC when it does
// not parse (the tenant's own reconcile refuses such a spec).
func scheduleZone(s v1alpha1.ScheduleSpec) *time.Location {
	if sched, err := schedule.Parse(s.Cron, s.TimeZone); err == nil {
		return sched.Location()
	}
	return time.UTC
}

// releaseStorage applies the deletion policy to a tenant's bucket, then
// releases the finalizer. Owned objects go through their owner references.
// deleteOwned removes the bucket when this tenant created it
// (storage.ErrNotOwned otherwise); it is not called when the manager has no
// storage. A passing error on the release is retried quietly: the policy is
// applied again (idempotently), and its Event waits for the finalizer to be
// released, so it is told once.
func (t *TenantReconciler) releaseStorage(ctx context.Context, obj client.Object, bucket string, policy v1alpha1.DeletionPolicy,
	hasStorage bool, deleteOwned func(ctx context.Context) error) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, StorageFinalizer) {
		return ctrl.Result{}, nil
	}
	if !hasStorage {
		deleteOwned = nil
	}
	outcome, err := t.applyDeletionPolicy(ctx, obj, bucket, policy, deleteOwned)
	if err != nil {
		return ctrl.Result{}, err
	}
	controllerutil.RemoveFinalizer(obj, StorageFinalizer)
	if err := t.Update(ctx, obj); err != nil {
		if transient.Is(err) {
			return ctrl.Result{RequeueAfter: transient.Delay(err)}, nil
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	recordEvent(t.Recorder, obj, outcome.typ, outcome.reason, "Delete", "%s", outcome.msg)
	return ctrl.Result{}, nil
}

// deletionOutcome is the Event that tells what happened to the bucket.
type deletionOutcome struct{ typ, reason, msg string }

// applyDeletionPolicy deals with the bucket as spec.storage.deletionPolicy
// says, touching only a bucket the tenant owns.
func (t *TenantReconciler) applyDeletionPolicy(ctx context.Context, obj client.Object, bucket string, policy v1alpha1.DeletionPolicy,
	deleteOwned func(ctx context.Context) error) (deletionOutcome, error) {
	switch {
	case obj.GetAnnotations()[AnnotationSkipStorageCleanup] == "true":
		return deletionOutcome{corev1.EventTypeWarning, "StorageCleanupSkipped",
			fmt.Sprintf("%s is set: bucket %s is left as it is", AnnotationSkipStorageCleanup, bucket)}, nil
	case policy != v1alpha1.DeletionDelete:
		return deletionOutcome{corev1.EventTypeNormal, "BucketRetained",
			fmt.Sprintf("bucket %s and its reports are kept (deletionPolicy Retain)", bucket)}, nil
	case deleteOwned == nil:
		return deletionOutcome{}, errors.New("deletionPolicy is Delete but the manager has no storage endpoint; " +
			"start it with one, or annotate the " + kindOf(obj) + " " + AnnotationSkipStorageCleanup + "=true to leave the bucket")
	}
	err := t.withStorage(ctx, 4, deleteOwned)
	switch {
	case errors.Is(err, storage.ErrNotOwned):
		return deletionOutcome{corev1.EventTypeWarning, v1alpha1.ReasonBucketNotOwned,
			fmt.Sprintf("bucket %s was not created for this %s and is left untouched: %v", bucket, kindOf(obj), err)}, nil
	case err != nil:
		return deletionOutcome{}, fmt.Errorf("delete bucket %s (annotate %s=true to leave it): %w", bucket, AnnotationSkipStorageCleanup, err)
	}
	return deletionOutcome{corev1.EventTypeNormal, "BucketDeleted", fmt.Sprintf("bucket %s and every version in it removed", bucket)}, nil
}
