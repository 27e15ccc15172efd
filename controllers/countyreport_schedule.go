package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/schedule"
	"github.com/countyreport/countyreport/internal/storage"
)

// Schedule defaults, as in the CRD.
const (
	defaultStartingDeadline  = 7 * 24 * time.Hour
	defaultSuccessfulHistory = 12
	defaultFailedHistory     = 3
)

// Reasons of the ReportUpToDate condition.
const (
	reasonReportCurrent = "ReportCurrent"
	reasonRunInProgress = "RunInProgress"
	reasonRunFailed     = "RunFailed"
	reasonNotScheduled  = "NotScheduledYet"
)

// reconcileSchedule is the kubebuilder CronJob pattern with an injected clock:
// when the schedule is due it creates the ReportRun for the previous month,
// named <countyreport>-<period> so that a restart, a requeue or two managers
// never create two; after downtime only the latest missed instant within the
// starting deadline is run, and never one before the CountyReport was
// created (as a CronJob: a county applied on the 3rd does not run the month
// before; catching up is a ReportRun by hand). It also prunes the history,
// derives status.lastReport and ReportUpToDate from the ReportRuns, and asks
// to be woken for the next run. Nothing here writes unless something is due, over a
// limit or changed.
func (r *CountyReportReconciler) reconcileSchedule(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	s := cr.Spec.Schedule
	sched := st.schedule
	now := r.Clock.Now()

	runs, err := r.runsOf(ctx, cr)
	if err != nil {
		return err
	}

	if due := dueInstant(sched, cr, now); !due.IsZero() && !s.Suspend {
		name := RunName(cr, sched.PeriodOf(due).String())
		if !slices.ContainsFunc(runs, func(run v1alpha1.ReportRun) bool { return run.Name == name }) {
			run, err := r.createRun(ctx, cr, sched, due)
			if err != nil {
				return err
			}
			runs = append(runs, *run)
		}
		cr.Status.LastScheduleTime = &metav1.Time{Time: due}
	}

	var wait time.Duration
	cr.Status.NextRun, cr.Status.NextRunLocal, wait = nextRun(sched, s.Suspend, now)
	if wait > 0 {
		st.requeueIn(wait)
	}

	updateLastReport(cr, runs)
	r.reportUpToDate(cr, sched, now, runs)
	return r.pruneHistory(ctx, cr, runs)
}

// nextRun is what status says of the next scheduled run (none when
// suspended or never again) and how long until it.
func nextRun(sched *schedule.Schedule, suspend bool, now time.Time) (*metav1.Time, string, time.Duration) {
	next := sched.Next(now)
	switch {
	case suspend:
		return nil, "suspended", 0
	case next.IsZero():
		return nil, "never", 0
	}
	return &metav1.Time{Time: next}, sched.Local(next), next.Sub(now)
}

// dueInstant is the latest scheduled instant after the last one acted on,
// within the starting deadline and after the CountyReport was created, or
// zero when nothing is due.
func dueInstant(sched *schedule.Schedule, cr *v1alpha1.CountyReport, now time.Time) time.Time {
	return dueAt(sched, cr.Spec.Schedule, cr.CreationTimestamp.Time, cr.Status.LastScheduleTime, now)
}

// dueAt is the rule of dueInstant for any tenant with a schedule (a county,
// a city): the latest instant of sched after last, after created and within
// s's starting deadline, or zero.
func dueAt(sched *schedule.Schedule, s v1alpha1.ScheduleSpec, created time.Time, last *metav1.Time, now time.Time) time.Time {
	deadline := defaultStartingDeadline
	if d := s.StartingDeadlineSeconds; d != nil {
		deadline = time.Duration(*d) * time.Second
	}
	earliest := now.Add(-deadline)
	if created.After(earliest) {
		earliest = created
	}
	if last != nil && last.After(earliest) {
		earliest = last.Time
	}
	// One instant per minute at most: a year of minutes bounds the walk.
	due, _ := sched.LastBefore(earliest, now, 366*24*60)
	return due
}

// RunName is the name of the scheduled ReportRun of cr for period.
func RunName(cr *v1alpha1.CountyReport, period string) string { return cr.Name + "-" + period }

