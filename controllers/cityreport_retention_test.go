package controllers

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// The city's spec.storage.retentionMonths removes its own old reports once
// a day, as a county's does; a member's bucket keeps everything (the
// county's retention is the county's own).
func TestCityRetentionRemovesOnlyItsOwnOldPeriods(t *testing.T) {
	g := NewWithT(t)
	county := countyInCity(t, g, "retained-county", "997801", "city-retention")
	city := newCity(t, "city-retention", "997800", v1alpha1.CityMember{Code: county.Spec.County.Code})
	city.Spec.Storage.RetentionMonths = 12
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(got.Status.LastRetentionTime).NotTo(BeNil(), "retention runs when the city is provisioned")
		*city = *got
	}, wait).Should(Succeed())

	// A ranking a year and a half old and one of last month in the city's
	// bucket; the member's dataset of the old month in its own.
	now := time.Now().Add(2 * retentionInterval)
	old := now.AddDate(-1, -6, 0).Format("2006-01")
	recent := now.AddDate(0, -1, 0).Format("2006-01")
	own := admin.Archive(city.Status.Bucket)
	for _, p := range []string{old, recent} {
		_, err := own.PutRanking(testCtx, p, []byte(`{"period":"`+p+`"}`)) // made-up content: only its key matters
		g.Expect(err).NotTo(HaveOccurred())
	}
	member := admin.Archive(county.Status.Bucket)
	_, err := member.PutDataset(testCtx, old, []byte(`{"period":"`+old+`"}`))
	g.Expect(err).NotTo(HaveOccurred())

	// Two days on, a reconcile applies the retention again.
	later := cityReconciler(shiftedClock{d: 2 * retentionInterval})
	g.Eventually(func() error {
		_, err := later.Reconcile(testCtx, reconcile.Request{NamespacedName: client.ObjectKey{Name: city.Name}})
		return err
	}, wait).Should(Succeed())

	_, err = own.GetRanking(testCtx, old)
	g.Expect(errors.Is(err, storage.ErrNotFound)).To(BeTrue(), "the city's %s is older than 12 months: %v", old, err)
	_, err = own.GetRanking(testCtx, recent)
	g.Expect(err).NotTo(HaveOccurred(), "the city's %s is within the retention", recent)
	_, err = member.GetDataset(testCtx, old)
	g.Expect(err).NotTo(HaveOccurred(), "the member's %s is the county's to keep or remove", old)
	g.Eventually(func(g Gomega) {
		g.Expect(getCity(g, city.Name).Status.LastRetentionTime.Time).To(BeTemporally(">", time.Now().Add(retentionInterval)))
	}, wait).Should(Succeed())
}
