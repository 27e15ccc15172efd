package controllers

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// The portal's Role, RoleBinding and Secret: made, bound to its
// ServiceAccount, and the Secret's values never replaced.
func TestPortalIdentityAndSecret(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "access", "990601")
	k := createReady(g, cr)
	pk := portalKey(k)

	var role rbacv1.Role
	g.Expect(k8s.Get(testCtx, pk, &role)).To(Succeed())
	g.Expect(role.Rules).To(Equal(tenant.PortalRules(cr)))
	var rb rbacv1.RoleBinding
	g.Expect(k8s.Get(testCtx, pk, &rb)).To(Succeed())
	g.Expect(rb.Subjects).To(Equal([]rbacv1.Subject{{Kind: "ServiceAccount", Name: pk.Name, Namespace: pk.Namespace}}))
	g.Expect(rb.RoleRef.Name).To(Equal(pk.Name))

	var secret corev1.Secret
	g.Expect(k8s.Get(testCtx, pk, &secret)).To(Succeed())
	session, password := string(secret.Data[tenant.SessionKeyKey]), string(secret.Data[tenant.InitialPasswordKey])
	g.Expect(session).To(HaveLen(43))
	g.Expect(password).To(HaveLen(43))
	g.Expect(string(secret.Data[tenant.AccountsKey])).To(ContainSubstring("accounts: []"))
	g.Expect(metav1IsControlledBy(&secret, getCR(g, k))).To(BeTrue())

	var d appsv1.Deployment
	g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
	g.Expect(*d.Spec.Template.Spec.AutomountServiceAccountToken).To(BeTrue())
	g.Expect(d.Spec.Template.Spec.ServiceAccountName).To(Equal(pk.Name))

	// The county retires the initial password by deleting its key: it
	// stays retired, and the session key stays what it was.
	delete(secret.Data, tenant.InitialPasswordKey)
	g.Expect(k8s.Update(testCtx, &secret)).To(Succeed())
	// Naming an accounts Secret later keeps the session key too.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Portal.AccountsSecretName = "staff"
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		names := map[string]string{}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Secret != nil {
				names[v.Name] = v.Secret.SecretName
			}
		}
		g.Expect(names).To(HaveKeyWithValue("accounts", "staff"))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		var s corev1.Secret
		g.Expect(k8s.Get(testCtx, pk, &s)).To(Succeed())
		g.Expect(string(s.Data[tenant.SessionKeyKey])).To(Equal(session))
		g.Expect(s.Data).NotTo(HaveKey(tenant.InitialPasswordKey))
	}, "3s").Should(Succeed())
}

// The manager's ClusterRole, as generated into config/rbac, is enough to
// grant the portal's Role: the API server's escalation check passes for
// exactly what the portal gets, and refuses a Role wider than the manager.
func TestManagerRoleCanGrantThePortalRole(t *testing.T) {
	g := NewWithT(t)
	raw, err := os.ReadFile(filepath.Join(env.Root, "config", "rbac", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	var role rbacv1.ClusterRole
	g.Expect(yaml.Unmarshal(raw, &role)).To(Succeed())
	role.ObjectMeta = metav1.ObjectMeta{Name: "test-escalation-manager"}
	g.Expect(k8s.Create(testCtx, &role)).To(Succeed())
	g.Expect(k8s.Create(testCtx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "test-escalation-manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "test-escalation-manager"}},
	})).To(Succeed())
	user, err := env.AddUser(envtest.User{Name: "test-escalation-manager"}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	asManager, err := client.New(user.Config(), client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())

	cr := newCountyReport(t, "escalate", "990192")
	g.Expect(asManager.Create(testCtx, tenant.Role(cr))).To(Succeed())
	g.Expect(asManager.Create(testCtx, tenant.RoleBinding(cr))).To(Succeed())

	wider := tenant.Role(cr)
	wider.Name = "wider"
	// The manager may delete the credentials Secret of a refused bucket claim, never a collection.
	wider.Rules = append(wider.Rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"deletecollection"}})
	err = asManager.Create(testCtx, wider)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a Role wider than the manager: %v", err)
	_ = v1alpha1.GroupVersion
}
