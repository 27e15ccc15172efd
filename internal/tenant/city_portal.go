package tenant

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
)

// The city's portal: `countyreport city-portal`, one per CityReport, in the
// city's namespace city-<name> beside its two credentials Secrets. It reads
// its own bucket with the city's credentials (<name>-storage, in its
// environment) and each member's bucket with that member's read-only
// credentials (<name>-members, mounted at CityMembersDir). It needs nothing
// of the Kubernetes API: its ServiceAccount has no token and no Role.
const (
	// CityConfigFile is the city portal's configuration file inside its ConfigMap.
	CityConfigFile = "city-portal.yaml"
	// CityMembersDir is where the member credentials Secret is mounted, one
	// file per key (<code>.accessKey, …).
	CityMembersDir = "/etc/countyreport/members"
	// CityPortalComponent is the app.kubernetes.io/component of the city portal's objects.
	CityPortalComponent = "portal"
)

// CityInputs are what the city portal's builders need besides the
// CityReport: the operator's settings and what the other steps found.
type CityInputs struct {
	// PortalImage is the image the operator was started with.
	PortalImage string
	// StorageEndpoint is host:port of the S3 endpoint; empty when storage is not configured.
	StorageEndpoint string
	StorageInsecure bool
	// CredentialsSecretName names the city's own credentials Secret; empty
	// when not yet minted (the portal then gets no storage credentials).
	CredentialsSecretName string
	// CredentialsHash changes whenever the city's own or its members'
	// credentials change, so the portal rolls.
	CredentialsHash string
	// TrustedProxies are the installation's trusted proxies (see Inputs).
	TrustedProxies []string
	// StorageCA is true when the credentials Secret carries the endpoint's CA bundle.
	StorageCA bool
	// Members are the counties that are members on both sides, in code order.
	Members []portal.CityMember
}

// CityPortalName is the name of every object of the city's portal.
func CityPortalName(c *v1alpha1.CityReport) string { return c.Name + "-portal" }

// CitySelectorLabels select the city portal's pods (and nothing else of
// the city's: its Secrets carry another component).
func CitySelectorLabels(c *v1alpha1.CityReport) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "countyreport-city",
		"app.kubernetes.io/instance":  c.Name,
		"app.kubernetes.io/component": CityPortalComponent,
	}
}

// CityPortalLabels go on every object of the city's portal.
func CityPortalLabels(c *v1alpha1.CityReport) map[string]string {
	return CityLabels(c, CityPortalComponent)
}

func cityMeta(c *v1alpha1.CityReport) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: CityPortalName(c), Namespace: CityNamespace(c), Labels: CityPortalLabels(c)}
}

// CityGeneratesAccounts reports whether the operator makes the city portal's accounts.
func CityGeneratesAccounts(c *v1alpha1.CityReport) bool {
	return c.Spec.Portal.AccountsSecretName == ""
}

// CityAccountsFile is where the city portal finds its accounts file.
func CityAccountsFile(c *v1alpha1.CityReport) string {
	if CityGeneratesAccounts(c) {
		return SecretDir + "/" + AccountsKey
	}
	return AccountsDir + "/" + AccountsKey
}

// CityPortalSecretKeys are the keys the city portal's Secret must have:
// the session key and, with no accounts Secret named, the generated
// accounts and the admin's initial password, as a county's.
func CityPortalSecretKeys(c *v1alpha1.CityReport) []string {
	if CityGeneratesAccounts(c) {
		return []string{SessionKeyKey, AccountsKey, InitialPasswordKey}
	}
	return []string{SessionKeyKey}
}

// CityPortalSecret is the city portal's Secret with the given data.
func CityPortalSecret(c *v1alpha1.CityReport, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: cityMeta(c), Type: corev1.SecretTypeOpaque, Data: data}
}

// CityPortalURL is where the city's reviewers reach the portal.
func CityPortalURL(c *v1alpha1.CityReport) string {
	if ing := c.Spec.Portal.Ingress; ing != nil {
		if ing.TLSSecretName != "" {
			return "https://" + ing.Host + "/"
		}
		return "http://" + ing.Host + "/"
	}
	return fmt.Sprintf("http://%s.%s.svc:%d/", CityPortalName(c), CityNamespace(c), ServicePort)
}

