package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CityIdentity says which city this tenant is.
type CityIdentity struct {
	// Code is the city's 6-digit administrative division code (e.g. 430400).
	// +kubebuilder:validation:Pattern=`^[0-9]{6}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.city.code is immutable"
	Code string `json:"code"`

	// Name is the city's Chinese name (e.g. 衡阳市).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`

	// EnglishName is the city's English name (e.g. Hengyang City).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	EnglishName string `json:"englishName,omitempty"`
}

// CityMember names one county the city reviews and compares: either by
// county code, or by the namespace and name of its CountyReport. Naming it
// here is one side of the membership; the county's own CountyReport must name
// this city in spec.cityRef for the city to see anything of it.
// +kubebuilder:validation:XValidation:rule="has(self.namespace) == has(self.name)",message="spec.members[]: namespace and name go together"
// +kubebuilder:validation:XValidation:rule="has(self.code) != has(self.name)",message="spec.members[]: give either code or namespace and name, not both"
type CityMember struct {
	// Code is the county's 6-digit administrative code.
	// +kubebuilder:validation:Pattern=`^[0-9]{6}$`
	// +optional
	Code string `json:"code,omitempty"`

	// Namespace of the county's CountyReport.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the county's CountyReport.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Name string `json:"name,omitempty"`
}

// ReviewSpec is the city's review calendar.
type ReviewSpec struct {
	// DeadlineDay is the day of the month after a period by which each county
	// submits that period: a submission is due by the end of that day in
	// TimeZone (5: January's figures by the end of 5 February).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=28
	// +kubebuilder:default=5
	// +optional
	DeadlineDay int32 `json:"deadlineDay,omitempty"`

	// TimeZone is the IANA time zone the deadline is read in.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_+\-/]+$`
	// +kubebuilder:default="Asia/Shanghai"
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
}

// RankingMethod is how indicator values are made dimensionless before they
// are weighted and summed into the composite score.
// +kubebuilder:validation:Enum=minmax;efficacy;zscore
type RankingMethod string

const (
	// RankMinMax: (x - min) / (max - min), 0..1 (reversed for lower-is-better).
	RankMinMax RankingMethod = "minmax"
	// RankEfficacy: the efficacy coefficient method (功效系数法), 60 + 40 × min-max, 60..100.
	RankEfficacy RankingMethod = "efficacy"
	// RankZScore: (x - mean) / population standard deviation (negated for lower-is-better).
	RankZScore RankingMethod = "zscore"
)

// Direction says whether a larger figure ranks higher.
// +kubebuilder:validation:Enum=higher;lower
type Direction string

const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
)

// Measure picks which figure of an indicator is compared.
// +kubebuilder:validation:Enum=value;change
type Measure string

const (
	// MeasureValue is the indicator's value (e.g. GDP in 亿元).
	MeasureValue Measure = "value"
	// MeasureChange is its change in percent against the basis (e.g. GDP growth).
	MeasureChange Measure = "change"
)

