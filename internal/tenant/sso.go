package tenant

import (
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
)

// SSODir is where the Secret holding the SSO client secret is mounted
// (only its one key).
const SSODir = "/etc/countyreport/sso"

// DefaultClientSecretKey is spec.portal.sso.clientSecret.key's default.
const DefaultClientSecretKey = "client-secret"

func clientSecretKey(s *v1alpha1.SSOSpec) string {
	if s.ClientSecret.Key == "" {
		return DefaultClientSecretKey
	}
	return s.ClientSecret.Key
}

// ssoConfig is the portal's sso section: the manifest's provider and
// mapping (editors are a city's reviewers); nil without spec.portal.sso.
func ssoConfig(s *v1alpha1.SSOSpec, city bool) *portal.SSOConfig {
	if s == nil {
		return nil
	}
	editors := s.EditorGroups
	if city {
		editors = s.ReviewerGroups
	}
	return &portal.SSOConfig{
		Issuer: s.Issuer, ClientID: s.ClientID, ClientSecretFile: SSODir + "/" + clientSecretKey(s),
		Scopes: append([]string(nil), s.Scopes...), GroupsClaim: s.GroupsClaim, ProviderName: s.ProviderName,
		EditorGroups: append([]string(nil), editors...), ViewerGroups: append([]string(nil), s.ViewerGroups...),
		LocalAccountsDisabled: s.LocalAccounts == v1alpha1.LocalAccountsDisabled,
	}
}

// ssoVolume mounts the client secret's one key (a name in the tenant's
// own namespace: a portal never reads another's Secrets).
func ssoVolume(s *v1alpha1.SSOSpec) (corev1.Volume, corev1.VolumeMount) {
	key := clientSecretKey(s)
	v := corev1.Volume{Name: "sso", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: s.ClientSecret.Name, DefaultMode: ptr.To[int32](0o440),
		Items: []corev1.KeyToPath{{Key: key, Path: key}},
	}}}
	return v, corev1.VolumeMount{Name: "sso", MountPath: SSODir, ReadOnly: true}
}

// ssoEgress lets the portal reach the identity provider's port (a host
// name cannot be pinned in a NetworkPolicy); false without SSO.
func ssoEgress(s *v1alpha1.SSOSpec) (networkingv1.NetworkPolicyEgressRule, bool) {
	if s == nil {
		return networkingv1.NetworkPolicyEgressRule{}, false
	}
	port := int32(443)
	if u, err := url.Parse(s.Issuer); err == nil && u.Port() != "" {
		if p, err := strconv.ParseInt(u.Port(), 10, 32); err == nil {
			port = int32(p)
		}
	}
	tcp := corev1.ProtocolTCP
	return networkingv1.NetworkPolicyEgressRule{Ports: []networkingv1.NetworkPolicyPort{
		{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(port))},
	}}, true
}

// portalPDB keeps one portal pod up through voluntary disruptions (a node
// drained, a cluster upgrade) when the tenant runs two or more: sessions
// live in cookies and the bucket, so any pod serves any user. nil for one
// replica, where a budget would only block drains.
func portalPDB(meta metav1.ObjectMeta, selector map[string]string, spec v1alpha1.PortalSpec) *policyv1.PodDisruptionBudget {
	if ptr.Deref(spec.Replicas, 1) < 2 {
		return nil
	}
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: meta,
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: selector},
		},
	}
}

// PodDisruptionBudget is the county portal's budget; nil below two replicas.
func PodDisruptionBudget(cr *v1alpha1.CountyReport) *policyv1.PodDisruptionBudget {
	return portalPDB(meta(cr), SelectorLabels(cr), cr.Spec.Portal)
}

// CityPodDisruptionBudget is the city portal's budget; nil below two replicas.
func CityPodDisruptionBudget(c *v1alpha1.CityReport) *policyv1.PodDisruptionBudget {
	return portalPDB(cityMeta(c), CitySelectorLabels(c), c.Spec.Portal)
}
