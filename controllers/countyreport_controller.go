// Package controllers holds one reconciler per kind of the
// reporting.countyreport.io API. Each reconcile is a list of small steps.
package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/schedule"
	"github.com/countyreport/countyreport/internal/tenant"
)

// countyCodeIndex indexes CountyReports by spec.county.code, to find duplicates.
const countyCodeIndex = "spec.county.code"

// bucketIndex indexes CountyReports by the bucket they ask for, so that a
// bucket is claimed by one CountyReport only (the oldest).
const bucketIndex = "spec.storage.bucket"

// CountyReportReconciler turns a CountyReport into the county's tenant: its
// portal workload, its storage and its schedule.
type CountyReportReconciler struct {
	TenantReconciler
	// Storage provisions buckets and credentials; nil when the manager has no storage.
	Storage Storage
	// Workers is the number of CountyReports reconciled at once (4 when zero).
	Workers int
	// HostPatterns restrict the counties' Ingress hosts (HostAllowed);
	// none: any host, the first claim keeping it.
	HostPatterns []string
}

// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=countyreports,verbs=get;list;watch;update
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=countyreports/status,verbs=patch
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=countyreports/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=serviceaccounts;configmaps;services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// reconcileState is what one reconcile learns as its steps run.
type reconcileState struct {
	stepState
	cr *v1alpha1.CountyReport
	// schedule is the spec's schedule, parsed once by validateSpec.
	schedule *schedule.Schedule
	inputs   tenant.Inputs
}

// countySubject is a CountyReport as the shared step machinery sees it.
func countySubject(cr *v1alpha1.CountyReport, finalizer string) subject {
	before := cr.DeepCopy()
	return subject{obj: cr, before: before, conditions: &cr.Status.Conditions, observed: &cr.Status.ObservedGeneration, finalizer: finalizer,
		statusChanged: func() bool { return !equality.Semantic.DeepEqual(before.Status, cr.Status) }}
}

// Reconcile is called for every change of a CountyReport or an object it owns.
func (r *CountyReportReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cr := &v1alpha1.CountyReport{}
	if err := r.Get(ctx, req.NamespacedName, cr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !cr.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, cr)
	}
	return r.reconcile(ctx, cr)
}

// reconcile runs the county's steps (runSteps: one error policy, status
// written once, at the end, only when it changed).
func (r *CountyReportReconciler) reconcile(ctx context.Context, cr *v1alpha1.CountyReport) (ctrl.Result, error) {
	st := &reconcileState{stepState: stepState{subject: countySubject(cr, storageFinalizer(r.Storage != nil))}, cr: cr, inputs: tenant.Inputs{
		PortalImage:     r.PortalImage,
		StorageEndpoint: r.StorageEndpoint,
		StorageInsecure: r.StorageInsecure,
		StorageCA:       len(r.StorageCABundle) > 0,
		TrustedProxies:  r.TrustedProxies,
		APIServerPorts:  r.PortalAPIServerPorts,
		APIServerCIDRs:  r.PortalAPIServerCIDRs,
	}}
	return runSteps(ctx, r.Client, r.Recorder, st, []func(context.Context, *reconcileState) error{
		r.validateSpec,
		r.checkGrant,
		r.checkDuplicate,
		finalizerFirst[*reconcileState](r.Client),
		r.reconcileStorage,
		r.reconcileSigning,
		r.readCityReview,
		r.reconcilePortal,
		r.reconcileSchedule,
		r.readNotifications,
		r.summarize,
	})
}

// validateSpec checks what the schema cannot: the time zone is a real IANA
// name and the cron expression parses.
func (r *CountyReportReconciler) validateSpec(_ context.Context, st *reconcileState) error {
	s := st.cr.Spec.Schedule
	sched, err := schedule.Parse(s.Cron, s.TimeZone)
	if err != nil {
		st.refuse(r.Recorder, v1alpha1.ReasonInvalidSpec, "spec.schedule: "+err.Error())
		return nil
	}
	st.schedule = sched
	return nil
}

