// Package tenant builds the Kubernetes objects that make up one county's
// tenant: the portal's ServiceAccount, ConfigMap, Deployment, Service,
// NetworkPolicy and Ingress. The builders are pure: the same CountyReport and
// Inputs always give the same objects, so they are tested apart from the
// reconciler, which only compares and writes.
package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

const (
	// PortalPort is the container port the portal listens on.
	PortalPort = 8080
	// MetricsPort serves the portal's /metrics; the Service and Ingress do not route it.
	MetricsPort = 9090
	// ServicePort is the port of the portal's Service.
	ServicePort = 80
	// ConfigFile is the portal's configuration file inside the ConfigMap.
	ConfigFile = "portal.yaml"
	// ConfigDir is where the ConfigMap is mounted in the portal.
	ConfigDir = "/etc/countyreport"
	// AccountsDir is where the staff accounts Secret is mounted.
	AccountsDir = "/etc/countyreport/accounts"
	// portalUID is the non-root user the portal runs as (distroless "nonroot").
	portalUID = 65532
)

// Inputs are what the builders need besides the CountyReport itself: the
// operator's settings and what other steps found out.
type Inputs struct {
	// PortalImage is the image the operator was started with.
	PortalImage string
	// StorageEndpoint is host:port of the S3 endpoint; empty when storage is not configured.
	StorageEndpoint string
	// StorageInsecure is true for plain HTTP storage.
	StorageInsecure bool
	// CredentialsSecretName names the county's scoped credentials Secret; empty when not yet minted.
	CredentialsSecretName string
	// APIServerPorts and APIServerCIDRs narrow the county portal's egress
	// to the Kubernetes API (defaults: ports 443 and 6443, any address);
	// the manager's --portal-apiserver-ports and --portal-apiserver-cidrs.
	APIServerPorts []int32
	APIServerCIDRs []string
	// CredentialsHash changes whenever the scoped credentials change, so the portal rolls.
	CredentialsHash string
	// StorageCA is true when the storage endpoint's CA bundle is in the
	// credentials Secret (key SecretCABundle), to be mounted for clients.
	StorageCA bool
	// Review is the deadline of the city the county is a member of (on both
	// sides), for the portal to show; nil when no city reviews it.
	Review *v1alpha1.ReviewSpec
	// CityEnglishName is that city's English name.
	CityEnglishName string
	// TrustedProxies are the installation's trusted proxies (the operator's
	// --trusted-proxies): the portal believes X-Forwarded-For only from them.
	TrustedProxies []string
}

// Name is the name of every object of a CountyReport's portal.
func Name(cr *v1alpha1.CountyReport) string { return cr.Name + "-portal" }

// Bucket is the county's bucket: spec.storage.bucket or countyreport-<code>.
func Bucket(cr *v1alpha1.CountyReport) string {
	if cr.Spec.Storage.Bucket != "" {
		return cr.Spec.Storage.Bucket
	}
	return "countyreport-" + cr.Spec.County.Code
}

// SelectorLabels select the portal's pods.
func SelectorLabels(cr *v1alpha1.CountyReport) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     "countyreport-portal",
		"app.kubernetes.io/instance": cr.Name,
		v1alpha1.LabelCountyReport:   cr.Name,
	}
}

