package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// A county code, and a city's namespace, are granted by the cluster
// administrator with a label on the Namespace:
//
//	reporting.countyreport.io/county: "<county code>"   on the county's namespace
//	reporting.countyreport.io/city:   "<city code>"     on the city's namespace city-<name>
//
// Namespaces are cluster-scoped: an editor of a namespace (the "edit" or
// "admin" ClusterRole bound in it) cannot change its labels. So whoever can
// create CountyReports in one namespace cannot take a code that the cluster
// administrator gave another, whatever order the objects are created in.

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// namespaceLabel reads one label of a Namespace with c. found is false
// when the Namespace does not exist.
func namespaceLabel(ctx context.Context, c client.Reader, ns, label string) (value string, found bool, err error) {
	var n metav1.PartialObjectMetadata
	n.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := c.Get(ctx, client.ObjectKey{Name: ns}, &n); err != nil {
		if apierrors.IsNotFound(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("read namespace %s: %w", ns, err)
	}
	return n.GetLabels()[label], true, nil
}

// grantReaders read grants: the cache first, so that a steady state asks
// the API server nothing, and the API server when the cache does not show
// the grant wanted (it may lag behind a label just set).
type grantReaders struct{ cached, live client.Reader }

// label reads label of namespace ns, wanting want.
func (g grantReaders) label(ctx context.Context, ns, label, want string) (string, bool, error) {
	if g.cached != nil && want != "" {
		if v, found, err := namespaceLabel(ctx, g.cached, ns, label); err == nil && found && v == want {
			return v, true, nil
		}
	}
	return namespaceLabel(ctx, g.live, ns, label)
}

// codeGranted reports whether cr's namespace was given cr's county code.
func (g grantReaders) codeGranted(ctx context.Context, cr *v1alpha1.CountyReport) (bool, error) {
	v, _, err := g.label(ctx, cr.Namespace, v1alpha1.LabelCounty, cr.Spec.County.Code)
	return v != "" && v == cr.Spec.County.Code, err
}

// grantedClaims keeps the CountyReports whose namespace was given their
// code: only those compete for it (firstClaim), so a claim made earlier in a
// namespace that was not given the code never displaces the real county.
func grantedClaims(ctx context.Context, g grantReaders, items []v1alpha1.CountyReport) ([]v1alpha1.CountyReport, error) {
	out := make([]v1alpha1.CountyReport, 0, len(items))
	for i := range items {
		ok, err := g.codeGranted(ctx, &items[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, items[i])
		}
	}
	return out, nil
}

// grantReader is where grants are read: the cache, then the API server
// when the reconciler has a reader for it (its client otherwise: tests that
// build one by hand).
func (r *CountyReportReconciler) grantReader() grantReaders {
	if r.APIReader != nil {
		return grantReaders{cached: r.Client, live: r.APIReader}
	}
	return grantReaders{live: r.Client}
}

// checkGrant refuses a CountyReport whose namespace was not given its code:
// nothing is provisioned, no bucket, credentials, portal or membership.
func (r *CountyReportReconciler) checkGrant(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	v, found, err := r.grantReader().label(ctx, cr.Namespace, v1alpha1.LabelCounty, cr.Spec.County.Code)
	if err != nil {
		return err
	}
	if found && v == cr.Spec.County.Code {
		return nil
	}
	msg := fmt.Sprintf("namespace %s is not given county code %s: a cluster administrator grants it with "+
		"kubectl label namespace %s %s=%s; nothing is provisioned for this CountyReport",
		cr.Namespace, cr.Spec.County.Code, cr.Namespace, v1alpha1.LabelCounty, cr.Spec.County.Code)
	if v != "" {
		msg = fmt.Sprintf("namespace %s is given county code %s, not %s; nothing is provisioned for this CountyReport",
			cr.Namespace, v, cr.Spec.County.Code)
	}
	st.refuse(r.Recorder, v1alpha1.ReasonCodeNotGranted, msg)
	return nil
}

// countiesInNamespace wakes the CountyReports of a namespace whose labels
// changed: a code granted, moved or taken back.
func (r *CountyReportReconciler) countiesInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, client.InNamespace(o.GetName())); err != nil {
		logf.FromContext(ctx).Error(err, "list CountyReports", "namespace", o.GetName())
		return nil
	}
	seen := map[client.ObjectKey]bool{}
	var reqs []reconcile.Request
	for _, cr := range list.Items {
		// The other claimants of the same code look again too: the owner
		// of a code may have changed.
		for _, req := range append([]reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(&cr)}}, r.sameCounty(ctx, &cr)...) {
			if !seen[req.NamespacedName] {
				seen[req.NamespacedName] = true
				reqs = append(reqs, req)
			}
		}
	}
	return reqs
}