// createRun creates the ReportRun for the month before due, which the
// cache does not have. One that exists all the same was created a moment ago
// (by this manager's previous reconcile, or another manager): errCacheBehind,
// so that nothing is decided on a list that does not show it yet.
func (r *CountyReportReconciler) createRun(ctx context.Context, cr *v1alpha1.CountyReport, sched *schedule.Schedule, due time.Time) (*v1alpha1.ReportRun, error) {
	period := sched.PeriodOf(due).String()
	run := &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: RunName(cr, period), Namespace: cr.Namespace,
			Labels: map[string]string{
				v1alpha1.LabelManagedBy:    v1alpha1.ManagedByValue,
				v1alpha1.LabelCounty:       cr.Spec.County.Code,
				v1alpha1.LabelCountyReport: cr.Name,
				v1alpha1.LabelPeriod:       period,
			},
			Annotations: map[string]string{"reporting.countyreport.io/scheduled-at": due.UTC().Format(time.RFC3339)},
		},
		Spec: v1alpha1.ReportRunSpec{CountyReportName: cr.Name, Period: period, Reason: v1alpha1.RunScheduled},
	}
	if err := controllerutil.SetControllerReference(cr, run, r.Scheme); err != nil {
		return nil, err
	}
	if err := r.Create(ctx, run); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create ReportRun %s: %w", run.Name, errCacheBehind)
		}
		return nil, fmt.Errorf("create ReportRun %s: %w", run.Name, err)
	}
	recordEvent(r.Recorder, cr, corev1.EventTypeNormal, "Scheduled", "Schedule", "created ReportRun %s for %s (scheduled %s)",
		run.Name, period, sched.Local(due))
	return run, nil
}

// runsOf lists the ReportRuns naming cr (its namespace only).
func (r *CountyReportReconciler) runsOf(ctx context.Context, cr *v1alpha1.CountyReport) ([]v1alpha1.ReportRun, error) {
	return listRuns(ctx, r.Client, cr.Namespace, func(run *v1alpha1.ReportRun) bool { return run.Spec.CountyReportName == cr.Name })
}

// updateLastReport sets status.lastReport from the newest succeeded run, by
// period. It never moves back: pruned history keeps the report it had.
func updateLastReport(cr *v1alpha1.CountyReport, runs []v1alpha1.ReportRun) {
	cr.Status.LastReport = newerReport(cr.Status.LastReport, runs)
}

// newerReport is the report of the newest succeeded run when it is newer
// than cur, cur otherwise (a county's or a city's lastReport).
func newerReport(cur *v1alpha1.ReportReference, runs []v1alpha1.ReportRun) *v1alpha1.ReportReference {
	newest := newestSucceeded(runs)
	if newest == nil {
		return cur
	}
	ref := reportReference(newest)
	if cur != nil && (cur.Period > ref.Period || (cur.Period == ref.Period && cur.Time.After(ref.Time.Time))) {
		return cur
	}
	return ref
}

func newestSucceeded(runs []v1alpha1.ReportRun) *v1alpha1.ReportRun {
	var newest *v1alpha1.ReportRun
	for i := range runs {
		run := &runs[i]
		if run.Status.Phase != v1alpha1.RunSucceeded || run.Status.CompletionTime == nil {
			continue
		}
		if newest == nil || run.Spec.Period > newest.Spec.Period ||
			(run.Spec.Period == newest.Spec.Period && run.Status.CompletionTime.After(newest.Status.CompletionTime.Time)) {
			newest = run
		}
	}
	return newest
}

// reportReference is the CountyReport's view of a succeeded run.
func reportReference(run *v1alpha1.ReportRun) *v1alpha1.ReportReference {
	ref := &v1alpha1.ReportReference{
		Period: run.Spec.Period,
		Time:   metav1.Time{Time: run.Status.CompletionTime.Time},
		Pages:  run.Status.Pages,
	}
	for _, a := range run.Status.Artifacts {
		ref.Keys = append(ref.Keys, a.Key)
		if a.Key == storage.ReportKey(run.Spec.Period, report.PDFName) {
			ref.SHA256 = a.SHA256
		}
	}
	return ref
}

// reportUpToDate says whether the report for the period the schedule last
// asked for is published. It never feeds Ready. Before the schedule's first
// instant since the CountyReport was created nothing was asked for: a report
// made by hand meanwhile is current, and without one the verdict is Unknown.
func (r *CountyReportReconciler) reportUpToDate(cr *v1alpha1.CountyReport, sched *schedule.Schedule, now time.Time, runs []v1alpha1.ReportRun) {
	status, reason, msg := upToDate(sched, cr.Spec.Schedule.Suspend, cr.CreationTimestamp.Time, cr.Status.LastReport, runs, now, "CountyReport")
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionReportUpToDate, status, reason, msg)
}

