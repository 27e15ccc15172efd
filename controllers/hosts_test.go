package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Codes of this file: 99460x (counties), 994650 (city).

func TestHostAllowed(t *testing.T) {
	cr := func(host string) *v1alpha1.CountyReport {
		c := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "county-hengshan"},
			Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{Code: "430423"}}}
		if host != "" {
			c.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: host}
		}
		return c
	}
	cases := map[string]struct {
		patterns []string
		host     string
		want     bool
	}{
		"no patterns: any host":          {nil, "anything.example.org", true},
		"its code":                       {[]string{"{code}.reports.example.gov.cn"}, "430423.reports.example.gov.cn", true},
		"another county's code":          {[]string{"{code}.reports.example.gov.cn"}, "430422.reports.example.gov.cn", false},
		"its namespace":                  {[]string{"{namespace}.example.org"}, "county-hengshan.example.org", true},
		"its name":                       {[]string{"{name}.example.org"}, "hengshan.example.org", true},
		"one label under a suffix":       {[]string{"*.portal.example.org"}, "hengshan.portal.example.org", true},
		"two labels under a suffix":      {[]string{"*.portal.example.org"}, "a.hengshan.portal.example.org", false},
		"the suffix itself":              {[]string{"*.portal.example.org"}, "portal.example.org", false},
		"a look-alike suffix":            {[]string{"*.portal.example.org"}, "x.evilportal.example.org", false},
		"case does not matter":           {[]string{"{code}.Reports.example.gov.cn"}, "430423.reports.example.gov.cn", true},
		"the second pattern":             {[]string{"{code}.a.example", "*.b.example"}, "x.b.example", true},
		"a code pattern is no prefix":    {[]string{"{code}.reports.example.gov.cn"}, "x430423.reports.example.gov.cn", false},
		"a longer host with the code":    {[]string{"{code}.reports.example.gov.cn"}, "430423.reports.example.gov.cn.evil.org", false},
		"an exact host in the list":      {[]string{"portal.example.org"}, "portal.example.org", true},
		"not the exact host in the list": {[]string{"portal.example.org"}, "portal2.example.org", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := HostAllowed(tc.patterns, cr(tc.host)); got != tc.want {
				t.Fatalf("HostAllowed(%q, %s) = %v, want %v", tc.patterns, tc.host, got, tc.want)
			}
		})
	}
}

// ingressOf reads the portal Ingress of k (nil when there is none).
func ingressOf(g Gomega, k client.ObjectKey) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{}
	err := k8s.Get(testCtx, portalKey(k), ing)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	return ing
}

// wantHostRefused waits until k's host is refused (HostAdmitted=False,
// HostNotGranted, the message naming why) and checks it has no Ingress.
func wantHostRefused(g *WithT, k client.ObjectKey, msgPart string) {
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		c := condition(cr, v1alpha1.ConditionHostAdmitted)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonHostNotGranted))
		g.Expect(c.Message).To(ContainSubstring(msgPart))
		g.Expect(condition(cr, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		g.Expect(cr.Status.PortalURL).To(HavePrefix("http://" + tenant.Name(cr) + "."))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) { g.Expect(ingressOf(g, k)).To(BeNil()) }, 2*time.Second).Should(Succeed())
}

// A host is claimed once: a later county naming a host another holds gets
// no Ingress, and the first keeps its Ingress untouched; a county naming a
// city's host gets none either, even when it asked first.
func TestHostIsClaimedOnce(t *testing.T) {
	g := NewWithT(t)
	const host = "first-owner.example.org"
	owner := newCountyReport(t, "host-owner", "994601")
	owner.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: host}
	owner.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete // its successor gets a bucket of its own
	ok := createReady(g, owner)
	g.Expect(condition(getCR(g, ok), v1alpha1.ConditionHostAdmitted).Status).To(Equal(metav1.ConditionTrue))
	before := ingressOf(g, ok)
	g.Expect(before).NotTo(BeNil())
	g.Expect(getCR(g, ok).Status.PortalURL).To(Equal("http://" + host + "/"))

	time.Sleep(1100 * time.Millisecond) // creation times have one-second resolution
	thief := newCountyReport(t, "host-thief", "994602")
	thief.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: host}
	g.Expect(k8s.Create(testCtx, thief)).To(Succeed())
	tk := client.ObjectKeyFromObject(thief)
	g.Eventually(func(g Gomega) { markAvailable(g, tk) }, wait).Should(Succeed())
	wantHostRefused(g, tk, "claimed by CountyReport "+ok.Namespace+"/host-owner")
	// The first owner is not disturbed: same Ingress, same object.
	after := ingressOf(g, ok)
	g.Expect(after.UID).To(Equal(before.UID))
	g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion))
	g.Expect(condition(getCR(g, ok), v1alpha1.ConditionHostAdmitted).Status).To(Equal(metav1.ConditionTrue))

	// The city's host: a county that named it first still never gets it.
	const cityHost = "host-city.example.org"
	early := newCountyReport(t, "early-bird", "994603")
	early.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: cityHost}
	ek := createReady(g, early)
	g.Expect(ingressOf(g, ek)).NotTo(BeNil(), "no city names the host yet")
	city := newCity(t, "host-city", "994650")
	city.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: cityHost}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionHostAdmitted).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: tenant.CityNamespace(got), Name: tenant.CityPortalName(got)}, &networkingv1.Ingress{})).To(Succeed())
	}, wait).Should(Succeed())
	wantHostRefused(g, ek, "is CityReport host-city's")
}

// With the installation's pattern {namespace}.hosts.test, a county can
// claim its own namespace's host only: an attacker that asks for another
// namespace's host first gets nothing, and still nothing while the owner
// is deleted and applied again; the re-created owner gets its Ingress.
func TestHostPatternKeepsTheOwnersHost(t *testing.T) {
	g := NewWithT(t)
	owner := newCountyReport(t, "pattern-owner", "994604")
	host := owner.Namespace + ".hosts.test"
	attacker := newCountyReport(t, "pattern-thief", "994605")
	attacker.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: host}
	g.Expect(k8s.Create(testCtx, attacker)).To(Succeed())
	ak := client.ObjectKeyFromObject(attacker)
	g.Eventually(func(g Gomega) { markAvailable(g, ak) }, wait).Should(Succeed())
	wantHostRefused(g, ak, "not one this installation allows")

	owner.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: host}
	owner.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete // its successor gets a bucket of its own
	ok := createReady(g, owner)
	g.Expect(ingressOf(g, ok)).NotTo(BeNil())

	spec := getCR(g, ok).Spec
	deleteAndWait(g, ok)
	wantHostRefused(g, ak, "not one this installation allows")
	// Applied again, under a new name (envtest runs no garbage collector).
	ok = createReady(g, &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "pattern-owner-again", Namespace: ok.Namespace}, Spec: spec})
	g.Expect(ingressOf(g, ok)).NotTo(BeNil())
	g.Expect(condition(getCR(g, ok), v1alpha1.ConditionHostAdmitted).Status).To(Equal(metav1.ConditionTrue))
}
