package tenant

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// A CityReport is cluster-scoped, but its Secrets must live in a namespace.
// The namespace is derived, never named in the spec, so a city manifest
// cannot place objects in a county's namespace: it is city-<metadata.name>,
// made by municipal IT beside the CityReport (config/samples/city.yaml).

// CityNamespace is the namespace of a city's own objects.
func CityNamespace(c *v1alpha1.CityReport) string { return CityNamespaceOf(c.Name) }

// CityNamespaceOf is the namespace of the objects of the CityReport named name.
func CityNamespaceOf(name string) string { return "city-" + name }

// CityRunName is the name of the city's scheduled ReportRun for period.
func CityRunName(c *v1alpha1.CityReport, period string) string { return c.Name + "-" + period }

// CityRun is a ReportRun of city c's report for period (YYYY-MM), in the
// city's namespace: what the city's schedule creates (reason Scheduled,
// named CityRunName, so that it is created once), and what "generate now"
// creates (reason Manual or Retry, named <city>-<period>-manual-<random>
// by the API server: create it with Create, then read its Name). The
// operator sets the owner reference; requestedBy, when given, names who
// asked (the reporting.countyreport.io/requested-by annotation, as the
// county portal's).
func CityRun(c *v1alpha1.CityReport, period string, reason v1alpha1.RunReason, requestedBy string) *v1alpha1.ReportRun {
	run := &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: CityNamespace(c),
			Labels: map[string]string{
				v1alpha1.LabelManagedBy:  v1alpha1.ManagedByValue,
				v1alpha1.LabelCity:       c.Spec.City.Code,
				v1alpha1.LabelCityReport: c.Name,
				v1alpha1.LabelPeriod:     period,
			},
		},
		Spec: v1alpha1.ReportRunSpec{CityReportName: c.Name, Period: period, Reason: reason},
	}
	if reason == v1alpha1.RunScheduled {
		run.Name = CityRunName(c, period)
	} else {
		run.GenerateName = CityRunName(c, period) + "-manual-"
	}
	if requestedBy != "" {
		run.Annotations = map[string]string{AnnotationRequestedBy: requestedBy}
	}
	return run
}

// AnnotationRequestedBy on a ReportRun names the portal account that asked for it.
const AnnotationRequestedBy = "reporting.countyreport.io/requested-by"

// CityBucket is the city's own bucket: spec.storage.bucket or
// countyreport-city-<code> (apart from the counties' countyreport-<code>).
func CityBucket(c *v1alpha1.CityReport) string {
	if c.Spec.Storage.Bucket != "" {
		return c.Spec.Storage.Bucket
	}
	return "countyreport-city-" + c.Spec.City.Code
}

// CityCredentialsSecretName holds the city's credentials for its own bucket.
func CityCredentialsSecretName(c *v1alpha1.CityReport) string { return c.Name + "-storage" }

// MemberCredentialsSecretName holds the city's credentials for its members'
// buckets, one set per member county.
func MemberCredentialsSecretName(c *v1alpha1.CityReport) string { return c.Name + "-members" }

// CityLabels go on every object the operator owns for a city.
func CityLabels(c *v1alpha1.CityReport, component string) map[string]string {
	return map[string]string{
		v1alpha1.LabelManagedBy:       v1alpha1.ManagedByValue,
		v1alpha1.LabelCity:            c.Spec.City.Code,
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
