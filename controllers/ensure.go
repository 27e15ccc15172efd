package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
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
func ensure[T client.Object](ctx context.Context, r *CountyReportReconciler, cr *v1alpha1.CountyReport, want T) error {
	return ensureOwned(ctx, r.owning(cr), want)
}

// owning is one owner's side of ensureOwned: the client to read and apply
// with, the API reader for what the cache does not hold, the owner, and
// where its Events go.
type owning struct {
	c      client.Client
	reader client.Reader
	scheme *runtime.Scheme
	owner  client.Object
	kind   string // the owner's kind, for messages
	event  func(typ, reason, action, format string, args ...any)
}

// ensureOwned is ensure for any owner: a CountyReport's or a CityReport's
// objects alike.
func ensureOwned[T client.Object](ctx context.Context, o owning, want T) error {
	kind := reflect.TypeOf(want).Elem().Name()
	if err := controllerutil.SetControllerReference(o.owner, want, o.scheme); err != nil {
		return err
	}
	gvk, err := apiutil.GVKForObject(want, o.scheme)
	if err != nil {
		return err
	}
	intent, err := ownedfields.Intent(want, gvk)
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, want.GetName(), err)
	}
	have := reflect.New(reflect.TypeOf(want).Elem()).Interface().(T)
	found, err := lookupIn(ctx, o.c, o.reader, client.ObjectKeyFromObject(want), have)
	if err != nil {
		return fmt.Errorf("get %s %s: %w", kind, want.GetName(), err)
	}
	if found {
		if !controlledBy(have, o.owner) {
			return fmt.Errorf("%s %s exists and is not owned by %s %s; rename or remove it", kind, want.GetName(), o.kind, o.owner.GetName())
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
	if err := o.c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply %s %s: %w", kind, want.GetName(), err)
	}
	if o.event != nil {
		if found {
			o.event(corev1.EventTypeNormal, "Updated", "Update", "updated %s %s", kind, want.GetName())
		} else {
			o.event(corev1.EventTypeNormal, "Created", "Create", "created %s %s", kind, want.GetName())
		}
	}
	return nil
}

// lookupIn is lookup with the given cache-backed client and API reader (nil: cache only).
func lookupIn(ctx context.Context, c client.Reader, reader client.Reader, key client.ObjectKey, obj client.Object) (bool, error) {
	err := c.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) && reader != nil {
		err = reader.Get(ctx, key, obj)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// remove deletes obj when it exists and this CountyReport controls it. It
// looks in the cache only: an object that is not wanted is usually absent,
// and asking the API server on every reconcile would cost a request each.
func remove[T client.Object](ctx context.Context, r *CountyReportReconciler, cr *v1alpha1.CountyReport, obj T) error {
	return removeOwned(ctx, r.owning(cr), obj)
}

// removeOwned is remove for any owner.
func removeOwned[T client.Object](ctx context.Context, o owning, obj T) error {
	kind := reflect.TypeOf(obj).Elem().Name()
	if err := o.c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !controlledBy(obj, o.owner) {
		return nil
	}
	if err := o.c.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete %s %s: %w", kind, obj.GetName(), err)
	}
	if o.event != nil {
		o.event(corev1.EventTypeNormal, "Deleted", "Delete", "deleted %s %s", kind, obj.GetName())
	}
	return nil
}

func metav1IsControlledBy(obj client.Object, cr *v1alpha1.CountyReport) bool {
	return controlledBy(obj, cr)
}

// controlledBy reports whether owner is obj's controller.
func controlledBy(obj, owner client.Object) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller && ref.UID == owner.GetUID() {
			return true
		}
	}
	return false
}
