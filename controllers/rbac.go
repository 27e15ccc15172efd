package controllers

// The manager's RBAC, besides the markers beside the code that uses each
// verb. Every verb is one the code sends: objects are written by
// server-side apply (patch, and create for an apply that makes the object),
// never by update; status is patched (CountyReports) or updated
// (ReportRuns), never both.
//
// The metrics endpoint asks the API server who a caller is and whether it
// may get /metrics (controller-runtime's metrics filters).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
