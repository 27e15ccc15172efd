package controllers

import (
	"context"
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// CityRenderer renders a city's report of one period into the city's own
// archive: CityReportReconciler.RenderCity.
type CityRenderer interface {
	RenderCity(ctx context.Context, c *v1alpha1.CityReport, period string) (*storage.Report, error)
}

// reconcileCityRun drives a city's ReportRun (spec.cityReportName) with the
// county's rules: phases, attempts with backoff, artifacts, Events. Its
// attempt is rendered in the operator (the city's report is drawn from its
// members' archives, which only the operator reads), by City, into the
// city's bucket. A run outside the city's namespace city-<name> is refused
// before anything is read: whoever can write ReportRuns in a county's
// namespace cannot have a city's report rendered, nor anything rendered
// into the city's archive.
func (r *ReportRunReconciler) reconcileCityRun(ctx context.Context, run *v1alpha1.ReportRun) (ctrl.Result, error) {
	before := run.DeepCopy()
	name := run.Spec.CityReportName
	if ns := tenant.CityNamespaceOf(name); run.Namespace != ns {
		r.fail(run, r.Clock.Now(), v1alpha1.RunReasonWrongNamespace,
			messages.Both("controllers.cityRunNamespace", name, ns, run.Namespace))
		return r.writeRunStatus(ctx, before, run, ctrl.Result{}, nil, "")
	}
	city, wait, err := r.cityOf(ctx, run)
	if err != nil || wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, err
	}
	if city == nil {
		r.fail(run, r.Clock.Now(), v1alpha1.RunReasonCityReportNotFound,
			messages.Both("controllers.cityNotFound", name))
		return r.writeRunStatus(ctx, before, run, ctrl.Result{}, nil, "")
	}
	if d, err := r.adopt(ctx, run, city); err != nil || d > 0 {
		return ctrl.Result{RequeueAfter: d}, err
	}
	before = run.DeepCopy()
	res := r.stepCity(ctx, run, city)
	return r.writeRunStatus(ctx, before, run, res, city, city.Spec.City.Code)
}

// cityOf finds the CityReport run names, as countyOf finds a county: past
// the cache when the cache lacks it, and failing (nil) only CountyGrace
// after the run's creation.
func (r *ReportRunReconciler) cityOf(ctx context.Context, run *v1alpha1.ReportRun) (_ *v1alpha1.CityReport, wait time.Duration, _ error) {
	return tenantOf(ctx, r, run, client.ObjectKey{Name: run.Spec.CityReportName}, &v1alpha1.CityReport{})
}

// stepCity decides a city run's next status. An attempt is rendered and
// published at once, so a city run goes from Pending to Succeeded, or to a
// retry, in one status write.
func (r *ReportRunReconciler) stepCity(ctx context.Context, run *v1alpha1.ReportRun, city *v1alpha1.CityReport) ctrl.Result {
	now := r.Clock.Now()
	loc := scheduleZone(city.Spec.Schedule)
	p, err := period.Parse(run.Spec.Period)
	if err != nil {
		r.fail(run, now, v1alpha1.RunReasonInvalidData, err.Error())
		return ctrl.Result{}
	}
	if run.Status.Attempts == 0 && p.Start(loc).After(now) {
		r.fail(run, now, v1alpha1.RunReasonFuturePeriod,
			messages.Both("controllers.periodNotBegun", run.Spec.Period, loc))
		return ctrl.Result{}
	}
	run.Status.Phase = v1alpha1.RunPending
	if at := run.Status.NextAttemptAt; at != nil && at.After(now) {
		return ctrl.Result{RequeueAfter: at.Sub(now)}
	}
	if r.City == nil {
		r.fail(run, now, v1alpha1.RunReasonCityNotReady, messages.Both("controllers.cityNoStorage"))
		return ctrl.Result{}
	}
	run.Status.Attempts++
	if run.Status.StartTime == nil {
		run.Status.StartTime = &metav1.Time{Time: now}
	}
	run.Status.NextAttemptAt = nil
	rep, err := r.City.RenderCity(ctx, city, run.Spec.Period)
	if err != nil {
		return r.attemptFailed(run, cityFailure(err), r.Clock.Now())
	}
	r.succeed(run, city.Status.Bucket, rep, r.Clock.Now())
	return ctrl.Result{}
}

// cityFailure classifies a failed city render; every one is retried up to
// the run's attempts (the city's archive may be provisioned a moment later,
// the storage back).
func cityFailure(err error) *executor.Failure {
	var se *storage.Error
	switch {
	case errors.Is(err, errCityNotReady):
		return &executor.Failure{Reason: v1alpha1.RunReasonCityNotReady, Message: err.Error(), Retryable: true, Err: err}
	case errors.As(err, &se):
		return &executor.Failure{Reason: v1alpha1.RunReasonStorageUnavailable, Message: err.Error(), Retryable: true, Err: err}
	}
	return &executor.Failure{Reason: v1alpha1.RunReasonRenderFailed, Message: err.Error(), Retryable: true, Err: err}
}
