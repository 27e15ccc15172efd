package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/schedule"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// CityStorage is what the city's reconcile needs from the object store,
// with the admin credentials only the operator holds.
type CityStorage interface {
	// ClaimBucket creates bucket for owner, or accepts it when owner created
	// it; any other bucket is ErrNotOwned (the lead's ownership record).
	ClaimBucket(ctx context.Context, bucket string, owner storage.Owner) error
	// BucketOwner reads whom a bucket was created for.
	BucketOwner(ctx context.Context, bucket string) (storage.Owner, error)
	// DeleteOwnedBucket removes bucket and every version in it, only when
	// owner created it.
	DeleteOwnedBucket(ctx context.Context, bucket string, owner storage.Owner) error
	Issue(ctx context.Context, bucket string, ttl time.Duration) (storage.Credentials, error)
	IssueMember(ctx context.Context, bucket string, ttl time.Duration) (storage.Credentials, error)
	// Archive opens a bucket with the admin credentials, to read the
	// members' submission states for the board.
	Archive(bucket string) *storage.Archive
}

// CityReportReconciler turns a CityReport into the city's tenant: its
// members (on both sides), its bucket and credentials, its members'
// read-only credentials and the board of their submissions.
type CityReportReconciler struct {
	TenantReconciler
	// Storage is nil when the manager has no storage endpoint.
	Storage CityStorage
	// Keys reads the city's signing key (issued by Signing) to sign the
	// city's report. Nil: the city's report is published unsigned (tests).
	Keys *signing.Keys
}

// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=cityreports,verbs=get;list;watch;update
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=cityreports/status,verbs=patch
// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=cityreports/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// The city's Secrets are written whole (writeCitySecret updates them).
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;delete

// cityState is what one reconcile of a city learns as its steps run.
type cityState struct {
	stepState
	city *v1alpha1.CityReport
	// members are the counties that are members on both sides, by code.
	members []cityMember
	// reviewLoc is the zone of the review deadline.
	reviewLoc *time.Location
	// boardPeriod is the month under review; datasets the identity of each
	// member's dataset for it (its storage.DatasetInfo.ContentID), by code
	// (absent: nothing submitted).
	boardPeriod string
	deadline    time.Time
	datasets    map[string]string
	statuses    map[string]review.Status
	// unreadable are the members whose own objects could not be read or
	// parsed (code → why): each is named and left out, the others go on.
	unreadable map[string]string
}

// cityMember is a resolved member with the bucket its credentials reach.
type cityMember struct {
	county *v1alpha1.CountyReport
	bucket string
}

// newCityState starts a reconcile of city; finalizer is the one it gets
// first (storageFinalizer).
func newCityState(city *v1alpha1.CityReport, finalizer string) *cityState {
	before := city.DeepCopy()
	return &cityState{stepState: stepState{subject: subject{obj: city, before: before, finalizer: finalizer,
		conditions: &city.Status.Conditions, observed: &city.Status.ObservedGeneration,
		statusChanged: func() bool { return !equality.Semantic.DeepEqual(before.Status, city.Status) }}},
		city: city, datasets: map[string]string{}, statuses: map[string]review.Status{}}
}

// boardInterval is how often the board (and its metric) is read again from
// the members' buckets: submissions are not events the operator sees.
const boardInterval = 5 * time.Minute

// Reconcile is called for every change of a CityReport, of an object it
// owns, or of a CountyReport that names it or that it lists. It runs the
// city's steps (runSteps: one error policy, status written once, at the
// end, only when it changed).
func (r *CityReportReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	city := &v1alpha1.CityReport{}
	if err := r.Get(ctx, req.NamespacedName, city); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !city.DeletionTimestamp.IsZero() {
		forgetCityMetrics(city)
		return r.reconcileCityDelete(ctx, city) // owned Secrets go with it
	}
	return runSteps(ctx, r.Client, r.Recorder, newCityState(city, storageFinalizer(r.Storage != nil)), []func(context.Context, *cityState) error{
		r.validateCity,
		r.checkDuplicateCity,
		r.checkNamespace,
		r.resolveMembers,
		finalizerFirst[*cityState](r.Client),
		r.reconcileCityStorage,
		r.reconcileCitySigning,
		r.reconcileCityPortal,
		r.reconcileBoard,
		r.reconcileRanking,
		r.reconcileCitySchedule,
		r.readCityNotifications,
		r.summarizeCity,
	})
}

