package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CountyIdentity says which county this tenant is.
type CountyIdentity struct {
	// Code is the county's 6-digit administrative division code (e.g. 430423).
	// It identifies the county everywhere (labels, bucket names, archives) and
	// cannot be changed once set.
	// +kubebuilder:validation:Pattern=`^[0-9]{6}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="county code is immutable"
	Code string `json:"code"`

	// Name is the county's Chinese name (e.g. 衡山县).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`

	// EnglishName is the county's English name (e.g. Hengshan County).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	EnglishName string `json:"englishName,omitempty"`

	// City is the city the county belongs to (e.g. 衡阳市).
	// +kubebuilder:validation:MaxLength=32
	// +optional
	City string `json:"city,omitempty"`
}

// IngressSpec exposes the portal under a host name.
type IngressSpec struct {
	// Host is the portal's public host name.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`

	// TLSSecretName names a Secret of type kubernetes.io/tls in the same
	// namespace; when set the Ingress serves HTTPS with it.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TLSSecretName string `json:"tlsSecretName,omitempty"`

	// ClassName is the IngressClass to use; empty means the cluster default.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ClassName string `json:"className,omitempty"`
}

// PortalSpec describes the county's web portal.
type PortalSpec struct {
	// Replicas is the number of portal pods; 0 stops the portal.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	// +kubebuilder:default=1
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Image overrides the portal image the operator was started with.
	// +kubebuilder:validation:MaxLength=512
	// +optional
	Image string `json:"image,omitempty"`

	// Resources of the portal container; sensible requests and limits apply when unset.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// Ingress exposes the portal; no Ingress is created when unset.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// AccountsSecretName names the Secret in the same namespace that holds the
	// county staff accounts (key "accounts.yaml"). A name only: a portal never
	// reads another namespace.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	AccountsSecretName string `json:"accountsSecretName,omitempty"`

	// SSO signs staff in through the organisation's OpenID provider, beside
	// (or instead of) the accounts above.
	// +optional
	SSO *SSOSpec `json:"sso,omitempty"`
}

// DeletionPolicy says what happens to a county's bucket when its CountyReport is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionRetain keeps the bucket and every report in it.
	DeletionRetain DeletionPolicy = "Retain"
	// DeletionDelete removes every object version and the bucket.
	DeletionDelete DeletionPolicy = "Delete"
)

