package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

// portalConfig reads the configuration the operator wrote for cr's portal.
func portalConfig(g Gomega, cr *reportingv1.CountyReport) *portal.Config {
	cm := &corev1.ConfigMap{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: cr.Namespace, Name: tenant.Name(cr)}, cm)).To(Succeed())
	cfg, err := portal.ParseConfig([]byte(cm.Data[tenant.ConfigFile]))
	g.Expect(err).NotTo(HaveOccurred())
	return cfg
}

// A county's portal shows its city's deadline, so both portals agree on
// what is late: the operator copies the city's spec.review into the
// portal's configuration while the county is a member on both sides, and
// follows the city's changes. A city that does not list the county gives
// it nothing, even when the county names it.
func TestCountyPortalShowsItsCitysDeadline(t *testing.T) {
	g := NewWithT(t)
	member := countyInCity(t, g, "deadline-member", "997901", "city-deadline")
	outsider := countyInCity(t, g, "deadline-outsider", "997902", "city-deadline") // names the city, not listed
	city := newCity(t, "city-deadline", "997900", reportingv1.CityMember{Code: member.Spec.County.Code})
	city.Spec.Review = reportingv1.ReviewSpec{DeadlineDay: 10, TimeZone: "Asia/Urumqi"}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := portalConfig(g, member).Review
		g.Expect(got).NotTo(BeNil())
		g.Expect(*got).To(Equal(reportingv1.ReviewSpec{DeadlineDay: 10, TimeZone: "Asia/Urumqi"}))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(portalConfig(g, outsider).Review).To(BeNil(), "a city that does not list the county")
	}, "2s").Should(Succeed())

	// The city moves its deadline: the member's portal follows.
	g.Eventually(func() error {
		c := getCity(NewWithT(t), city.Name)
		c.Spec.Review.DeadlineDay = 12
		return k8s.Update(testCtx, c)
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		got := portalConfig(g, member).Review
		g.Expect(got).NotTo(BeNil())
		g.Expect(got.DeadlineDay).To(BeEquivalentTo(12))
	}, wait).Should(Succeed())

	// The city drops the county: its portal goes back to the defaults.
	g.Eventually(func() error {
		c := getCity(NewWithT(t), city.Name)
		c.Spec.Members = nil
		return k8s.Update(testCtx, c)
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(portalConfig(g, member).Review).To(BeNil())
	}, wait).Should(Succeed())
}
