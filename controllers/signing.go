package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Each tenant's signing certificate, issued by the installation CA the
// operator holds (internal/signing): a Secret <name>-signing in the
// tenant's own namespace, renewed RenewBefore its end. Only that
// tenant's runs read it: its Jobs mount it, the in-process executor and
// the city's report read it by the tenant's own name. No portal mounts it
// and no portal Role reaches Secrets.

// reconcileSigning ensures the county's signing Secret.
func (r *CountyReportReconciler) reconcileSigning(ctx context.Context, st *reconcileState) error {
	if r.Signing == nil {
		return nil
	}
	cr := st.cr
	t := signing.Tenant{Code: cr.Spec.County.Code, Name: cr.Spec.County.Name, EnglishName: cr.Spec.County.EnglishName, Kind: "county"}
	labels := tenant.Labels(cr)
	labels["app.kubernetes.io/component"] = "signing"
	renew, err := ensureSigning(ctx, r.Signing, r.owning(cr), r.Client, r.APIReader, cr.Namespace, cr.Name, t, labels, r.Clock.Now())
	if err != nil {
		return err
	}
	st.requeueIn(renew)
	return nil
}

// reconcileCitySigning ensures the city's signing Secret in city-<name>.
func (r *CityReportReconciler) reconcileCitySigning(ctx context.Context, st *cityState) error {
	if r.Signing == nil {
		return nil
	}
	c := st.city
	t := signing.Tenant{Code: c.Spec.City.Code, Name: c.Spec.City.Name, EnglishName: c.Spec.City.EnglishName, Kind: "city"}
	renew, err := ensureSigning(ctx, r.Signing, r.owning(c), r.Client, r.APIReader, tenant.CityNamespace(c), c.Name, t,
		tenant.CityLabels(c, "signing"), r.Clock.Now())
	if err != nil {
		return err
	}
	st.requeueIn(renew)
	return nil
}

// ensureSigning keeps the Secret SecretName(owner) in namespace holding a
// good certificate for t, issuing one when it has none (or one about to
// expire, of another CA, for another tenant), and returns the wait until
// it must be renewed.
func ensureSigning(ctx context.Context, a *signing.Authority, o owning, cache, reader client.Reader, namespace, owner string,
	t signing.Tenant, labels map[string]string, now time.Time) (time.Duration, error) {
	key := client.ObjectKey{Namespace: namespace, Name: signing.SecretName(owner)}
	var have corev1.Secret
	err := cache.Get(ctx, key, &have)
	if apierrors.IsNotFound(err) {
		err = reader.Get(ctx, key, &have) // just made, and not yet in the cache?
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	data, why, renewAt, err := a.TenantData(have.Data, t, now)
	if err != nil {
		return 0, fmt.Errorf("the signing certificate of %s (%s): %w", t.Name, t.Code, err)
	}
	if err := ensureOwned(ctx, o, signing.TenantSecret(namespace, key.Name, labels, data)); err != nil {
		return 0, err
	}
	if why != "" {
		o.event(corev1.EventTypeNormal, "SigningCertificateIssued", "Issue",
			"%s", messages.Both("controllers.signingIssued", key.Name, why))
	}
	return renewAt.Sub(now), nil
}

// signCityReport signs the city's report with the city's own key (read
// from its own namespace) and records the signature in the manifest; with
// no Keys it is published as rendered.
func (r *CityReportReconciler) signCityReport(ctx context.Context, c *v1alpha1.CityReport, bucket, period string, pdf, manifestJSON []byte) ([]byte, []byte, error) {
	if r.Keys == nil {
		return pdf, manifestJSON, nil
	}
	t := signing.Tenant{Code: c.Spec.City.Code, Name: c.Spec.City.Name, EnglishName: c.Spec.City.EnglishName, Kind: "city"}
	s, err := r.Keys.Signer(ctx, tenant.CityNamespace(c), c.Name, t)
	if err != nil {
		return nil, nil, err
	}
	return signing.SignForArchive(ctx, r.Storage.Archive(bucket), period, s, pdf, manifestJSON)
}