// validateCity checks what the schema cannot: the zones are real and the cron parses.
func (r *CityReportReconciler) validateCity(_ context.Context, st *cityState) error {
	s := st.city.Spec
	if _, err := schedule.Parse(s.Schedule.Cron, s.Schedule.TimeZone); err != nil {
		st.refuse(r.Recorder, v1alpha1.ReasonInvalidSpec, "spec.schedule: "+err.Error())
		return nil
	}
	loc, err := time.LoadLocation(s.Review.TimeZone)
	if err != nil || s.Review.TimeZone == "" {
		st.refuse(r.Recorder, v1alpha1.ReasonInvalidSpec, fmt.Sprintf("spec.review.timeZone: unknown time zone %q", s.Review.TimeZone))
		return nil
	}
	st.reviewLoc = loc
	return nil
}

// checkDuplicateCity refuses a city code already claimed by an older CityReport.
func (r *CityReportReconciler) checkDuplicateCity(ctx context.Context, st *cityState) error {
	var list v1alpha1.CityReportList
	if err := r.List(ctx, &list); err != nil {
		return fmt.Errorf("list CityReports: %w", err)
	}
	claims := slices.DeleteFunc(list.Items, func(c v1alpha1.CityReport) bool { return c.Spec.City.Code != st.city.Spec.City.Code })
	refuseLaterClaim(r.Recorder, &st.stepState, claims, v1alpha1.ReasonDuplicateCity, func(holder *v1alpha1.CityReport) string {
		return fmt.Sprintf("city code %s is already used by CityReport %s; nothing is provisioned for this one", st.city.Spec.City.Code, holder.Name)
	})
	return nil
}

// checkNamespace requires the city's namespace, city-<name>, to exist, to
// be given the city's code by the cluster administrator (the namespace label
// reporting.countyreport.io/city, which no namespace editor can set), and
// to hold no county: the city's credentials must never land where a
// county's staff can read Secrets.
func (r *CityReportReconciler) checkNamespace(ctx context.Context, st *cityState) error {
	ns := tenant.CityNamespace(st.city)
	st.city.Status.Namespace = ns
	code := st.city.Spec.City.Code
	granted, found, err := grantReaders{cached: r.Client, live: r.APIReader}.label(ctx, ns, v1alpha1.LabelCity, code)
	if err != nil {
		return err
	}
	if !found {
		st.refuse(r.Recorder, v1alpha1.ReasonNamespaceMissing, fmt.Sprintf(
			"namespace %s does not exist: create it for the city's objects and give it the city's code "+
				"(kubectl create namespace %s; kubectl label namespace %s %s=%s)", ns, ns, ns, v1alpha1.LabelCity, code))
		st.requeueIn(30 * time.Second)
		return nil
	}
	if granted != code {
		st.refuse(r.Recorder, v1alpha1.ReasonNamespaceNotGranted, fmt.Sprintf(
			"namespace %s is not given city code %s (its label %s is %q): a cluster administrator grants it with "+
				"kubectl label namespace %s %s=%s; no credentials are written there", ns, code, v1alpha1.LabelCity, granted, ns, v1alpha1.LabelCity, code))
		st.requeueIn(30 * time.Second)
		return nil
	}
	var counties v1alpha1.CountyReportList
	if err := r.List(ctx, &counties, client.InNamespace(ns)); err != nil {
		return fmt.Errorf("list CountyReports in %s: %w", ns, err)
	}
	if len(counties.Items) > 0 {
		st.refuse(r.Recorder, v1alpha1.ReasonNamespaceInUse, fmt.Sprintf(
			"namespace %s holds CountyReport %s: a city's credentials never share a namespace with a county", ns, counties.Items[0].Name))
	}
	return nil
}

