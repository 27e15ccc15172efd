package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

func TestRunMatters(t *testing.T) {
	run := func(reason v1alpha1.RunReason, phase v1alpha1.RunPhase, msg string) *v1alpha1.ReportRun {
		return &v1alpha1.ReportRun{
			Spec:   v1alpha1.ReportRunSpec{CountyReportName: "hengshan", Period: "2026-10", Reason: reason},
			Status: v1alpha1.ReportRunStatus{Phase: phase, Message: msg},
		}
	}
	deleting := run(v1alpha1.RunManual, v1alpha1.RunRunning, "")
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	owned := run(v1alpha1.RunManual, v1alpha1.RunPending, "")
	owned.OwnerReferences = []metav1.OwnerReference{{Name: "hengshan"}}

	creates := []struct {
		name string
		run  *v1alpha1.ReportRun
		want bool
	}{
		{"the county's own scheduled run, just created", run(v1alpha1.RunScheduled, "", ""), false},
		{"a manual run", run(v1alpha1.RunManual, "", ""), true},
		{"a retry run", run(v1alpha1.RunRetry, "", ""), true},
		{"a scheduled run seen when the manager starts", run(v1alpha1.RunScheduled, v1alpha1.RunSucceeded, ""), true},
	}
	for _, tc := range creates {
		if got := runMatters.Create(event.CreateEvent{Object: tc.run}); got != tc.want {
			t.Errorf("create, %s: %v, want %v", tc.name, got, tc.want)
		}
	}

	updates := []struct {
		name     string
		old, new *v1alpha1.ReportRun
		want     bool
	}{
		{"phase changed", run(v1alpha1.RunScheduled, v1alpha1.RunPending, ""), run(v1alpha1.RunScheduled, v1alpha1.RunSucceeded, ""), true},
		{"message only", run(v1alpha1.RunScheduled, v1alpha1.RunPending, "a"), run(v1alpha1.RunScheduled, v1alpha1.RunPending, "b"), false},
		{"owner reference set", run(v1alpha1.RunManual, v1alpha1.RunPending, ""), owned, false},
		{"being deleted", run(v1alpha1.RunManual, v1alpha1.RunRunning, ""), deleting, true},
	}
	for _, tc := range updates {
		if got := runMatters.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("update, %s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !runMatters.Delete(event.DeleteEvent{Object: run(v1alpha1.RunScheduled, v1alpha1.RunSucceeded, "")}) {
		t.Error("a deleted run does not wake its county")
	}
}
