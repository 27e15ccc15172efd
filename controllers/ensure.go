package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
)

// errCacheBehind: an object the cache does not have exists in the API
// server. The kinds this happens with (the portal's objects, ReportRuns) are
// cached whole, so the cache has not caught up yet: a reconcile a moment ago
// created the object. That is no failure to report: the reconcile stops
// without writing status and looks again shortly, when it sees the object
// (and, if it is someone else's, says so).
var errCacheBehind = errors.New("already exists; the cache has not seen it yet")

// syncFunc brings have toward want and reports whether it changed anything.
// It compares only the fields the operator owns, so defaults the API server
// fills in never count as a difference: a steady state makes no writes.
type syncFunc[T client.Object] func(have, want T) bool

// ensure creates want when it does not exist, or updates the existing object
// when sync finds a difference. It never writes an object that already matches.
func ensure[T client.Object](ctx context.Context, r *CountyReportReconciler, cr *reportingv1.CountyReport, want T, sync syncFunc[T]) error {
	kind := reflect.TypeOf(want).Elem().Name()
	have := reflect.New(reflect.TypeOf(want).Elem()).Interface().(T)
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		if err := controllerutil.SetControllerReference(cr, want, r.Scheme); err != nil {
			return err
		}
		if err := r.Create(ctx, want); err != nil {
			if apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("create %s %s: %w", kind, want.GetName(), errCacheBehind)
			}
			return fmt.Errorf("create %s %s: %w", kind, want.GetName(), err)
		}
		r.event(cr, corev1.EventTypeNormal, "Created", "Create", "created %s %s", kind, want.GetName())
		return nil
	case err != nil:
		return fmt.Errorf("get %s %s: %w", kind, want.GetName(), err)
	}
	if !metav1IsControlledBy(have, cr) {
		return fmt.Errorf("%s %s exists and is not owned by CountyReport %s; rename or remove it", kind, want.GetName(), cr.Name)
	}
	changed := mergeLabels(have, want.GetLabels())
	if sync(have, want) {
		changed = true
	}
	if !changed {
		return nil
	}
	if err := r.Update(ctx, have); err != nil {
		return fmt.Errorf("update %s %s: %w", kind, want.GetName(), err)
	}
	r.event(cr, corev1.EventTypeNormal, "Updated", "Update", "updated %s %s", kind, want.GetName())
	return nil
}

// remove deletes obj when it exists and this CountyReport controls it.
func remove[T client.Object](ctx context.Context, r *CountyReportReconciler, cr *reportingv1.CountyReport, obj T) error {
	kind := reflect.TypeOf(obj).Elem().Name()
	if err := r.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !metav1IsControlledBy(obj, cr) {
		return nil
	}
	if err := r.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete %s %s: %w", kind, obj.GetName(), err)
	}
	r.event(cr, corev1.EventTypeNormal, "Deleted", "Delete", "deleted %s %s", kind, obj.GetName())
	return nil
}

func metav1IsControlledBy(obj client.Object, cr *reportingv1.CountyReport) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller && ref.UID == cr.UID {
			return true
		}
	}
	return false
}

// mergeLabels adds the wanted labels to obj, keeping labels others set.
func mergeLabels(obj client.Object, want map[string]string) bool {
	labels := obj.GetLabels()
	changed := false
	for k, v := range want {
		if labels[k] != v {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[k] = v
			changed = true
		}
	}
	if changed {
		obj.SetLabels(labels)
	}
	return changed
}
