package controllers

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/internal/schedule"
)

// reconcileSchedule computes the next run and asks to be woken for it.
func (r *CountyReportReconciler) reconcileSchedule(_ context.Context, st *reconcileState) error {
	s := st.cr.Spec.Schedule
	sched, err := schedule.Parse(s.Cron, s.TimeZone)
	if err != nil {
		return err // validateSpec already refused this spec
	}
	now := r.Clock.Now()
	next := sched.Next(now)
	st.cr.Status.NextRun = &metav1.Time{Time: next}
	st.cr.Status.NextRunLocal = sched.Local(next)
	if s.Suspend {
		st.cr.Status.NextRun, st.cr.Status.NextRunLocal = nil, "suspended"
	}
	st.requeueIn(next.Sub(now))
	return nil
}
