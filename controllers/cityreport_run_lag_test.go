package controllers

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// apiCopy is what the API server says of a city, for the run reconciler's
// APIReader: a chosen copy, or an error.
type apiCopy struct {
	client.Reader // List: not called
	city          *v1alpha1.CityReport
	err           error
}

func (a apiCopy) Get(_ context.Context, _ client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if a.err != nil {
		return a.err
	}
	a.city.DeepCopyInto(obj.(*v1alpha1.CityReport))
	return nil
}

// A city run read while the cache still holds the city from before its
// archive was provisioned spends no attempt: it looks again in a moment
// (staleRetry), where a retry's backoff on the run's clock would wait for
// time to pass. When the API server agrees that the archive is not ready,
// or cannot be asked, the attempt is spent and fails as before.
func TestCityRunWaitsForALaggingCache(t *testing.T) {
	g := NewWithT(t)
	city, _ := rankedCity(t, g, "city-lag", "997740")
	ready := city.DeepCopy()
	meta.SetStatusCondition(&ready.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStorageReady,
		Status: metav1.ConditionTrue, Reason: "Provisioned", ObservedGeneration: ready.Generation})
	stale := city.DeepCopy()
	meta.SetStatusCondition(&stale.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStorageReady,
		Status: metav1.ConditionFalse, Reason: "Provisioning", ObservedGeneration: stale.Generation})

	for name, tc := range map[string]struct {
		api      apiCopy
		attempts int32
	}{
		"the API server's copy is ready: wait for the cache": {api: apiCopy{city: ready}, attempts: 0},
		"the API server's copy is not ready either":          {api: apiCopy{city: stale}, attempts: 1},
		"the API server cannot be asked":                     {api: apiCopy{err: errors.New("made-up outage")}, attempts: 1},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			r := &ReportRunReconciler{Client: k8s, APIReader: tc.api, Clock: fakeClock, City: cityReconciler(fakeClock)}
			run := tenant.CityRun(city, "2026-09", v1alpha1.RunManual, "tester")
			res := r.stepCity(testCtx, run, stale.DeepCopy())
			g.Expect(run.Status.Attempts).To(Equal(tc.attempts), "%+v", run.Status)
			if tc.attempts == 0 {
				g.Expect(res.RequeueAfter).To(Equal(staleRetry))
				g.Expect(run.Status.NextAttemptAt).To(BeNil())
				return
			}
			g.Expect(run.Status.Reason).To(Equal(v1alpha1.RunReasonCityNotReady))
			g.Expect(run.Status.Message).To(ContainSubstring("is not provisioned"))
		})
	}
}