// CityConfig is the city portal's configuration.
func CityConfig(c *v1alpha1.CityReport, in CityInputs) portal.CityConfig {
	conf := portal.CityConfig{
		CityReport:      c.Name,
		Namespace:       CityNamespace(c),
		CityCode:        c.Spec.City.Code,
		CityName:        c.Spec.City.Name,
		EnglishName:     c.Spec.City.EnglishName,
		Members:         append([]portal.CityMember(nil), in.Members...),
		Review:          c.Spec.Review,
		Ranking:         *c.Spec.Ranking.DeepCopy(),
		Bucket:          CityBucket(c),
		StorageEndpoint: in.StorageEndpoint,
		StorageInsecure: in.StorageInsecure,
		MembersDir:      CityMembersDir,
		AccountsFile:    CityAccountsFile(c),
		SessionKeyFile:  SecretDir + "/" + SessionKeyKey,
		PublicURL:       CityPortalURL(c),
		TrustedProxies:  append([]string(nil), in.TrustedProxies...),
		SSO:             ssoConfig(c.Spec.Portal.SSO, true),
	}
	if CityGeneratesAccounts(c) {
		conf.InitialPasswordFile = SecretDir + "/" + InitialPasswordKey
	}
	if n := c.Spec.Notifications; n != nil {
		for _, ch := range n.Channels {
			conf.NotifyChannels = append(conf.NotifyChannels, portal.NotifyChannel{Name: ch.Name, Type: ch.Type})
		}
	}
	return conf
}

// CityConfigData is the city portal ConfigMap's data: the configuration as YAML.
func CityConfigData(c *v1alpha1.CityReport, in CityInputs) (map[string]string, error) {
	b, err := yaml.Marshal(CityConfig(c, in))
	if err != nil {
		return nil, fmt.Errorf("city portal configuration: %w", err)
	}
	return map[string]string{CityConfigFile: string(b)}, nil
}

// CityConfigHash is a digest of everything that must roll the city portal
// when it changes: its configuration and the credentials it reads.
func CityConfigHash(data map[string]string, in CityInputs) string {
	return ConfigHash(data, Inputs{CredentialsHash: in.CredentialsHash})
}

// CityServiceAccount is the city portal's identity: no token is ever
// mounted, and nothing is bound to it.
func CityServiceAccount(c *v1alpha1.CityReport) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: cityMeta(c), AutomountServiceAccountToken: ptr.To(false)}
}

// CityConfigMap holds the city portal's configuration.
func CityConfigMap(c *v1alpha1.CityReport, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: cityMeta(c), Data: data}
}

// CityDeployment runs `countyreport city-portal`, locked down as a county's
// portal (non-root, read-only root filesystem, no capabilities,
// RuntimeDefault seccomp) and with no API token at all. The member
// credentials Secret is mounted read-only at CityMembersDir; the city's own
// credentials come in the environment.
func CityDeployment(c *v1alpha1.CityReport, in CityInputs, configHash string) *appsv1.Deployment {
	return portalDeployment(portalPod{
		meta: cityMeta(c), selector: CitySelectorLabels(c), labels: CityPortalLabels(c), name: CityPortalName(c),
		spec: c.Spec.Portal, image: in.PortalImage, configHash: configHash,
		args: []string{"city-portal", "--config=" + ConfigDir + "/" + CityConfigFile},
		// Optional: before the city's storage is provisioned (or on a manager
		// without storage) the portal starts with no members' credentials
		// instead of never starting; the kubelet fills the files in later.
		extraVolumes: []corev1.Volume{{Name: "members", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: MemberCredentialsSecretName(c), DefaultMode: ptr.To[int32](0o440), Optional: ptr.To(true),
		}}}},
		extraMounts: []corev1.VolumeMount{{Name: "members", MountPath: CityMembersDir, ReadOnly: true}},
		// The city portal never calls the Kubernetes API.
		apiToken:    false,
		credentials: in.CredentialsSecretName, storageCA: in.StorageCA,
	})
}

// CityService exposes the city portal inside the cluster.
func CityService(c *v1alpha1.CityReport) *corev1.Service {
	return portalService(cityMeta(c), CitySelectorLabels(c))
}

// CityNetworkPolicy lets traffic reach the portal's ports and nothing else
// in; out, the city portal reaches DNS and the storage endpoint only (not
// the Kubernetes API, which it never calls).
func CityNetworkPolicy(c *v1alpha1.CityReport, in CityInputs) *networkingv1.NetworkPolicy {
	egress := []networkingv1.NetworkPolicyEgressRule{dnsEgress()}
	if rule, ok := storageEgress(in.StorageEndpoint, in.StorageInsecure); ok {
		egress = append(egress, rule)
	}
	if rule, ok := ssoEgress(c.Spec.Portal.SSO); ok {
		egress = append(egress, rule)
	}
	return portalNetworkPolicy(cityMeta(c), CitySelectorLabels(c), egress)
}

// CityIngress exposes the city portal under spec.portal.ingress.host; nil when unset.
func CityIngress(c *v1alpha1.CityReport) *networkingv1.Ingress {
	return portalIngress(cityMeta(c), c.Spec.Portal.Ingress, CityPortalName(c))
}
