package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// The portal's identity and secrets (issue 10): a Role in the county's own
// namespace bound to the portal's ServiceAccount, and the portal's Secret
// with its session key and, unless an accounts Secret is named, the
// generated admin account.
//
// To grant the Role, the manager must hold what it grants (the API server's
// escalation check): create/get/list/watch on ReportRuns and get on
// CountyReports it has already.
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;patch

// annotationInitialPassword on the portal's Secret records that the
// operator generated an initial password once: deleting the key retires
// the account for good instead of making a new password appear.
const annotationInitialPassword = "reporting.countyreport.io/initial-password-generated"

// reconcilePortalAccess ensures the Role, its RoleBinding and the portal's Secret.
func (r *CountyReportReconciler) reconcilePortalAccess(ctx context.Context, cr *v1alpha1.CountyReport) error {
	if err := ensure(ctx, r, cr, tenant.Role(cr)); err != nil {
		return err
	}
	if err := ensure(ctx, r, cr, tenant.RoleBinding(cr)); err != nil {
		return err
	}
	return r.ensurePortalSecret(ctx, r.owning(cr), client.ObjectKey{Namespace: cr.Namespace, Name: tenant.Name(cr)},
		tenant.PortalSecretKeys(cr), func(data map[string][]byte) *corev1.Secret { return tenant.PortalSecret(cr, data) })
}

// portalSecretData is the data a portal's Secret must have: every value
// have already holds, a new one for each of keys that is missing (but an
// initial password retired by hand is not made again), and the generated
// accounts and password kept even when keys no longer asks for them.
// generated says an initial password was made, now or before.
func portalSecretData(have *corev1.Secret, found bool, keys []string) (map[string][]byte, bool, error) {
	data := map[string][]byte{}
	generated := found && have.Annotations[annotationInitialPassword] == "true"
	for _, key := range keys {
		if v, ok := have.Data[key]; found && ok && len(v) > 0 {
			data[key] = v
			continue
		}
		if key == tenant.InitialPasswordKey && generated {
			continue // retired by hand: never made again
		}
		v, err := tenant.NewPortalSecretValue(key)
		if err != nil {
			return nil, false, err
		}
		data[key] = v
		if key == tenant.InitialPasswordKey {
			generated = true
		}
	}
	// Values the operator made earlier and no longer needs (accounts named
	// since) stay as they are: they are the tenant's to delete.
	for _, key := range []string{tenant.AccountsKey, tenant.InitialPasswordKey} {
		if v, ok := have.Data[key]; ok && data[key] == nil {
			data[key] = v
		}
	}
	return data, generated, nil
}