// RankedIndicator is one term of the composite score.
type RankedIndicator struct {
	// ID is the indicator's id in the counties' datasets (e.g. gdp).
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]*$`
	// +kubebuilder:validation:MaxLength=64
	ID string `json:"id"`

	// Measure compares the indicator's value or its change.
	// +kubebuilder:default=value
	// +optional
	Measure Measure `json:"measure,omitempty"`

	// Weight is this term's relative weight; weights are divided by their sum.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=1
	// +optional
	Weight int32 `json:"weight,omitempty"`

	// Direction says whether a larger figure ranks higher.
	// +kubebuilder:default=higher
	// +optional
	Direction Direction `json:"direction,omitempty"`
}

// RankingSpec is the city's composite ranking.
type RankingSpec struct {
	// Method makes figures comparable before weighting.
	// +kubebuilder:default=efficacy
	// +optional
	Method RankingMethod `json:"method,omitempty"`

	// Indicators are the composite score's terms.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b.id == a.id && b.measure == a.measure))",message="spec.ranking.indicators: each id and measure at most once"
	// +listType=atomic
	// +optional
	Indicators []RankedIndicator `json:"indicators,omitempty"`
}

// CityReportSpec is one city's tenant: who it is, its member counties, its
// review calendar, its ranking, its schedule and its storage.
// +kubebuilder:validation:XValidation:rule="!has(self.portal) || !has(self.portal.sso) || !has(self.portal.sso.editorGroups)",message="spec.portal.sso.editorGroups is for a CountyReport; a city maps reviewerGroups and viewerGroups",fieldPath=".portal.sso.editorGroups"
type CityReportSpec struct {
	// City is the city's identity.
	City CityIdentity `json:"city"`

	// Members are the counties the city reviews and ranks. A county is a
	// member only when its own CountyReport also names this city.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="spec.members: a county is listed more than once"
	// +listType=atomic
	// +optional
	Members []CityMember `json:"members,omitempty"`

	// Review is the monthly submission deadline.
	// +kubebuilder:default={}
	// +optional
	Review ReviewSpec `json:"review,omitempty"`

	// Ranking is the composite score over the members.
	// +kubebuilder:default={}
	// +optional
	Ranking RankingSpec `json:"ranking,omitempty"`

	// Report holds the options of the city's monthly report.
	// +kubebuilder:default={}
	// +optional
	Report CityReportOptions `json:"report,omitempty"`

	// Schedule is when the city's monthly report is rendered; by default at
	// 06:00 on the 6th, after the review deadline. Each firing creates a
	// ReportRun (spec.cityReportName) for the previous month in the city's
	// namespace, with the same catch-up, suspend and history rules as a
	// county's schedule.
	// +kubebuilder:default={cron: "0 6 6 * *"}
	// +optional
	Schedule ScheduleSpec `json:"schedule,omitempty"`

	// Storage is the city's own archive; the bucket defaults to
	// countyreport-city-<code>.
	// +kubebuilder:default={}
	// +optional
	Storage StorageSpec `json:"storage,omitempty"`

	// Portal is the city's web portal, where reviewers see the board, review
	// each member's submission and compare the members; the same settings as
	// a county's portal. accountsSecretName names a Secret in city-<name>.
	// +kubebuilder:default={}
	// +optional
	Portal PortalSpec `json:"portal,omitempty"`

	// Notifications are the tenant's channels and routes (docs/notifications.md).
	// +optional
	Notifications *NotificationsSpec `json:"notifications,omitempty"`
}

// CityReportOptions control how the city's monthly report is rendered.
type CityReportOptions struct {
	// Language of the report: zh-CN (Simplified Chinese) or en.
	// +kubebuilder:validation:Enum=zh-CN;en
	// +kubebuilder:default=zh-CN
	// +optional
	Language string `json:"language,omitempty"`
}

// MemberStatus is a county that is a member on both sides.
type MemberStatus struct {
	// Code and Name are the county's administrative code and Chinese name.
	Code string `json:"code"`
	Name string `json:"name"`
	// Namespace and CountyReport locate the county's tenant.
	Namespace    string `json:"namespace"`
	CountyReport string `json:"countyReport"`
	// Bucket is the county's archive, readable by the city's member credentials.
	// +optional
	Bucket string `json:"bucket,omitempty"`
	// Submission is the review state of the county's submission for the
	// board's period: not_submitted, overdue, submitted, resubmitted,
	// returned or accepted.
	// +optional
	Submission string `json:"submission,omitempty"`
}

// RankingReference names a stored ranking.
type RankingReference struct {
	// Period is the month compared.
	Period string `json:"period"`
	// Key is the object in the city's bucket (rankings/<period>/ranking.json).
	Key string `json:"key"`
	// SHA256 of the stored ranking.
	SHA256 string `json:"sha256"`
	// InputsDigest changes when the method, the terms or any member's
	// dataset changes; the ranking is recomputed then, and only then.
	InputsDigest string `json:"inputsDigest"`
	// Leader is the code of the county ranked first on the composite score, if any.
	// +optional
	Leader string `json:"leader,omitempty"`
}

// BoardSummary is the month's board in brief.
type BoardSummary struct {
	// Period is the month under review (the month before the current one, in the review zone).
	Period string `json:"period"`
	// Deadline is when the period's submissions are due.
	Deadline metav1.Time `json:"deadline"`
	// States counts the members by review state.
	// +optional
	States map[string]int32 `json:"states,omitempty"`
	// Overdue lists the codes of the members past the deadline with nothing submitted.
	// +optional
	Overdue []string `json:"overdue,omitempty"`
}

// Reasons a listed county is not a member.
const (
	// MemberNotFound: no CountyReport matches the entry.
	MemberNotFound = "NotFound"
	// MemberNotNamingCity: the county's CountyReport does not name this city in spec.cityRef.
	MemberNotNamingCity = "CountyDoesNotNameCity"
	// MemberNotProvisioned: the county has no bucket yet (its storage is not ready).
	MemberNotProvisioned = "CountyNotProvisioned"
)

// MissingMember is a county the city lists that is not (yet) a member.
type MissingMember struct {
	// Member is the entry as the city listed it ("430424" or "ns/name").
	Member string `json:"member"`
	// Reason is NotFound, CountyDoesNotNameCity or CountyNotProvisioned.
	Reason string `json:"reason"`
	// Message says it in words.
	// +optional
	Message string `json:"message,omitempty"`
}

// CityReportStatus is what the operator observed and did.
type CityReportStatus struct {
	// ObservedGeneration is the generation last reconciled successfully.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, MembersResolved, StorageReady, PortalAvailable, ReportUpToDate.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Namespace holds the city's own objects (its credentials Secrets):
	// city-<metadata.name>.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// PortalURL is where the city's reviewers reach their portal.
	// +optional
	PortalURL string `json:"portalURL,omitempty"`

	// Members are the counties that are members on both sides, by code.
	// +optional
	Members []MemberStatus `json:"members,omitempty"`

	// MissingMembers are the listed counties that are not members, and why.
	// +optional
	MissingMembers []MissingMember `json:"missingMembers,omitempty"`

	// MemberSummary is "found/listed", for the printer column.
	// +optional
	MemberSummary string `json:"memberSummary,omitempty"`

	// Bucket is the city's own archive bucket.
	// +optional
	Bucket string `json:"bucket,omitempty"`

	// CredentialsSecretName names the Secret with the city's credentials for its own bucket.
	// +optional
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`

	// MemberCredentialsSecretName names the Secret with the read-only
	// credentials over the members' reports/ and data/ (and review/ writes).
	// +optional
	MemberCredentialsSecretName string `json:"memberCredentialsSecretName,omitempty"`

	// CredentialsExpireAt is when the earlier of the two credentials expires.
	// +optional
	CredentialsExpireAt *metav1.Time `json:"credentialsExpireAt,omitempty"`

	// Board is the month's submissions in brief.
	// +optional
	Board *BoardSummary `json:"board,omitempty"`

	// Ranking is the comparison of the month under review, as last stored
	// in the city's bucket with its input.
	// +optional
	Ranking *RankingReference `json:"ranking,omitempty"`

	// LastReport is the city's newest published report, from its newest
	// succeeded ReportRun.
	// +optional
	LastReport *ReportReference `json:"lastReport,omitempty"`

	// NextRun is the next scheduled run; NextRunLocal the same in the schedule's zone.
	// +optional
	NextRun *metav1.Time `json:"nextRun,omitempty"`
	// +optional
	NextRunLocal string `json:"nextRunLocal,omitempty"`

	// LastScheduleTime is the scheduled instant of the newest ReportRun the schedule created.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`

	// LastRetentionTime is when the city's reports older than
	// spec.storage.retentionMonths were last removed from its bucket (daily).
	// +optional
	LastRetentionTime *metav1.Time `json:"lastRetentionTime,omitempty"`
}