// checkDuplicate refuses a county code already claimed by an older
// CountyReport in a namespace given the same code (an administrator's
// mistake: two namespaces labelled with one code).
func (r *CountyReportReconciler) checkDuplicate(ctx context.Context, st *reconcileState) error {
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, client.MatchingFields{countyCodeIndex: st.cr.Spec.County.Code}); err != nil {
		return fmt.Errorf("list CountyReports with code %s: %w", st.cr.Spec.County.Code, err)
	}
	claims, err := grantedClaims(ctx, r.grantReader(), list.Items)
	if err != nil {
		return err
	}
	refuseLaterClaim(r.Recorder, &st.stepState, claims, v1alpha1.ReasonDuplicateCounty, func(holder *v1alpha1.CountyReport) string {
		return fmt.Sprintf("county code %s is already used by CountyReport %s/%s; nothing is provisioned for this one",
			st.cr.Spec.County.Code, holder.Namespace, holder.Name)
	})
	return nil
}

// reconcilePortal ensures the portal's objects and reads its availability.
func (r *CountyReportReconciler) reconcilePortal(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	data, err := tenant.ConfigData(cr, st.inputs)
	if err != nil {
		return err
	}
	if err := ensure(ctx, r, cr, tenant.ServiceAccount(cr)); err != nil {
		return err
	}
	if err := r.reconcilePortalAccess(ctx, cr); err != nil {
		return err
	}
	if err := ensure(ctx, r, cr, tenant.ConfigMap(cr, data)); err != nil {
		return err
	}
	deploy := tenant.Deployment(cr, st.inputs, tenant.ConfigHash(data, st.inputs))
	if err := ensure(ctx, r, cr, deploy); err != nil {
		return err
	}
	if err := ensure(ctx, r, cr, tenant.Service(cr)); err != nil {
		return err
	}
	if err := ensure(ctx, r, cr, tenant.NetworkPolicy(cr, st.inputs)); err != nil {
		return err
	}
	if err := r.reconcileIngress(ctx, cr); err != nil {
		return err
	}
	if pdb := tenant.PodDisruptionBudget(cr); pdb != nil {
		err = ensure(ctx, r, cr, pdb)
	} else {
		err = remove(ctx, r, cr, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: tenant.Name(cr), Namespace: cr.Namespace}})
	}
	if err != nil {
		return err
	}
	cr.Status.PortalURL = portalURL(cr)
	return r.readPortalAvailability(ctx, st)
}

// readPortalAvailability sets PortalAvailable from the Deployment's own Available condition.
func (r *CountyReportReconciler) readPortalAvailability(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	var d appsv1.Deployment
	if found, err := r.lookup(ctx, client.ObjectKey{Namespace: cr.Namespace, Name: tenant.Name(cr)}, &d); err != nil || !found {
		return fmt.Errorf("read portal Deployment: %w", cmp.Or(err, errors.New("not found")))
	}
	status, reason, msg := deploymentAvailability(&d)
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionPortalAvailable, status, reason, msg)
	return nil
}

// deploymentAvailability reads a portal Deployment's own Available condition.
func deploymentAvailability(d *appsv1.Deployment) (metav1.ConditionStatus, string, string) {
	status, reason, msg := metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotReady, "the portal Deployment is not available yet"
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
			status, reason = metav1.ConditionTrue, v1alpha1.ReasonDeploymentReady
			msg = fmt.Sprintf("%d of %d portal replicas available", d.Status.AvailableReplicas, ptr.Deref(d.Spec.Replicas, 1))
		}
	}
	if ptr.Deref(d.Spec.Replicas, 1) == 0 {
		status, reason, msg = metav1.ConditionFalse, "ScaledToZero", "spec.portal.replicas is 0"
	}
	return status, reason, msg
}

// summarize derives Ready from the other conditions: the portal must be
// available and, when the manager has storage, the storage ready. A manager
// without storage serves portals only, and says so in StorageReady.
func (r *CountyReportReconciler) summarize(_ context.Context, st *reconcileState) error {
	cr := st.cr
	needed := []string{v1alpha1.ConditionPortalAvailable}
	if cr.Spec.Portal.Ingress != nil {
		needed = append(needed, v1alpha1.ConditionHostAdmitted)
	}
	if r.Storage != nil {
		needed = append(needed, v1alpha1.ConditionStorageReady)
	}
	var waiting []string
	for _, typ := range needed {
		if !meta.IsStatusConditionTrue(cr.Status.Conditions, typ) {
			waiting = append(waiting, typ)
		}
	}
	if len(waiting) == 0 {
		setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonReconciled, "the county's portal and archive are ready")
		return nil
	}
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonComponentsNotReady,
		"waiting for: "+strings.Join(waiting, ", "))
	return nil
}

