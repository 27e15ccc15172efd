package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

// portalConfig reads the configuration the operator wrote for cr's portal.
func portalConfig(g Gomega, cr *v1alpha1.CountyReport) *portal.Config {
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
	city := newCity(t, "city-deadline", "997900", v1alpha1.CityMember{Code: member.Spec.County.Code})
	city.Spec.Review = v1alpha1.ReviewSpec{DeadlineDay: 10, TimeZone: "Asia/Urumqi"}
	city.Spec.City.EnglishName = "Test City (fixture)"
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := portalConfig(g, member).Review
		g.Expect(got).NotTo(BeNil())
		g.Expect(*got).To(Equal(v1alpha1.ReviewSpec{DeadlineDay: 10, TimeZone: "Asia/Urumqi"}))
		g.Expect(portalConfig(g, member).CityEnglishName).To(Equal("Test City (fixture)"))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(portalConfig(g, outsider).Review).To(BeNil(), "a city that does not list the county")
		g.Expect(portalConfig(g, outsider).CityEnglishName).To(BeEmpty())
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

// reviews: only a city that is not refused and whose resolved members
// name this very county (code, namespace and name) reviews it.
func TestCityReviewsOnlyItsResolvedMembers(t *testing.T) {
	county := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Namespace: "county-a", Name: "a"},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "999101"}}} // made-up county
	member := v1alpha1.MemberStatus{Code: "999101", Namespace: "county-a", CountyReport: "a"}
	city := func(reason string, members ...v1alpha1.MemberStatus) *v1alpha1.CityReport {
		c := &v1alpha1.CityReport{Status: v1alpha1.CityReportStatus{Members: members}}
		if reason != "" {
			c.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: reason}}
		}
		return c
	}
	other := member
	other.Namespace = "county-b"
	recoded := member
	recoded.Code = "999102"
	for name, tc := range map[string]struct {
		city *v1alpha1.CityReport
		want bool
	}{
		"member":                  {city("", member), true},
		"member, storage not set": {city(v1alpha1.ReasonStorageNotSet, member), true},
		"not listed":              {city(""), false},
		"same name, other ns":     {city("", other), false},
		"other code":              {city("", recoded), false},
		"refused: duplicate city": {city(v1alpha1.ReasonDuplicateCity, member), false},
		"refused: invalid spec":   {city(v1alpha1.ReasonInvalidSpec, member), false},
		"refused: namespace used": {city(v1alpha1.ReasonNamespaceInUse, member), false},
	} {
		if got := reviews(tc.city, county); got != tc.want {
			t.Errorf("%s: reviews = %v, want %v", name, got, tc.want)
		}
	}
}
