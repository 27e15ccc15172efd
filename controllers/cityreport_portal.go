package controllers

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

// The city's portal (`countyreport city-portal`) lives in city-<name>
// beside the city's two credentials Secrets, and is made like a county's:
// ServiceAccount, Secret, ConfigMap, Deployment, Service, NetworkPolicy and
// Ingress, each applied with ensureOwned and owned by the CityReport. Unlike
// a county's it has no Role: it never calls the Kubernetes API, and its
// ServiceAccount mounts no token. The manager needs no new permission for
// it (the county's portal objects are the same kinds).

// reconcileCityPortal ensures the city portal's objects and reads its availability.
func (r *CityReportReconciler) reconcileCityPortal(ctx context.Context, st *cityState) error {
	city := st.city
	in, err := r.cityPortalInputs(ctx, st)
	if err != nil {
		return err
	}
	o := r.owning(city)
	data, err := tenant.CityConfigData(city, in)
	if err != nil {
		return err
	}
	if err := ensureOwned(ctx, o, tenant.CityServiceAccount(city)); err != nil {
		return err
	}
	// The session key and generated accounts, kept as a county's: values
	// are made once, never replaced; a retired initial password stays retired.
	if err := r.ensurePortalSecret(ctx, o, client.ObjectKey{Namespace: tenant.CityNamespace(city), Name: tenant.CityPortalName(city)},
		tenant.CityPortalSecretKeys(city), func(data map[string][]byte) *corev1.Secret { return tenant.CityPortalSecret(city, data) }); err != nil {
		return err
	}
	if err := ensureOwned(ctx, o, tenant.CityConfigMap(city, data)); err != nil {
		return err
	}
	if err := ensureOwned(ctx, o, tenant.CityDeployment(city, in, tenant.CityConfigHash(data, in))); err != nil {
		return err
	}
	if err := ensureOwned(ctx, o, tenant.CityService(city)); err != nil {
		return err
	}
	if err := ensureOwned(ctx, o, tenant.CityNetworkPolicy(city, in)); err != nil {
		return err
	}
	ing, err := r.admittedCityIngress(ctx, city)
	if err != nil {
		return err
	}
	if ing != nil {
		err = ensureOwned(ctx, o, ing)
	} else {
		err = removeOwned(ctx, o, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: tenant.CityPortalName(city), Namespace: tenant.CityNamespace(city)}})
	}
	if err != nil {
		return err
	}
	if pdb := tenant.CityPodDisruptionBudget(city); pdb != nil {
		err = ensureOwned(ctx, o, pdb)
	} else {
		err = removeOwned(ctx, o, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: tenant.CityPortalName(city), Namespace: tenant.CityNamespace(city)}})
	}
	if err != nil {
		return err
	}
	city.Status.PortalURL = tenant.CityPortalURL(city)
	if ing == nil && city.Spec.Portal.Ingress != nil {
		c := city.DeepCopy()
		c.Spec.Portal.Ingress = nil
		city.Status.PortalURL = tenant.CityPortalURL(c)
	}

	var d appsv1.Deployment
	found, err := lookupIn(ctx, r.Client, r.APIReader, client.ObjectKey{Namespace: tenant.CityNamespace(city), Name: tenant.CityPortalName(city)}, &d)
	if err != nil {
		return fmt.Errorf("read city portal Deployment: %w", err)
	}
	status, reason, msg := metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotReady, "the city portal Deployment is not available yet"
	if found {
		status, reason, msg = deploymentAvailability(&d)
	}
	setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionPortalAvailable, status, reason, msg)
	return nil
}

// cityPortalInputs gathers what the builders need: the operator's settings,
// the members found on both sides, and the credentials the portal reads
// (their digest rolls the portal when they rotate).
func (r *CityReportReconciler) cityPortalInputs(ctx context.Context, st *cityState) (tenant.CityInputs, error) {
	city := st.city
	in := tenant.CityInputs{
		PortalImage:     r.PortalImage,
		StorageEndpoint: r.StorageEndpoint,
		StorageInsecure: r.StorageInsecure,
		StorageCA:       len(r.StorageCABundle) > 0,
		TrustedProxies:  r.TrustedProxies,
	}
	for _, m := range st.members {
		in.Members = append(in.Members, portal.CityMember{
			Code: m.county.Spec.County.Code, Name: m.county.Spec.County.Name, EnglishName: m.county.Spec.County.EnglishName,
		})
	}
	own, err := r.readCitySecret(ctx, city, tenant.CityCredentialsSecretName(city))
	if err != nil {
		return in, err
	}
	members, err := r.readCitySecret(ctx, city, tenant.MemberCredentialsSecretName(city))
	if err != nil {
		return in, err
	}
	if own != nil {
		in.CredentialsSecretName = tenant.CityCredentialsSecretName(city)
	}
	in.CredentialsHash = cityCredentialsHash(own, members)
	return in, nil
}

// cityCredentialsHash changes when the city's own access key, its CA, the
// member list or any member's access key changes.
func cityCredentialsHash(own, members map[string][]byte) string {
	b := append(append([]byte{}, own[tenant.SecretAccessKey]...), own[tenant.SecretCABundle]...)
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = append(b, fmt.Sprintf(";%s=%s", k, members[k])...)
	}
	return digest(b)
}

// admittedCityIngress is the city portal's Ingress when its host is the
// city's (the oldest CityReport naming it; a county never holds a city's
// host), nil otherwise; HostAdmitted says which.
func (r *CityReportReconciler) admittedCityIngress(ctx context.Context, city *v1alpha1.CityReport) (*networkingv1.Ingress, error) {
	ing := tenant.CityIngress(city)
	if ing == nil {
		meta.RemoveStatusCondition(&city.Status.Conditions, v1alpha1.ConditionHostAdmitted)
		return nil, nil
	}
	var cities v1alpha1.CityReportList
	if err := r.List(ctx, &cities); err != nil {
		return nil, fmt.Errorf("list CityReports: %w", err)
	}
	if owner := cityHostOwner(cities.Items, city); owner != nil && owner.UID != city.UID {
		msg := fmt.Sprintf("host %s is claimed by CityReport %s, created earlier; no Ingress is made for it", cityHost(city), owner.Name)
		if c := meta.FindStatusCondition(city.Status.Conditions, v1alpha1.ConditionHostAdmitted); c == nil || c.Message != msg {
			recordEvent(r.Recorder, city, corev1.EventTypeWarning, v1alpha1.ReasonHostNotGranted, "ClaimHost", "%s", msg)
		}
		setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionHostAdmitted, metav1.ConditionFalse, v1alpha1.ReasonHostNotGranted, msg)
		return nil, nil
	}
	setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionHostAdmitted, metav1.ConditionTrue, v1alpha1.ReasonReconciled,
		fmt.Sprintf("host %s routes to the city's portal", cityHost(city)))
	return ing, nil
}
