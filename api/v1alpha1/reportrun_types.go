package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RunReason says why a ReportRun exists.
// +kubebuilder:validation:Enum=Scheduled;Manual;Retry
type RunReason string

const (
	RunScheduled RunReason = "Scheduled"
	RunManual    RunReason = "Manual"
	RunRetry     RunReason = "Retry"
)

// Reasons a ReportRun gives in status.reason and in its Events.
const (
	// RunReasonNoData: data/<period>/dataset.json does not exist in the county's bucket.
	RunReasonNoData = "NoData"
	// RunReasonInvalidData: the stored dataset does not validate.
	RunReasonInvalidData = "InvalidData"
	// RunReasonCountyReportNotFound: spec.countyReportName names no CountyReport in the namespace.
	RunReasonCountyReportNotFound = "CountyReportNotFound"
	// RunReasonCityReportNotFound: spec.cityReportName names no CityReport.
	RunReasonCityReportNotFound = "CityReportNotFound"
	// RunReasonWrongNamespace: a city's run outside the city's namespace city-<name>.
	RunReasonWrongNamespace = "WrongNamespace"
	// RunReasonCityNotReady: the city's archive is not provisioned (or not the city's own); the run is retried.
	RunReasonCityNotReady = "CityNotReady"
	// RunReasonFuturePeriod: the period has not begun in the county's time zone.
	RunReasonFuturePeriod = "FuturePeriod"
	// RunReasonStorageUnavailable: the county's storage could not be reached; the run is retried.
	RunReasonStorageUnavailable = "StorageUnavailable"
	// RunReasonNoCredentials: the county's scoped credentials Secret is missing or incomplete.
	RunReasonNoCredentials = "NoCredentials"
	// RunReasonJobFailed: the Job running the attempt failed.
	RunReasonJobFailed = "JobFailed"
	// RunReasonRenderFailed: rendering or publishing failed for another reason.
	RunReasonRenderFailed = "RenderFailed"
	// RunReasonRetryScheduled: the last attempt failed and another one is scheduled at status.nextAttemptAt.
	RunReasonRetryScheduled = "RetryScheduled"
	// RunReasonPublished: the report is in the archive.
	RunReasonPublished = "Published"
	// RunReasonRunning: an attempt is in progress.
	RunReasonRunning = "Running"
	// RunReasonTooManyRuns: a manual run refused before its first attempt
	// because an older manual run of the same county and period is still
	// waiting or running, or the county has as many as allowed.
	RunReasonTooManyRuns = "TooManyRuns"
)

// Condition types on a ReportRun.
const (
	// RunConditionSucceeded is True when published, False when finally failed, Unknown otherwise.
	RunConditionSucceeded = "Succeeded"
)

// LabelPeriod carries a ReportRun's period on the ReportRun and on its Job.
const LabelPeriod = "reporting.countyreport.io/period"

// LabelReportRun names the ReportRun on the Job that runs it.
const LabelReportRun = "reporting.countyreport.io/reportrun"

// RunPhase is where a ReportRun is in its life.
// +kubebuilder:validation:Enum=Pending;Running;Succeeded;Failed
type RunPhase string

const (
	RunPending   RunPhase = "Pending"
	RunRunning   RunPhase = "Running"
	RunSucceeded RunPhase = "Succeeded"
	RunFailed    RunPhase = "Failed"
)

// ReportRunSpec names the tenant (a county or a city) and the period to
// render. It cannot change once created: a new rendering is a new ReportRun.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable"
// +kubebuilder:validation:XValidation:rule="has(self.countyReportName) != has(self.cityReportName)",message="spec: give exactly one of countyReportName and cityReportName"
type ReportRunSpec struct {
	// CountyReportName names a CountyReport in the ReportRun's own namespace.
	// There is no way to name another namespace.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CountyReportName string `json:"countyReportName,omitempty"`

	// CityReportName names the CityReport (cluster-scoped) whose monthly
	// report the run renders into the city's own archive. The run must live
	// in the city's namespace, city-<cityReportName>; one anywhere else (a
	// county's namespace) is refused and renders nothing.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=58
	// +optional
	CityReportName string `json:"cityReportName,omitempty"`

	// Period is the month to report on, YYYY-MM, the year from 1000 (as
	// internal/period parses it).
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{3}-(0[1-9]|1[0-2])$`
	Period string `json:"period"`

	// Reason says who asked for the run.
	// +kubebuilder:default=Manual
	// +optional
	Reason RunReason `json:"reason,omitempty"`
}

// Artifact is one published object.
type Artifact struct {
	// Key is the object key in the tenant's bucket.
	Key string `json:"key"`
	// Size in bytes.
	Size int64 `json:"size"`
	// SHA256 of the object.
	SHA256 string `json:"sha256"`
}

// ReportRunStatus is what happened to the run.
type ReportRunStatus struct {
	// Phase is Pending, Running, Succeeded or Failed.
	// +optional
	Phase RunPhase `json:"phase,omitempty"`
	// Attempts made so far.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`
	// StartTime is when the first attempt started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the run succeeded or finally failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Artifacts published, from the archive's manifest.
	// +optional
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// Pages of the PDF.
	// +optional
	Pages int32 `json:"pages,omitempty"`
	// Reason is a machine-readable cause of the current phase (e.g. NoData).
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message says what happened, in Chinese and English.
	// +optional
	Message string `json:"message,omitempty"`
	// JobName is the Job running this ReportRun, for the job executor.
	// +optional
	JobName string `json:"jobName,omitempty"`
	// NextAttemptAt is when a failed attempt is retried.
	// +optional
	NextAttemptAt *metav1.Time `json:"nextAttemptAt,omitempty"`
	// Conditions of the run.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ReportRun is one rendering of one county's report, or of one city's
// report, for one period.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rr,categories=reporting
// +kubebuilder:printcolumn:name="County",type=string,JSONPath=`.spec.countyReportName`
// +kubebuilder:printcolumn:name="City",type=string,JSONPath=`.spec.cityReportName`
// +kubebuilder:printcolumn:name="Period",type=string,JSONPath=`.spec.period`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Attempts",type=integer,JSONPath=`.status.attempts`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ReportRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ReportRunSpec   `json:"spec,omitempty"`
	Status ReportRunStatus `json:"status,omitempty"`
}

// ReportRunList is a list of ReportRuns.
// +kubebuilder:object:root=true
type ReportRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReportRun `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ReportRun{}, &ReportRunList{})
}