// Labels go on every owned object.
func Labels(cr *v1alpha1.CountyReport) map[string]string {
	l := SelectorLabels(cr)
	l["app.kubernetes.io/component"] = "portal"
	l[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	l[v1alpha1.LabelCounty] = cr.Spec.County.Code
	return l
}

// Config is the portal's configuration for cr.
func Config(cr *v1alpha1.CountyReport, in Inputs) portal.Config {
	c := portal.Config{
		Namespace:       cr.Namespace,
		CountyReport:    cr.Name,
		CountyCode:      cr.Spec.County.Code,
		CountyName:      cr.Spec.County.Name,
		EnglishName:     cr.Spec.County.EnglishName,
		City:            cr.Spec.County.City,
		Language:        cr.Spec.Report.Language,
		Review:          in.Review,
		CityEnglishName: in.CityEnglishName,
		Bucket:          Bucket(cr),
		StorageEndpoint: in.StorageEndpoint,
		StorageInsecure: in.StorageInsecure,
	}
	if c.Language == "" {
		c.Language = "zh-CN"
	}
	c.AccountsFile = AccountsFile(cr)
	if GeneratesAccounts(cr) {
		c.InitialPasswordFile = SecretDir + "/" + InitialPasswordKey
	}
	c.SessionKeyFile = SecretDir + "/" + SessionKeyKey
	c.PublicURL = PortalURL(cr)
	c.TrustedProxies = append([]string(nil), in.TrustedProxies...)
	c.SSO = ssoConfig(cr.Spec.Portal.SSO, false)
	return c
}

// ConfigData is the ConfigMap's data: the configuration as YAML.
func ConfigData(cr *v1alpha1.CountyReport, in Inputs) (map[string]string, error) {
	b, err := yaml.Marshal(Config(cr, in))
	if err != nil {
		return nil, fmt.Errorf("portal configuration: %w", err)
	}
	return map[string]string{ConfigFile: string(b)}, nil
}

// ConfigHash is a digest of everything that must roll the portal when it changes.
func ConfigHash(data map[string]string, in Inputs) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%d:%s;", k, len(data[k]), data[k])
	}
	fmt.Fprintf(h, "credentials=%s", in.CredentialsHash)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// PortalURL is where staff reach the portal.
func PortalURL(cr *v1alpha1.CountyReport) string {
	if ing := cr.Spec.Portal.Ingress; ing != nil {
		if ing.TLSSecretName != "" {
			return "https://" + ing.Host + "/"
		}
		return "http://" + ing.Host + "/"
	}
	return fmt.Sprintf("http://%s.%s.svc:%d/", Name(cr), cr.Namespace, ServicePort)
}

// splitEndpoint returns host and port of a host:port endpoint, defaulting the
// port from the scheme when absent.
func splitEndpoint(endpoint string, insecure bool) (host string, port int32, ok bool) {
	if endpoint == "" {
		return "", 0, false
	}
	h, p, err := net.SplitHostPort(endpoint)
	if err != nil {
		if insecure {
			return endpoint, 80, true
		}
		return endpoint, 443, true
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, false
	}
	return h, int32(n), true
}

// parseIP returns host as a /32 or /128 CIDR when it is an IP address.
func parseIP(host string) string {
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return ""
	case ip.To4() != nil:
		return ip.String() + "/32"
	default:
		return ip.String() + "/128"
	}
}

// The county's scoped storage credentials live in a Secret in its namespace,
// owned by the CountyReport. Portals and report Jobs read these keys; the
// operator's admin credentials are never copied anywhere. The layout is
// storage's (storage.Secret*), named here too for the builders' callers.
const (
	SecretAccessKey    = storage.SecretAccessKey
	SecretSecretKey    = storage.SecretSecretKey
	SecretSessionToken = storage.SecretSessionToken
	SecretEndpoint     = storage.SecretEndpoint
	SecretBucket       = storage.SecretBucket
	SecretInsecure     = storage.SecretInsecure
	SecretExpiresAt    = storage.SecretExpiresAt
	SecretCABundle     = storage.SecretCABundle
)

// StorageCAFile is where a pod finds the storage CA bundle; the volume,
// mount and environment variable below put it there.
const StorageCAFile = "/etc/countyreport/storage-ca/ca.crt"

// StorageCA mounts the CA bundle of the credentials Secret and points
// COUNTYREPORT_STORAGE_CA_FILE at it, for the portal and the report Jobs.
func StorageCA(secret string) (corev1.Volume, corev1.VolumeMount, corev1.EnvVar) {
	return corev1.Volume{Name: "storage-ca", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: secret, Items: []corev1.KeyToPath{{Key: SecretCABundle, Path: "ca.crt"}},
			DefaultMode: ptr.To[int32](0o444),
		}}},
		corev1.VolumeMount{Name: "storage-ca", MountPath: "/etc/countyreport/storage-ca", ReadOnly: true},
		corev1.EnvVar{Name: "COUNTYREPORT_STORAGE_CA_FILE", Value: StorageCAFile}
}

// CredentialsSecretName names the county's scoped credentials Secret.
func CredentialsSecretName(cr *v1alpha1.CountyReport) string { return cr.Name + "-storage" }