// upToDate is the ReportUpToDate verdict of reportUpToDate for any tenant
// with a schedule; kind names the tenant's kind in the message.
func upToDate(sched *schedule.Schedule, suspend bool, created time.Time, lr *v1alpha1.ReportReference,
	runs []v1alpha1.ReportRun, now time.Time, kind string) (metav1.ConditionStatus, string, string) {
	prev := sched.Prev(now)
	fired := !prev.IsZero() && prev.After(created)
	if !fired && lr == nil {
		return metav1.ConditionUnknown, reasonNotScheduled,
			messages.Both("controllers.notScheduled", kind)
	}
	want := ""
	if fired {
		want = sched.PeriodOf(prev).String()
	}
	if lr != nil && lr.Period >= want {
		return metav1.ConditionTrue, reasonReportCurrent,
			messages.Both("controllers.reportPublished", lr.Period)
	}
	for _, run := range runs {
		if run.Spec.Period != want {
			continue
		}
		switch run.Status.Phase {
		case v1alpha1.RunFailed:
			// The run's own message is in both languages already.
			return metav1.ConditionFalse, reasonRunFailed,
				messages.Both("controllers.runFailedFor", run.Name, run.Status.Reason) + ": " + run.Status.Message
		case v1alpha1.RunSucceeded:
		default:
			return metav1.ConditionFalse, reasonRunInProgress,
				messages.Both("controllers.runInProgress", run.Name, want)
		}
	}
	key := "controllers.noReportYet"
	if suspend {
		key = "controllers.noReportYetSuspended"
	}
	return metav1.ConditionFalse, v1alpha1.ReasonNoReportYet, messages.Both(key, want)
}

// pruneHistory deletes the oldest finished runs beyond the history limits.
func (r *CountyReportReconciler) pruneHistory(ctx context.Context, cr *v1alpha1.CountyReport, runs []v1alpha1.ReportRun) error {
	return pruneRuns(ctx, r.Client, cr.Spec.Schedule, runs, func(run *v1alpha1.ReportRun, phase v1alpha1.RunPhase, limit int) {
		recordEvent(r.Recorder, cr, corev1.EventTypeNormal, "Pruned", "Delete", "deleted ReportRun %s (%s, history limit %d)", run.Name, phase, limit)
	})
}

// pruneRuns deletes the oldest of a tenant's finished runs beyond the
// history limits of its schedule s, telling pruned of each.
func pruneRuns(ctx context.Context, c client.Writer, s v1alpha1.ScheduleSpec, runs []v1alpha1.ReportRun,
	pruned func(run *v1alpha1.ReportRun, phase v1alpha1.RunPhase, limit int)) error {
	limits := map[v1alpha1.RunPhase]int{
		v1alpha1.RunSucceeded: int(ptr.Deref(s.SuccessfulRunsHistoryLimit, defaultSuccessfulHistory)),
		v1alpha1.RunFailed:    int(ptr.Deref(s.FailedRunsHistoryLimit, defaultFailedHistory)),
	}
	for phase, limit := range limits {
		var done []v1alpha1.ReportRun
		for _, run := range runs {
			if run.Status.Phase == phase {
				done = append(done, run)
			}
		}
		if len(done) <= limit {
			continue
		}
		// Oldest first: by period, then by completion, then by name.
		sort.Slice(done, func(i, j int) bool {
			a, b := done[i], done[j]
			if a.Spec.Period != b.Spec.Period {
				return a.Spec.Period < b.Spec.Period
			}
			if ta, tb := completion(a), completion(b); !ta.Equal(tb) {
				return ta.Before(tb)
			}
			return a.Name < b.Name
		})
		for _, run := range done[:len(done)-limit] {
			if err := c.Delete(ctx, &run, client.Preconditions{UID: &run.UID}); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete old ReportRun %s: %w", run.Name, err)
			}
			pruned(&run, phase, limit)
		}
	}
	return nil
}

func completion(run v1alpha1.ReportRun) time.Time {
	if run.Status.CompletionTime == nil {
		return run.CreationTimestamp.Time
	}
	return run.Status.CompletionTime.Time
}