// StorageSpec describes the county's archive bucket.
// +kubebuilder:validation:XValidation:rule="has(self.bucket) == has(oldSelf.bucket)",message="spec.storage.bucket can be set only when the CountyReport is created; it cannot be added or removed later"
type StorageSpec struct {
	// Bucket is the county's bucket; default countyreport-<code>. S3 bucket
	// naming rules apply: 3–63 lower-case letters, digits, dots and hyphens,
	// starting and ending with a letter or digit. Names starting with
	// "countyreport-" are reserved for the operator's defaults. The operator
	// creates the bucket and records this CountyReport (its UID) as the owner
	// in the bucket's tags; it never gives credentials for, or deletes, a
	// bucket that already existed or that it made for another CountyReport.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('..') && !self.contains('.-') && !self.contains('-.')",message="bucket name must not contain '..', '.-' or '-.'"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$')",message="bucket name must not look like an IP address"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="bucket is immutable"
	// +optional
	Bucket string `json:"bucket,omitempty"`

	// RetentionMonths is how many months of reports are kept; older periods are removed.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1200
	// +kubebuilder:default=60
	// +optional
	RetentionMonths int32 `json:"retentionMonths,omitempty"`

	// DeletionPolicy is what happens to the bucket when the CountyReport is deleted.
	// +kubebuilder:default=Retain
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ScheduleSpec says when the monthly report is rendered.
type ScheduleSpec struct {
	// Cron is a standard 5-field cron expression (minute hour day month weekday)
	// evaluated in TimeZone. Default: 06:00 on the 1st of every month.
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^\s*\S+(\s+\S+){4}\s*$`
	// +kubebuilder:default="0 6 1 * *"
	// +optional
	Cron string `json:"cron,omitempty"`

	// TimeZone is the IANA time zone the cron is read in.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_+\-/]+$`
	// +kubebuilder:default="Asia/Shanghai"
	// +optional
	TimeZone string `json:"timeZone,omitempty"`

	// Suspend stops new scheduled runs; runs already started finish.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// StartingDeadlineSeconds: a run missed by more than this is not started
	// late. Only the latest missed period is ever run after downtime.
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:default=604800
	// +optional
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`

	// SuccessfulRunsHistoryLimit is how many succeeded ReportRuns are kept.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=120
	// +kubebuilder:default=12
	// +optional
	SuccessfulRunsHistoryLimit *int32 `json:"successfulRunsHistoryLimit,omitempty"`

	// FailedRunsHistoryLimit is how many failed ReportRuns are kept.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=120
	// +kubebuilder:default=3
	// +optional
	FailedRunsHistoryLimit *int32 `json:"failedRunsHistoryLimit,omitempty"`
}

// ReportOptions control how the report is rendered.
type ReportOptions struct {
	// Template is the report layout.
	// +kubebuilder:validation:Enum=standard
	// +kubebuilder:default=standard
	// +optional
	Template string `json:"template,omitempty"`

	// Language of the report: zh-CN (Simplified Chinese) or en.
	// +kubebuilder:validation:Enum=zh-CN;en
	// +kubebuilder:default=zh-CN
	// +optional
	Language string `json:"language,omitempty"`

	// PaperSize of the PDF.
	// +kubebuilder:validation:Enum=A4
	// +kubebuilder:default=A4
	// +optional
	PaperSize string `json:"paperSize,omitempty"`
}

// CountyReportSpec is one county's tenant: who it is, its portal, its
// storage, its schedule and its report options.
// +kubebuilder:validation:XValidation:rule="!has(self.portal) || !has(self.portal.sso) || !has(self.portal.sso.reviewerGroups)",message="spec.portal.sso.reviewerGroups is for a CityReport; a county maps editorGroups and viewerGroups",fieldPath=".portal.sso.reviewerGroups"
// +kubebuilder:validation:XValidation:rule="!has(self.storage) || !has(self.storage.bucket) || !self.storage.bucket.startsWith('countyreport-') || self.storage.bucket == 'countyreport-' + self.county.code",message="spec.storage.bucket: names starting with countyreport- are reserved for the operator's defaults (countyreport-<county code>)",fieldPath=".storage.bucket"
type CountyReportSpec struct {
	// County is the county's identity.
	County CountyIdentity `json:"county"`

	// Portal is the county's web portal.
	// +kubebuilder:default={}
	// +optional
	Portal PortalSpec `json:"portal,omitempty"`

	// Storage is the county's archive.
	// +kubebuilder:default={}
	// +optional
	Storage StorageSpec `json:"storage,omitempty"`

	// Schedule is when the monthly report is rendered.
	// +kubebuilder:default={}
	// +optional
	Schedule ScheduleSpec `json:"schedule,omitempty"`

	// Report holds the rendering options.
	// +kubebuilder:default={}
	// +optional
	Report ReportOptions `json:"report,omitempty"`

	// CityRef names the CityReport this county reports to. The city sees the
	// county's published reports and datasets only when it also lists the
	// county among its members.
	// +optional
	CityRef *CityReference `json:"cityRef,omitempty"`

	// Notifications are the tenant's channels and routes (docs/notifications.md).
	// +optional
	Notifications *NotificationsSpec `json:"notifications,omitempty"`
}

// CityReference names a CityReport (cluster-scoped: a name only).
type CityReference struct {
	// Name of the CityReport.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=58
	Name string `json:"name"`
}

// ReportReference describes a published report.
type ReportReference struct {
	// Period is the month reported on, YYYY-MM.
	Period string `json:"period"`
	// Time is when the report was published.
	Time metav1.Time `json:"time"`
	// Keys are the object keys of the PDF, the bundle and the manifest.
	// +optional
	Keys []string `json:"keys,omitempty"`
	// SHA256 is the PDF's SHA-256.
	// +optional
	SHA256 string `json:"sha256,omitempty"`
	// Pages is the PDF's page count.
	// +optional
	Pages int32 `json:"pages,omitempty"`
}

// CountyReportStatus is what the operator observed and did.
type CountyReportStatus struct {
	// ObservedGeneration is the generation last reconciled successfully.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, PortalAvailable, StorageReady, ReportUpToDate.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// PortalURL is where county staff reach their portal.
	// +optional
	PortalURL string `json:"portalURL,omitempty"`

	// Bucket is the county's archive bucket.
	// +optional
	Bucket string `json:"bucket,omitempty"`

	// CredentialsSecretName names the Secret with the county's scoped storage credentials.
	// +optional
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`

	// CredentialsExpireAt is when the scoped credentials expire; they are rotated well before.
	// +optional
	CredentialsExpireAt *metav1.Time `json:"credentialsExpireAt,omitempty"`

	// LastRetentionTime is when reports older than spec.storage.retentionMonths
	// were last removed from the bucket (daily).
	// +optional
	LastRetentionTime *metav1.Time `json:"lastRetentionTime,omitempty"`

	// LastReport is the newest published report.
	// +optional
	LastReport *ReportReference `json:"lastReport,omitempty"`

	// NextRun is the next scheduled run.
	// +optional
	NextRun *metav1.Time `json:"nextRun,omitempty"`

	// NextRunLocal is NextRun written in the schedule's time zone, for people.
	// +optional
	NextRunLocal string `json:"nextRunLocal,omitempty"`

	// LastScheduleTime is the scheduled instant of the newest ReportRun the schedule created.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`
}

// CountyReport is one county's tenant of the reporting platform: the operator
// gives it a portal, a bucket with scoped credentials and a monthly report.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cr;county,categories=reporting
// +kubebuilder:printcolumn:name="County",type=string,JSONPath=`.spec.county.name`
// +kubebuilder:printcolumn:name="Code",type=string,JSONPath=`.spec.county.code`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Last Report",type=string,JSONPath=`.status.lastReport.period`
// +kubebuilder:printcolumn:name="Next Run",type=string,JSONPath=`.status.nextRunLocal`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CountyReport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CountyReportSpec   `json:"spec,omitempty"`
	Status CountyReportStatus `json:"status,omitempty"`
}

// CountyReportList is a list of CountyReports.
// +kubebuilder:object:root=true
type CountyReportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CountyReport `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CountyReport{}, &CountyReportList{})
}
