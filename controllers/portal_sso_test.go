package controllers

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Two replicas get a PodDisruptionBudget (and lose it at one); the SSO
// section reaches the portal's configuration, its client secret is mounted
// from the county's own namespace, and the provider's port is let out.
func TestReplicasBudgetAndSSO(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "sso", "990701")
	cr.Spec.Portal.Replicas = ptr.To[int32](2)
	cr.Spec.Portal.SSO = &v1alpha1.SSOSpec{
		Issuer: "https://sso.example.test/realms/city", ClientID: "county-portal",
		ClientSecret: v1alpha1.SecretKeyReference{Name: "portal-sso"},
		Scopes:       []string{"profile", "groups"}, ProviderName: "测试市统一身份认证",
		EditorGroups: []string{"/990701/editors"}, ViewerGroups: []string{"/990701/viewers"},
	}
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)

	g.Eventually(func(g Gomega) {
		pdb := &policyv1.PodDisruptionBudget{}
		g.Expect(k8s.Get(testCtx, portalKey(k), pdb)).To(Succeed())
		g.Expect(pdb.Spec.MaxUnavailable.IntValue()).To(Equal(1))
		g.Expect(pdb.Spec.Selector.MatchLabels).To(Equal(tenant.SelectorLabels(cr)))
		g.Expect(metav1IsControlledBy(pdb, getCR(g, k))).To(BeTrue())

		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		g.Expect(*d.Spec.Replicas).To(Equal(int32(2)))
		var vol *corev1.Volume
		for i := range d.Spec.Template.Spec.Volumes {
			if v := &d.Spec.Template.Spec.Volumes[i]; v.Name == "sso" {
				vol = v
			}
		}
		g.Expect(vol).NotTo(BeNil())
		g.Expect(vol.Secret.SecretName).To(Equal("portal-sso"))
		g.Expect(vol.Secret.Items).To(Equal([]corev1.KeyToPath{{Key: "client-secret", Path: "client-secret"}}))

		cm := &corev1.ConfigMap{}
		g.Expect(k8s.Get(testCtx, portalKey(k), cm)).To(Succeed())
		var conf portal.Config
		g.Expect(yaml.Unmarshal([]byte(cm.Data[tenant.ConfigFile]), &conf)).To(Succeed())
		g.Expect(conf.SSO).NotTo(BeNil())
		g.Expect(conf.SSO.Issuer).To(Equal("https://sso.example.test/realms/city"))
		g.Expect(conf.SSO.ClientSecretFile).To(Equal(tenant.SSODir + "/client-secret"))
		g.Expect(conf.SSO.EditorGroups).To(Equal([]string{"/990701/editors"}))
		g.Expect(conf.SSO.GroupsClaim).To(Equal("groups")) // the CRD's default
		g.Expect(conf.Validate()).To(Succeed())
	}, wait).Should(Succeed())

	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Portal.Replicas = ptr.To[int32](1)
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		err := k8s.Get(testCtx, portalKey(k), &policyv1.PodDisruptionBudget{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "budget should be gone at one replica, got %v", err)
	}, wait).Should(Succeed())
}

func TestBadSSOManifestsAreRefused(t *testing.T) {
	manifest := func(sso string) string {
		return strings.Join([]string{
			"apiVersion: reporting.countyreport.io/v1alpha1", "kind: CountyReport",
			"metadata: {name: badsso, namespace: default}", "spec:",
			"  county: {code: \"990702\", name: 测试县}",
			"  portal: {sso: " + sso + "}",
		}, "\n") + "\n"
	}
	tests := map[string]struct{ sso, field string }{
		"plain http issuer": {`{issuer: "http://sso.example.test", clientID: c, clientSecret: {name: s}, editorGroups: [e]}`, "spec.portal.sso.issuer"},
		"no group mapped":   {`{issuer: "https://sso.example.test", clientID: c, clientSecret: {name: s}}`, "spec.portal.sso"},
		"reviewers on a county": {`{issuer: "https://sso.example.test", clientID: c, clientSecret: {name: s}, reviewerGroups: [r]}`,
			"spec.portal.sso.reviewerGroups"},
		"secret in another namespace": {`{issuer: "https://sso.example.test", clientID: c, clientSecret: {name: "other/s"}, editorGroups: [e]}`,
			"spec.portal.sso.clientSecret.name"},
		"no client id": {`{issuer: "https://sso.example.test", clientSecret: {name: s}, editorGroups: [e]}`, "spec.portal.sso.clientID"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := env.RunKubectl(manifest(tc.sso), "apply", "-f", "-")
			if err == nil {
				t.Fatalf("manifest accepted, want refusal naming %s:\n%s", tc.field, out)
			}
			if !strings.Contains(out, tc.field) {
				t.Fatalf("refusal does not name %s:\n%s", tc.field, out)
			}
		})
	}
}
