// Package v1alpha1 is the reporting.countyreport.io/v1alpha1 API: CountyReport,
// one county's tenant (portal, storage, schedule, report options), and
// ReportRun, one rendering of one county for one period.
//
// +kubebuilder:object:generate=true
// +groupName=reporting.countyreport.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of these types.
	GroupVersion = schema.GroupVersion{Group: "reporting.countyreport.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types with a runtime.Scheme.
	//lint:ignore SA1019 kubebuilder's scaffold; replacing it with runtime.SchemeBuilder is an API-package change of its own (issue 23)
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
