package v1alpha1

// Labels and annotations the operator puts on what it owns.
const (
	// LabelManagedBy marks every object the operator owns.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "countyreport"
	// LabelCounty carries the county's 6-digit administrative code.
	LabelCounty = "reporting.countyreport.io/county"
	// LabelCountyReport carries the owning CountyReport's name.
	LabelCountyReport = "reporting.countyreport.io/countyreport"
	// LabelCityReport carries the CityReport's name on a city's ReportRuns.
	LabelCityReport = "reporting.countyreport.io/cityreport"
	// AnnotationConfigHash on the portal's pod template changes whenever the
	// portal's configuration or credentials change, so the pods roll.
	AnnotationConfigHash = "reporting.countyreport.io/config-hash"
)

// Condition types on a CountyReport.
const (
	ConditionReady           = "Ready"
	ConditionPortalAvailable = "PortalAvailable"
	ConditionStorageReady    = "StorageReady"
	ConditionReportUpToDate  = "ReportUpToDate"
	// ConditionHostAdmitted: the Ingress host asked for is this tenant's
	// (set only when spec.portal.ingress is).
	ConditionHostAdmitted = "HostAdmitted"
)

// Condition reasons.
const (
	ReasonReconciled         = "Reconciled"
	ReasonInvalidSpec        = "InvalidSpec"
	ReasonDuplicateCounty    = "DuplicateCounty"
	ReasonDeploymentReady    = "DeploymentAvailable"
	ReasonDeploymentNotReady = "DeploymentUnavailable"
	ReasonProvisioningFailed = "ProvisioningFailed"
	ReasonStorageUnavailable = "StorageUnavailable"
	ReasonStorageNotSet      = "StorageNotConfigured"
	// ReasonBucketNotOwned: the bucket the CountyReport asks for was not
	// created by the operator for this CountyReport (another county's, one
	// made outside the operator, one left by a deleted CountyReport) or is
	// claimed by an older CountyReport. No credentials are given for it and
	// nothing is written to it.
	ReasonBucketNotOwned = "BucketNotOwned"
	// ReasonCodeNotGranted: the CountyReport's namespace does not carry the
	// label reporting.countyreport.io/county with the CountyReport's code.
	// Only a cluster administrator labels namespaces, so a namespace editor
	// cannot take another county's code; nothing is provisioned.
	ReasonCodeNotGranted = "CodeNotGranted"
	// ReasonHostNotGranted: the Ingress host is claimed by another tenant
	// (the first claim keeps it), is the city's, or does not match the
	// installation's host pattern; no Ingress is made for it.
	ReasonHostNotGranted     = "HostNotGranted"
	ReasonComponentsNotReady = "ComponentsNotReady"
	ReasonNoReportYet        = "NoReportYet"
)