// SetupWithManager registers the reconciler, its index and its watches.
func (r *CountyReportReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := IndexCountyCodes(mgr.GetFieldIndexer()); err != nil {
		return err
	}
	return r.newTenantController(mgr, &v1alpha1.CountyReport{}, "countyreport").
		// The portal's Role and RoleBinding (a city portal has none).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		// When a county code is freed or claimed, the other claimants re-check.
		Watches(&v1alpha1.CountyReport{}, handler.EnqueueRequestsFromMapFunc(r.sameCounty),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		// A code granted or taken back (a namespace label) decides who holds it.
		WatchesMetadata(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.countiesInNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{})).
		// A city's host is the city's: the counties naming it look again.
		Watches(&v1alpha1.CityReport{}, handler.EnqueueRequestsFromMapFunc(r.countiesOfHost),
			builder.WithPredicates(cityHostChanged)).
		// The city's deadline is shown in its members' portals.
		Watches(&v1alpha1.CityReport{}, handler.EnqueueRequestsFromMapFunc(r.countiesOfCity),
			builder.WithPredicates(cityTermsChanged)).
		WithOptions(controller.Options{MaxConcurrentReconciles: cmp.Or(r.Workers, 4)}).
		Complete(r)
}

// runMatters passes the ReportRun changes a county's status depends on: a
// run created by someone else, a run's phase changing, a run going away.
// The county's own scheduled runs are counted by the reconcile that created
// them, and a run's messages and owner references do not show in the
// county's status: waking the county for those would be a reconcile per run
// for nothing.
var runMatters = predicate.Funcs{
	CreateFunc: func(e event.CreateEvent) bool {
		run, ok := e.Object.(*v1alpha1.ReportRun)
		return !ok || run.Spec.Reason != v1alpha1.RunScheduled || run.Status.Phase != ""
	},
	UpdateFunc: func(e event.UpdateEvent) bool {
		old, okOld := e.ObjectOld.(*v1alpha1.ReportRun)
		cur, okNew := e.ObjectNew.(*v1alpha1.ReportRun)
		if !okOld || !okNew {
			return true
		}
		return old.Status.Phase != cur.Status.Phase || old.DeletionTimestamp.IsZero() != cur.DeletionTimestamp.IsZero()
	},
}

// IndexCountyCodes registers the cache indexes the duplicate checks list
// CountyReports by: county code, bucket and Ingress host. SetupWithManager does; tests
// that call Reconcile themselves, with no controller in the manager, do it
// alone.
func IndexCountyCodes(indexer client.FieldIndexer) error {
	if err := indexer.IndexField(context.Background(), &v1alpha1.CountyReport{}, countyCodeIndex,
		func(o client.Object) []string { return []string{o.(*v1alpha1.CountyReport).Spec.County.Code} }); err != nil {
		return err
	}
	if err := indexer.IndexField(context.Background(), &v1alpha1.CountyReport{}, bucketIndex,
		func(o client.Object) []string { return []string{tenant.Bucket(o.(*v1alpha1.CountyReport))} }); err != nil {
		return err
	}
	return indexer.IndexField(context.Background(), &v1alpha1.CountyReport{}, hostIndex, func(o client.Object) []string {
		if h := countyHost(o.(*v1alpha1.CountyReport)); h != "" {
			return []string{h}
		}
		return nil
	})
}

// sameCounty maps a CountyReport to the others with its county code, its
// bucket or its host: when a claim is freed or made, the other claimants
// look again.
func (r *CountyReportReconciler) sameCounty(ctx context.Context, o client.Object) []reconcile.Request {
	cr := o.(*v1alpha1.CountyReport)
	seen := map[types.UID]bool{cr.UID: true}
	var reqs []reconcile.Request
	for index, value := range map[string]string{countyCodeIndex: cr.Spec.County.Code, bucketIndex: tenant.Bucket(cr), hostIndex: countyHost(cr)} {
		if value == "" {
			continue
		}
		var list v1alpha1.CountyReportList
		if err := r.List(ctx, &list, client.MatchingFields{index: value}); err != nil {
			logf.FromContext(ctx).Error(err, "list CountyReports", "index", index)
			return nil
		}
		for _, it := range list.Items {
			if !seen[it.UID] {
				seen[it.UID] = true
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&it)})
			}
		}
	}
	return reqs
}
