package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// A field removed from the spec leaves the object the operator made: the
// portal's resource limits, the Ingress's TLS.
func TestFieldsRemovedFromTheSpecLeaveTheObjects(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "removed", "990510")
	cr.Spec.Portal.Resources = &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "removed.example.org", TLSSecretName: "removed-tls"}
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	d, ing := &appsv1.Deployment{}, &networkingv1.Ingress{}
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		g.Expect(d.Spec.Template.Spec.Containers[0].Resources.Limits).To(HaveLen(2))
		g.Expect(k8s.Get(testCtx, portalKey(k), ing)).To(Succeed())
		g.Expect(ing.Spec.TLS).To(HaveLen(1))
	}, wait).Should(Succeed())

	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Portal.Resources.Limits = nil
		cr.Spec.Portal.Ingress.TLSSecretName = ""
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		res := d.Spec.Template.Spec.Containers[0].Resources
		g.Expect(res.Limits).To(BeEmpty())
		g.Expect(res.Requests).To(HaveKeyWithValue(corev1.ResourceCPU, resource.MustParse("100m")))
		g.Expect(k8s.Get(testCtx, portalKey(k), ing)).To(Succeed())
		g.Expect(ing.Spec.TLS).To(BeEmpty())
		g.Expect(ing.Spec.Rules[0].Host).To(Equal("removed.example.org"))
		g.Expect(getCR(g, k).Status.PortalURL).To(Equal("http://removed.example.org/"))
	}, wait).Should(Succeed())
}

// Hand edits of what the operator owns are set back: a portal pointed at
// another county's credentials Secret, its limits removed, a label changed,
// the Ingress's host removed.
func TestHandEditsAreSetBack(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "handedit", "990511")
	cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "handedit.example.org"}
	k := createReady(g, cr)
	secret := k.Name + "-storage"

	g.Eventually(func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		c := &d.Spec.Template.Spec.Containers[0]
		for i := range c.Env {
			c.Env[i].ValueFrom.SecretKeyRef.Name = "hengshan-storage"
		}
		c.Resources.Limits = nil
		d.Labels[v1alpha1.LabelCounty] = "430423"
		g.Expect(k8s.Update(testCtx, d)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		ing := &networkingv1.Ingress{}
		g.Expect(k8s.Get(testCtx, portalKey(k), ing)).To(Succeed())
		ing.Spec.Rules[0].Host = ""
		g.Expect(k8s.Update(testCtx, ing)).To(Succeed())
	}, wait).Should(Succeed())

	g.Eventually(func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		c := d.Spec.Template.Spec.Containers[0]
		g.Expect(c.Env).To(HaveLen(3))
		for _, e := range c.Env {
			g.Expect(e.ValueFrom.SecretKeyRef.Name).To(Equal(secret), e.Name)
		}
		g.Expect(c.Resources.Limits).To(HaveLen(2))
		g.Expect(d.Labels).To(HaveKeyWithValue(v1alpha1.LabelCounty, "990511"))
		ing := &networkingv1.Ingress{}
		g.Expect(k8s.Get(testCtx, portalKey(k), ing)).To(Succeed())
		g.Expect(ing.Spec.Rules[0].Host).To(Equal("handedit.example.org"))
	}, wait).Should(Succeed())
}

// The manager caches only objects labelled as the operator's. An object
// whose label is removed by hand leaves the cache; the operator must not go
// blind to it (a create would be refused with AlreadyExists for ever): it
// finds the object on the API server, sees it is its own, and labels it
// again, restoring any other hand edit with it.
func TestAnUnlabelledObjectIsFoundAndLabelledAgain(t *testing.T) {
	g := NewWithT(t)
	k := createReady(g, newCountyReport(t, "unlabelled", "990512"))
	cm := &corev1.ConfigMap{}
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), cm)).To(Succeed())
		delete(cm.Labels, v1alpha1.LabelManagedBy)
		for key := range cm.Data {
			cm.Data[key] = "countyCode: \"430423\"\n"
		}
		g.Expect(k8s.Update(testCtx, cm)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), cm)).To(Succeed())
		g.Expect(cm.Labels).To(HaveKeyWithValue(v1alpha1.LabelManagedBy, v1alpha1.ManagedByValue))
		for _, v := range cm.Data {
			g.Expect(v).To(ContainSubstring(`countyCode: "990512"`))
		}
		// And the manager's cache holds it again.
		g.Expect(mgrClient.Get(testCtx, portalKey(k), &corev1.ConfigMap{})).To(Succeed())
	}, wait).Should(Succeed())
	g.Expect(condition(getCR(g, k), v1alpha1.ConditionReady).Reason).To(Equal(v1alpha1.ReasonReconciled))
}
