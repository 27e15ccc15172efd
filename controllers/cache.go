package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// OwnedKinds are the kinds of object the operator makes. Every one it makes
// carries the label app.kubernetes.io/managed-by=countyreport, and the
// manager's cache holds only those: a cluster's other ConfigMaps, Secrets or
// Deployments are never read into the manager's memory. A kind the operator
// starts making goes here (and gets the label from its builder).
func OwnedKinds() []client.Object {
	return []client.Object{
		&corev1.ServiceAccount{}, &corev1.ConfigMap{}, &corev1.Secret{}, &corev1.Service{},
		&appsv1.Deployment{}, &networkingv1.NetworkPolicy{}, &networkingv1.Ingress{},
		&batchv1.Job{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}, &policyv1.PodDisruptionBudget{},
	}
}

// ManagedSelector selects the objects the operator made.
func ManagedSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue})
}

// CacheOptions are the manager's cache settings: the watched namespaces
// (all when none) and, for every owned kind, only the objects labelled as
// the operator's. An object whose label is removed by hand leaves the cache;
// the reconcilers then find it on the API server (lookup) and label it again.
// unfiltered turns the label filter off (the memory benchmark's "before").
func CacheOptions(namespaces []string, unfiltered bool) cache.Options {
	o := cache.Options{}
	if len(namespaces) > 0 {
		o.DefaultNamespaces = map[string]cache.Config{}
		for _, n := range namespaces {
			o.DefaultNamespaces[n] = cache.Config{}
		}
	}
	if unfiltered {
		return o
	}
	o.DefaultTransform = trimForCache
	o.ByObject = map[client.Object]cache.ByObject{}
	for _, k := range OwnedKinds() {
		o.ByObject[k] = cache.ByObject{Label: ManagedSelector()}
	}
	return o
}

// trimForCache drops from a cached object what no reconciler reads: every
// managedFields entry but the operator's own apply (ensure compares with
// it), and the copy of the whole object kubectl apply keeps in an
// annotation. Thousands of counties' objects are held in memory; those
// parts were close to half of each. No reconciler updates an object it
// applies, so the shortened managedFields list is never sent back (an
// update carrying it would replace the server's list).
func trimForCache(obj any) (any, error) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return obj, nil
	}
	var keep []metav1.ManagedFieldsEntry
	for _, e := range o.GetManagedFields() {
		if e.Manager == FieldOwner && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			keep = append(keep, e)
		}
	}
	o.SetManagedFields(keep)
	if a := o.GetAnnotations(); a != nil {
		if _, ok := a[corev1.LastAppliedConfigAnnotation]; ok {
			delete(a, corev1.LastAppliedConfigAnnotation)
			o.SetAnnotations(a)
		}
	}
	return obj, nil
}