// summarizeCity derives Ready: the storage ready when the manager has
// storage. Missing members do not make a city unready; MembersResolved
// names them.
func (r *CityReportReconciler) summarizeCity(_ context.Context, st *cityState) error {
	city := st.city
	if r.Storage != nil && !meta.IsStatusConditionTrue(city.Status.Conditions, v1alpha1.ConditionStorageReady) {
		setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonComponentsNotReady,
			"waiting for: "+v1alpha1.ConditionStorageReady)
		return nil
	}
	setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonReconciled,
		fmt.Sprintf("%d of %d listed counties are members", len(city.Status.Members), len(city.Spec.Members)))
	return nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *CityReportReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	return r.newTenantController(mgr, &v1alpha1.CityReport{}, "cityreport").
		Watches(&v1alpha1.CountyReport{}, handler.EnqueueRequestsFromMapFunc(r.citiesOfCounty),
			builder.WithPredicates(membershipMatters)).
		// A grant given or taken back (a namespace label) may change the
		// city's own namespace or who holds a member's code. Cities are few.
		WatchesMetadata(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.allCities),
			builder.WithPredicates(predicate.LabelChangedPredicate{})).
		Complete(r)
}

// allCities wakes every city.
func (r *CityReportReconciler) allCities(ctx context.Context, _ client.Object) []reconcile.Request {
	var list v1alpha1.CityReportList
	if err := r.List(ctx, &list); err != nil {
		logf.FromContext(ctx).Error(err, "list CityReports")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, c := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: c.Name}})
	}
	return reqs
}

// membershipMatters passes the county changes a city's membership depends
// on: its code, its cityRef, its bucket and storage readiness, its deletion.
var membershipMatters = updateMatters(func(old, cur *v1alpha1.CountyReport) bool {
	return old.Spec.County.Code != cur.Spec.County.Code ||
		!equality.Semantic.DeepEqual(old.Spec.CityRef, cur.Spec.CityRef) ||
		old.Status.Bucket != cur.Status.Bucket ||
		meta.IsStatusConditionTrue(old.Status.Conditions, v1alpha1.ConditionStorageReady) !=
			meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionStorageReady) ||
		old.DeletionTimestamp.IsZero() != cur.DeletionTimestamp.IsZero()
})

// citiesOfCounty maps a county to the city it names and every city that
// lists it. The old and the new object of an update are both mapped, so a
// county leaving a city wakes that city too.
func (r *CityReportReconciler) citiesOfCounty(ctx context.Context, o client.Object) []reconcile.Request {
	cr := o.(*v1alpha1.CountyReport)
	var list v1alpha1.CityReportList
	if err := r.List(ctx, &list); err != nil {
		logf.FromContext(ctx).Error(err, "list CityReports")
		return nil
	}
	var reqs []reconcile.Request
	for _, c := range list.Items {
		named := cr.Spec.CityRef != nil && cr.Spec.CityRef.Name == c.Name
		if named || lists(&c, cr) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: c.Name}})
		}
	}
	return reqs
}

// lists reports whether the city's spec names the county.
func lists(c *v1alpha1.CityReport, cr *v1alpha1.CountyReport) bool {
	for _, m := range c.Spec.Members {
		if m.Code == cr.Spec.County.Code || (m.Namespace == cr.Namespace && m.Name == cr.Name) {
			return true
		}
	}
	return false
}

// memberRef is how the city listed a member, for status.
func memberRef(m v1alpha1.CityMember) string {
	if m.Code != "" {
		return m.Code
	}
	return m.Namespace + "/" + m.Name
}

func joinCodes(ms []cityMember) string {
	codes := make([]string, len(ms))
	for i, m := range ms {
		codes[i] = m.county.Spec.County.Code
	}
	return strings.Join(codes, ",")
}
