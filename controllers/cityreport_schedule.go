package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/schedule"
	"github.com/countyreport/countyreport/internal/tenant"
)

// +kubebuilder:rbac:groups=reporting.countyreport.io,resources=reportruns,verbs=get;list;watch;create;delete

// reconcileCitySchedule is the county's schedule step for a city: when the
// city's schedule is due it creates the ReportRun for the previous month in
// the city's namespace, named <city>-<period> (tenant.CityRun), with the
// county's rules (dueAt: after downtime only the latest missed instant
// within the starting deadline, never one before the CityReport was
// created; suspend). It derives status.lastReport and ReportUpToDate from
// the city's runs, prunes their history, and sets status.nextRun. The
// ReportRun reconciler renders the runs (RenderCity).
func (r *CityReportReconciler) reconcileCitySchedule(ctx context.Context, st *cityState) error {
	c := st.city
	s := c.Spec.Schedule
	sched, err := schedule.Parse(s.Cron, s.TimeZone)
	if err != nil {
		return nil // validateCity refused it
	}
	now := r.Clock.Now()
	runs, err := r.cityRuns(ctx, c)
	if err != nil {
		return err
	}
	if due := dueAt(sched, s, c.CreationTimestamp.Time, c.Status.LastScheduleTime, now); !due.IsZero() && !s.Suspend {
		name := tenant.CityRunName(c, sched.PeriodOf(due).String())
		if !slices.ContainsFunc(runs, func(run v1alpha1.ReportRun) bool { return run.Name == name }) {
			run, err := r.createCityRun(ctx, c, sched, due)
			if err != nil {
				return err
			}
			if run != nil {
				runs = append(runs, *run)
			} else {
				st.requeueIn(cacheCatchUp) // made a moment ago: look again once the cache has it
			}
		}
		c.Status.LastScheduleTime = &metav1.Time{Time: due}
	}

	var wait time.Duration
	c.Status.NextRun, c.Status.NextRunLocal, wait = nextRun(sched, s.Suspend, now)
	if wait > 0 {
		st.requeueIn(wait)
	}

	c.Status.LastReport = newerReport(c.Status.LastReport, runs)
	status, reason, msg := upToDate(sched, s.Suspend, c.CreationTimestamp.Time, c.Status.LastReport, runs, now, "CityReport")
	setCondition(&c.Status.Conditions, c.Generation, v1alpha1.ConditionReportUpToDate, status, reason, msg)
	return pruneRuns(ctx, r.Client, s, runs, func(run *v1alpha1.ReportRun, phase v1alpha1.RunPhase, limit int) {
		recordEvent(r.Recorder, c, corev1.EventTypeNormal, "Pruned", "Delete", "deleted ReportRun %s/%s (%s, history limit %d)", run.Namespace, run.Name, phase, limit)
	})
}

// createCityRun creates the city's scheduled ReportRun for the month before
// due. One that exists all the same was created a moment ago (nil, nil).
func (r *CityReportReconciler) createCityRun(ctx context.Context, c *v1alpha1.CityReport, sched *schedule.Schedule, due time.Time) (*v1alpha1.ReportRun, error) {
	period := sched.PeriodOf(due).String()
	run := tenant.CityRun(c, period, v1alpha1.RunScheduled, "")
	run.Annotations = map[string]string{"reporting.countyreport.io/scheduled-at": due.UTC().Format(time.RFC3339)}
	if err := controllerutil.SetControllerReference(c, run, r.Scheme); err != nil {
		return nil, err
	}
	if err := r.Create(ctx, run); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("create ReportRun %s/%s: %w", run.Namespace, run.Name, err)
	}
	recordEvent(r.Recorder, c, corev1.EventTypeNormal, "Scheduled", "Schedule", "created ReportRun %s/%s for %s (scheduled %s)",
		run.Namespace, run.Name, period, sched.Local(due))
	return run, nil
}

// cityRuns lists the ReportRuns naming c in its namespace. Runs elsewhere
// naming it render nothing (the ReportRun reconciler refuses them) and do
// not count.
func (r *CityReportReconciler) cityRuns(ctx context.Context, c *v1alpha1.CityReport) ([]v1alpha1.ReportRun, error) {
	return listRuns(ctx, r.Client, tenant.CityNamespace(c), func(run *v1alpha1.ReportRun) bool { return run.Spec.CityReportName == c.Name })
}
