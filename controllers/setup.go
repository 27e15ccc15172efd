package controllers

import (
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Options are the manager's settings the reconcilers need.
type Options struct {
	PortalImage     string
	StorageEndpoint string
	StorageInsecure bool
	// Clock is injected by tests; the real clock otherwise.
	Clock clock.PassiveClock
}

// Setup registers every reconciler with the manager.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	cr := &CountyReportReconciler{
		Client:          mgr.GetClient(),
		Scheme:          mgr.GetScheme(),
		Recorder:        mgr.GetEventRecorder("countyreport-manager"),
		Clock:           o.Clock,
		PortalImage:     o.PortalImage,
		StorageEndpoint: o.StorageEndpoint,
		StorageInsecure: o.StorageInsecure,
	}
	return cr.SetupWithManager(mgr)
}
