package controllers

import (
	"time"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/signing"
)

// Options are the manager's settings the reconcilers need.
type Options struct {
	PortalImage     string
	StorageEndpoint string
	StorageInsecure bool
	// StorageCABundle is the PEM CA bundle of a storage endpoint behind a
	// private CA; it is passed to every client (portals, Jobs) with the
	// scoped credentials.
	StorageCABundle []byte
	// StorageTimeout bounds the storage calls of one reconcile (default
	// DefaultStorageTimeout), so a slow or unreachable endpoint is reported
	// quickly and holds up no worker.
	StorageTimeout time.Duration
	// Storage is the operator's admin access to the object store; nil: portals only.
	Storage Storage
	// CredentialsTTL is the lifetime of each county's scoped credentials.
	CredentialsTTL time.Duration
	// Clock is injected by tests; the real clock otherwise.
	Clock clock.PassiveClock
	// Workers is the number of CountyReports reconciled at once (default 4).
	Workers int
	// HostPatterns restrict the hosts a county's Ingress may claim
	// (HostAllowed); none: any host, the first claim keeping it.
	HostPatterns []string

	// Executor runs ReportRuns: ExecutorJob (default) or ExecutorInProcess.
	Executor string
	// RunConcurrency bounds the ReportRuns rendered at once in process (default 2).
	RunConcurrency int
	// RunMaxAttempts and RunRetryBackoff tune ReportRun retries (defaults
	// DefaultMaxAttempts, DefaultRetryBackoff).
	RunMaxAttempts  int32
	RunRetryBackoff time.Duration
	// Job tunes the Job executor's Jobs; its Image defaults to PortalImage.
	Job executor.JobOptions
	// TrustedProxies are the CIDRs of the installation's proxies (the
	// Ingress controller), written into every county's and city's portal
	// configuration: the portals read the client address from
	// X-Forwarded-For only when the request comes from one of them.
	TrustedProxies []string
	// PortalAPIServerPorts and PortalAPIServerCIDRs narrow the county
	// portals' egress to the Kubernetes API (tenant.Inputs); empty: ports
	// 443 and 6443 on any address.
	PortalAPIServerPorts []int32
	PortalAPIServerCIDRs []string
	// Signing is the installation CA: each tenant gets a signing
	// certificate and every published PDF is signed. Nil: nothing is
	// signed (tests of other concerns).
	Signing *signing.Authority
}

// Setup registers every reconciler with the manager.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	cr := &CountyReportReconciler{
		TenantReconciler: tenantReconciler(mgr, o),
		Storage:          o.Storage,
		Workers:          o.Workers,
		HostPatterns:     o.HostPatterns,
	}
	if err := cr.SetupWithManager(mgr); err != nil {
		return err
	}
	city, err := setupCities(mgr, o)
	if err != nil {
		return err
	}
	o.Job.StorageCA = len(o.StorageCABundle) > 0
	o.Job.Sign = o.Signing != nil
	return setupReportRuns(mgr, o, city)
}

// setupCities registers the CityReport reconciler. Its storage is the
// county's admin storage when that can also mint member credentials and open
// archives (AdminStorage can); otherwise the city runs without storage. With
// storage it renders the cities' ReportRuns (the CityRenderer; nil without).
func setupCities(mgr ctrl.Manager, o Options) (CityRenderer, error) {
	city := &CityReportReconciler{TenantReconciler: tenantReconciler(mgr, o)}
	if o.Signing != nil {
		city.Keys = &signing.Keys{Reader: mgr.GetAPIReader()}
	}
	if cs, ok := o.Storage.(CityStorage); ok && o.Storage != nil {
		city.Storage = cs
	}
	if err := city.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if city.Storage == nil {
		return nil, nil
	}
	return city, nil
}
