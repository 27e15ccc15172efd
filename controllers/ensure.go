package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/ownedfields"
)

// FieldOwner is the field manager the operator applies every object with.
// What it owns in an object is exactly what its builder in internal/tenant
// sets: a field the builder stops setting is removed, and a field someone
// else changes or removes is set back.
const FieldOwner = "countyreport"

// errCacheBehind: an object the cache does not have exists in the API
// server. The kinds this happens with (ReportRuns) are cached whole, so the
// cache has not caught up yet: a reconcile a moment ago created the object.
// That is no failure to report: the reconcile stops without writing status
// and looks again shortly, when it sees the object (and, if it is someone
// else's, says so).
var errCacheBehind = errors.New("already exists; the cache has not seen it yet")

// ensure makes the object want, built by internal/tenant, exist exactly as
// built: it applies want with the operator's field manager unless the fields
// that manager owns in the existing object already are want, so a steady
// state makes no writes. An object of the same name that another owner
// controls is never taken over.
func ensure[T client.Object](ctx context.Context, r *CountyReportReconciler, cr *reportingv1.CountyReport, want T) error {
	kind := reflect.TypeOf(want).Elem().Name()
	if err := controllerutil.SetControllerReference(cr, want, r.Scheme); err != nil {
		return err
	}
	gvk, err := apiutil.GVKForObject(want, r.Scheme)
	if err != nil {
		return err
	}
	intent, err := ownedfields.Intent(want, gvk)
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, want.GetName(), err)
	}
	have := reflect.New(reflect.TypeOf(want).Elem()).Interface().(T)
	found, err := r.lookup(ctx, client.ObjectKeyFromObject(want), have)
	if err != nil {
		return fmt.Errorf("get %s %s: %w", kind, want.GetName(), err)
	}
	if found {
		if !metav1IsControlledBy(have, cr) {
			return fmt.Errorf("%s %s exists and is not owned by CountyReport %s; rename or remove it", kind, want.GetName(), cr.Name)
		}
		owned, err := ownedfields.Owned(have, have.GetManagedFields(), FieldOwner)
		if err != nil {
			return fmt.Errorf("%s %s: %w", kind, want.GetName(), err)
		}
		if ownedfields.Same(intent, owned) {
			return nil
		}
	}
	u := &unstructured.Unstructured{Object: intent}
	if err := r.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply %s %s: %w", kind, want.GetName(), err)
	}
	if found {
		r.event(cr, corev1.EventTypeNormal, "Updated", "Update", "updated %s %s", kind, want.GetName())
	} else {
		r.event(cr, corev1.EventTypeNormal, "Created", "Create", "created %s %s", kind, want.GetName())
	}
	return nil
}

// lookup reads obj from the cache and, when the cache does not have it, from
// the API server: the cache holds only objects labelled as the operator's,
// so one whose label was removed by hand, or one created a moment ago, is
// found there. It reports whether obj exists.
func (r *CountyReportReconciler) lookup(ctx context.Context, key client.ObjectKey, obj client.Object) (bool, error) {
	err := r.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		err = r.APIReader.Get(ctx, key, obj)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// remove deletes obj when it exists and this CountyReport controls it. It
// looks in the cache only: an object that is not wanted is usually absent,
// and asking the API server on every reconcile would cost a request each.
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
