package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// A city run read while the cache still holds the city from before its
// archive was provisioned spends no attempt: it looks again in a moment
// (staleRetry), where a retry's backoff on the run's clock would wait for
// time to pass. Once the API server agrees that the archive is not ready,
// the attempt is spent and fails as before.
func TestCityRunWaitsForALaggingCache(t *testing.T) {
	g := NewWithT(t)
	city, _ := rankedCity(t, g, "city-lag", "997740")
	stale := city.DeepCopy()
	meta.SetStatusCondition(&stale.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStorageReady,
		Status: metav1.ConditionFalse, Reason: "Provisioning", ObservedGeneration: stale.Generation})
	r := &ReportRunReconciler{Client: k8s, APIReader: k8s, Clock: fakeClock, City: cityReconciler(fakeClock)}

	run := tenant.CityRun(city, "2026-09", v1alpha1.RunManual, "tester")
	res := r.stepCity(testCtx, run, stale)
	g.Expect(run.Status.Attempts).To(BeZero(), "%+v", run.Status)
	g.Expect(res.RequeueAfter).To(Equal(staleRetry))
	g.Expect(run.Status.NextAttemptAt).To(BeNil())

	// Not ready on the API server either (a copy under another name, which
	// the API server does not have): the attempt is spent and retried later.
	gone := stale.DeepCopy()
	gone.Name = "city-lag-gone"
	run = tenant.CityRun(gone, "2026-09", v1alpha1.RunManual, "tester")
	r.stepCity(testCtx, run, gone)
	g.Expect(run.Status.Attempts).To(Equal(int32(1)), "%+v", run.Status)
	g.Expect(run.Status.Reason).To(Equal(v1alpha1.RunReasonCityNotReady))
}