// Condition types on a CityReport besides Ready, StorageReady and ReportUpToDate.
const (
	ConditionMembersResolved = "MembersResolved"
)

// Condition reasons on a CityReport.
const (
	ReasonMembersMissing   = "MembersMissing"
	ReasonNamespaceMissing = "NamespaceMissing"
	ReasonNamespaceInUse   = "NamespaceInUse"
	ReasonDuplicateCity    = "DuplicateCity"
	// ReasonNamespaceNotGranted: the city's namespace city-<name> does not
	// carry the label reporting.countyreport.io/city with the city's code,
	// which only a cluster administrator can set; nothing is provisioned.
	ReasonNamespaceNotGranted = "NamespaceNotGranted"
)

// LabelCity carries the city's 6-digit code on what the operator owns for it.
const LabelCity = "reporting.countyreport.io/city"

// CityReport is one city's tenant: it reviews and ranks the counties that
// are its members on both sides, reading their published reports and
// datasets only, and renders its own monthly report. Cluster-scoped: it
// spans the counties' namespaces, and a namespace editor cannot create one.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 58",message="metadata.name: a DNS label of at most 58 characters (the city's namespace is city-<name>)"
// +kubebuilder:resource:scope=Cluster,shortName=city,categories=reporting
// +kubebuilder:printcolumn:name="City",type=string,JSONPath=`.spec.city.name`
// +kubebuilder:printcolumn:name="Code",type=string,JSONPath=`.spec.city.code`,priority=1
// +kubebuilder:printcolumn:name="Members",type=string,JSONPath=`.status.memberSummary`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Last Report",type=string,JSONPath=`.status.lastReport.period`
// +kubebuilder:printcolumn:name="Next Run",type=string,JSONPath=`.status.nextRunLocal`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CityReport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CityReportSpec   `json:"spec,omitempty"`
	Status CityReportStatus `json:"status,omitempty"`
}

// CityReportList is a list of CityReports.
// +kubebuilder:object:root=true
type CityReportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CityReport `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CityReport{}, &CityReportList{})
}
