package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
)

func TestRunMatters(t *testing.T) {
	run := func(reason reportingv1.RunReason, phase reportingv1.RunPhase, msg string) *reportingv1.ReportRun {
		return &reportingv1.ReportRun{
			Spec:   reportingv1.ReportRunSpec{CountyReportName: "hengshan", Period: "2026-10", Reason: reason},
			Status: reportingv1.ReportRunStatus{Phase: phase, Message: msg},
		}
	}
	deleting := run(reportingv1.RunManual, reportingv1.RunRunning, "")
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	owned := run(reportingv1.RunManual, reportingv1.RunPending, "")
	owned.OwnerReferences = []metav1.OwnerReference{{Name: "hengshan"}}

	creates := []struct {
		name string
		run  *reportingv1.ReportRun
		want bool
	}{
		{"the county's own scheduled run, just created", run(reportingv1.RunScheduled, "", ""), false},
		{"a manual run", run(reportingv1.RunManual, "", ""), true},
		{"a retry run", run(reportingv1.RunRetry, "", ""), true},
		{"a scheduled run seen when the manager starts", run(reportingv1.RunScheduled, reportingv1.RunSucceeded, ""), true},
	}
	for _, tc := range creates {
		if got := runMatters.Create(event.CreateEvent{Object: tc.run}); got != tc.want {
			t.Errorf("create, %s: %v, want %v", tc.name, got, tc.want)
		}
	}

	updates := []struct {
		name     string
		old, new *reportingv1.ReportRun
		want     bool
	}{
		{"phase changed", run(reportingv1.RunScheduled, reportingv1.RunPending, ""), run(reportingv1.RunScheduled, reportingv1.RunSucceeded, ""), true},
		{"message only", run(reportingv1.RunScheduled, reportingv1.RunPending, "a"), run(reportingv1.RunScheduled, reportingv1.RunPending, "b"), false},
		{"owner reference set", run(reportingv1.RunManual, reportingv1.RunPending, ""), owned, false},
		{"being deleted", run(reportingv1.RunManual, reportingv1.RunRunning, ""), deleting, true},
	}
	for _, tc := range updates {
		if got := runMatters.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("update, %s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !runMatters.Delete(event.DeleteEvent{Object: run(reportingv1.RunScheduled, reportingv1.RunSucceeded, "")}) {
		t.Error("a deleted run does not wake its county")
	}
}
