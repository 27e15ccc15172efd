package tenant

import (
	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// A CityReport is cluster-scoped, but its Secrets must live in a namespace.
// The namespace is derived, never named in the spec, so a city manifest
// cannot place objects in a county's namespace: it is city-<metadata.name>,
// made by municipal IT beside the CityReport (config/samples/city.yaml).

// CityNamespace is the namespace of a city's own objects.
func CityNamespace(c *reportingv1.CityReport) string { return "city-" + c.Name }

// CityBucket is the city's own bucket: spec.storage.bucket or
// countyreport-city-<code> (apart from the counties' countyreport-<code>).
func CityBucket(c *reportingv1.CityReport) string {
	if c.Spec.Storage.Bucket != "" {
		return c.Spec.Storage.Bucket
	}
	return "countyreport-city-" + c.Spec.City.Code
}

// CityCredentialsSecretName holds the city's credentials for its own bucket.
func CityCredentialsSecretName(c *reportingv1.CityReport) string { return c.Name + "-storage" }

// MemberCredentialsSecretName holds the city's credentials for its members'
// buckets, one set per member county.
func MemberCredentialsSecretName(c *reportingv1.CityReport) string { return c.Name + "-members" }

// CityLabels go on every object the operator owns for a city.
func CityLabels(c *reportingv1.CityReport, component string) map[string]string {
	return map[string]string{
		reportingv1.LabelManagedBy:    reportingv1.ManagedByValue,
		reportingv1.LabelCity:         c.Spec.City.Code,
		"app.kubernetes.io/name":      "countyreport-city",
		"app.kubernetes.io/instance":  c.Name,
		"app.kubernetes.io/component": component,
	}
}

// Keys of the member credentials Secret: the shared endpoint settings, the
// list of member codes, and per member "<code>.<key>" with the keys of a
// county's credentials Secret (storage.MemberKey, storage.MemberCodes).
const SecretMembers = storage.SecretMembers

// MemberKey is the key of one member's credential field.
func MemberKey(code, field string) string { return storage.MemberKey(code, field) }

// MemberCodes reads the member list of a member credentials Secret.
func MemberCodes(data map[string][]byte) []string { return storage.MemberCodes(data) }
