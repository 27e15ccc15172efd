package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

func cityPortalKey(city *v1alpha1.CityReport) client.ObjectKey {
	return client.ObjectKey{Namespace: "city-" + city.Name, Name: city.Name + "-portal"}
}

// cityPortalConfig reads the city portal's configuration, as the portal parses it.
func cityPortalConfig(g Gomega, city *v1alpha1.CityReport) *portal.CityConfig {
	var cm corev1.ConfigMap
	g.Expect(k8s.Get(testCtx, cityPortalKey(city), &cm)).To(Succeed())
	conf, err := portal.ParseCityConfig([]byte(cm.Data[tenant.CityConfigFile]))
	g.Expect(err).NotTo(HaveOccurred(), cm.Data[tenant.CityConfigFile])
	return conf
}

// Applying a city makes its portal in city-<name>: the configuration names
// its members and its ranking, the pod gets no API token, the member
// credentials are mounted; the status gives the URL and availability.
func TestCityPortalIsProvisioned(t *testing.T) {
	g := NewWithT(t)
	a := countyInCity(t, g, "cityportal-a", "997601", "city-portal")
	b := countyInCity(t, g, "cityportal-b", "997602", "city-portal")
	city := newCity(t, "city-portal", "997600",
		v1alpha1.CityMember{Code: a.Spec.County.Code}, v1alpha1.CityMember{Code: b.Spec.County.Code})
	city.Spec.Ranking = v1alpha1.RankingSpec{Method: v1alpha1.RankZScore, Indicators: []v1alpha1.RankedIndicator{
		{ID: "gdp", Measure: v1alpha1.MeasureChange, Weight: 2},
	}}
	city.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "city-portal.example.org"}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	pk := cityPortalKey(city)

	g.Eventually(func(g Gomega) {
		conf := cityPortalConfig(g, city)
		g.Expect(conf.Members).To(Equal([]portal.CityMember{
			{Code: "997601", Name: "测试县", EnglishName: "Test County"},
			{Code: "997602", Name: "测试县", EnglishName: "Test County"},
		}))
		g.Expect(conf.Ranking.Method).To(Equal(v1alpha1.RankZScore))
		g.Expect(conf.Ranking.Indicators).To(HaveLen(1))
		g.Expect(conf.Ranking.Indicators[0].Weight).To(Equal(int32(2)))
		g.Expect(conf.Review.DeadlineDay).To(Equal(int32(5))) // the schema's default
		g.Expect(conf.Bucket).To(Equal("countyreport-city-997600"))
		g.Expect(conf.MembersDir).To(Equal(tenant.CityMembersDir))
		g.Expect(conf.PublicURL).To(Equal("http://city-portal.example.org/"))
	}, wait).Should(Succeed())

	got := getCity(g, city.Name)
	var sa corev1.ServiceAccount
	var d appsv1.Deployment
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		for _, o := range []client.Object{&corev1.Service{}, &networkingv1.NetworkPolicy{}, &networkingv1.Ingress{}} {
			g.Expect(k8s.Get(testCtx, pk, o)).To(Succeed(), "%T", o)
		}
	}, wait).Should(Succeed())
	g.Expect(k8s.Get(testCtx, pk, &sa)).To(Succeed())
	g.Expect(sa.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
	g.Expect(controlledBy(&sa, got)).To(BeTrue())

	pod := d.Spec.Template.Spec
	g.Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
	g.Expect(pod.ServiceAccountName).To(Equal(pk.Name))
	g.Expect(pod.Containers[0].Args[0]).To(Equal("city-portal"))
	g.Expect(pod.Containers[0].Image).To(Equal("countyreport:test"))
	mounted := map[string]string{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			mounted[v.Name] = v.Secret.SecretName
		}
	}
	g.Expect(mounted).To(HaveKeyWithValue("members", city.Name+"-members"))
	g.Expect(mounted).To(HaveKeyWithValue("portal-secret", pk.Name))
	for _, m := range pod.Containers[0].VolumeMounts {
		if m.Name == "members" {
			g.Expect(m.ReadOnly).To(BeTrue())
			g.Expect(m.MountPath).To(Equal(tenant.CityMembersDir))
		}
	}

	var secret corev1.Secret
	g.Expect(k8s.Get(testCtx, pk, &secret)).To(Succeed())
	g.Expect(secret.Data[tenant.SessionKeyKey]).To(HaveLen(43))
	g.Expect(secret.Data[tenant.InitialPasswordKey]).To(HaveLen(43))
	g.Expect(string(secret.Data[tenant.AccountsKey])).To(ContainSubstring("accounts: []"))
	// No Role: the city portal gets nothing of the API.
	g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, pk, &rbacv1.Role{}))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, pk, &rbacv1.RoleBinding{}))).To(BeTrue())

	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.PortalURL).To(Equal("http://city-portal.example.org/"))
		g.Expect(cityCondition(got, v1alpha1.ConditionPortalAvailable).Status).To(Equal(metav1.ConditionFalse))
	}, wait).Should(Succeed())
	// Playing the kubelet: the portal becomes available.
	g.Eventually(func(g Gomega) {
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
				LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}},
		}
		g.Expect(k8s.Status().Update(testCtx, &d)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, city.Name), v1alpha1.ConditionPortalAvailable).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())

	// A member leaving changes the configuration and rolls the pods.
	hash := d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]
	g.Expect(hash).NotTo(BeEmpty())
	g.Eventually(func(g Gomega) {
		c := getCity(g, city.Name)
		c.Spec.Members = c.Spec.Members[:1]
		g.Expect(k8s.Update(testCtx, c)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityPortalConfig(g, city).Members).To(HaveLen(1))
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		g.Expect(d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]).NotTo(Equal(hash))
	}, wait).Should(Succeed())
	// The Ingress goes when spec.portal.ingress does.
	g.Eventually(func(g Gomega) {
		c := getCity(g, city.Name)
		c.Spec.Portal.Ingress = nil
		g.Expect(k8s.Update(testCtx, c)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, pk, &networkingv1.Ingress{}))).To(BeTrue())
		g.Expect(getCity(g, city.Name).Status.PortalURL).To(Equal("http://city-portal-portal.city-city-portal.svc:80/"))
	}, wait).Should(Succeed())
}

// Hand edits of the city portal's objects are set back, and its Secret's
// values are never replaced.
func TestCityPortalDriftIsRepaired(t *testing.T) {
	g := NewWithT(t)
	county := countyInCity(t, g, "cityportal-drift", "997611", "city-drift")
	city := newCity(t, "city-drift", "997610", v1alpha1.CityMember{Code: county.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	pk := cityPortalKey(city)
	var session []byte
	g.Eventually(func(g Gomega) {
		var s corev1.Secret
		g.Expect(k8s.Get(testCtx, pk, &s)).To(Succeed())
		session = s.Data[tenant.SessionKeyKey]
		g.Expect(k8s.Get(testCtx, pk, &appsv1.Deployment{})).To(Succeed())
		g.Expect(k8s.Get(testCtx, pk, &corev1.ConfigMap{})).To(Succeed())
	}, wait).Should(Succeed())

	// Someone mounts a token, points the members volume elsewhere and edits the configuration.
	g.Eventually(func(g Gomega) {
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		d.Spec.Template.Spec.AutomountServiceAccountToken = ptr.To(true)
		for i := range d.Spec.Template.Spec.Volumes {
			if v := &d.Spec.Template.Spec.Volumes[i]; v.Name == "members" {
				v.Secret.SecretName = "someone-elses"
			}
		}
		g.Expect(k8s.Update(testCtx, &d)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		var cm corev1.ConfigMap
		g.Expect(k8s.Get(testCtx, pk, &cm)).To(Succeed())
		cm.Data[tenant.CityConfigFile] = "cityCode: \"000000\"\n"
		g.Expect(k8s.Update(testCtx, &cm)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		var sa corev1.ServiceAccount
		g.Expect(k8s.Get(testCtx, pk, &sa)).To(Succeed())
		sa.AutomountServiceAccountToken = ptr.To(true)
		g.Expect(k8s.Update(testCtx, &sa)).To(Succeed())
	}, wait).Should(Succeed())

	g.Eventually(func(g Gomega) {
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		g.Expect(d.Spec.Template.Spec.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == "members" {
				g.Expect(v.Secret.SecretName).To(Equal(city.Name + "-members"))
			}
		}
		g.Expect(cityPortalConfig(g, city).CityCode).To(Equal("997610"))
		var sa corev1.ServiceAccount
		g.Expect(k8s.Get(testCtx, pk, &sa)).To(Succeed())
		g.Expect(sa.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
	}, wait).Should(Succeed())

	// A deleted Deployment comes back; the session key stays what it was.
	g.Expect(k8s.Delete(testCtx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: pk.Name, Namespace: pk.Namespace}})).To(Succeed())
	g.Eventually(func(g Gomega) {
		var d appsv1.Deployment
		g.Expect(k8s.Get(testCtx, pk, &d)).To(Succeed())
		g.Expect(d.DeletionTimestamp).To(BeNil())
	}, wait).Should(Succeed())
	var s corev1.Secret
	g.Expect(k8s.Get(testCtx, pk, &s)).To(Succeed())
	g.Expect(s.Data[tenant.SessionKeyKey]).To(Equal(session))
}

// impersonating is a client acting as user (with groups), as the API
// server's authorizer sees it.
func impersonating(g Gomega, user string, groups ...string) client.Client {
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: append(groups, "system:authenticated")}
	c, err := client.New(cfg, client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	return c
}

// Attacks: a county's namespace editor cannot read the city portal's
// Secret or the city's member credentials (city-<name> holds no county,
// and a namespace edit binding reaches no other namespace); the city
// portal's ServiceAccount can do nothing with the API.
func TestCityPortalSecretsAreOutOfReach(t *testing.T) {
	g := NewWithT(t)
	county := countyInCity(t, g, "cityportal-attack", "997621", "city-attack")
	city := newCity(t, "city-attack", "997620", v1alpha1.CityMember{Code: county.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	pk := cityPortalKey(city)
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, pk, &corev1.Secret{})).To(Succeed())
		memberSecret(g, city)
	}, wait).Should(Succeed())

	// The county's staff may do anything in their own namespace (more than
	// the built-in edit role, whose rules envtest's API server does not
	// aggregate: no controller manager runs).
	g.Expect(k8s.Create(testCtx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "county-editor", Namespace: county.Namespace},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}},
	})).To(Succeed())
	g.Expect(k8s.Create(testCtx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "county-editor", Namespace: county.Namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "county-editor"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "county-editor"}},
	})).To(Succeed())
	editor := impersonating(g, "county-editor")
	// The binding works in the county's namespace…
	g.Eventually(func() error {
		return editor.List(testCtx, &corev1.SecretList{}, client.InNamespace(county.Namespace))
	}, wait).Should(Succeed())
	// …and reaches nothing of the city's.
	for _, name := range []string{pk.Name, city.Name + "-members", city.Name + "-storage"} {
		err := editor.Get(testCtx, client.ObjectKey{Namespace: pk.Namespace, Name: name}, &corev1.Secret{})
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "county editor reading Secret %s/%s: %v", pk.Namespace, name, err)
	}
	err := editor.List(testCtx, &corev1.SecretList{}, client.InNamespace(pk.Namespace))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "county editor listing the city's Secrets: %v", err)
	err = editor.Get(testCtx, client.ObjectKey{Name: city.Name}, &v1alpha1.CityReport{})
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "county editor reading the CityReport: %v", err)

	// The city portal's ServiceAccount: nothing at all.
	ns := pk.Namespace
	sa := impersonating(g, "system:serviceaccount:"+ns+":"+pk.Name, "system:serviceaccounts", "system:serviceaccounts:"+ns)
	attempts := map[string]error{
		"list Secrets in its namespace":    sa.List(testCtx, &corev1.SecretList{}, client.InNamespace(ns)),
		"get the members Secret":           sa.Get(testCtx, client.ObjectKey{Namespace: ns, Name: city.Name + "-members"}, &corev1.Secret{}),
		"get its own portal Secret":        sa.Get(testCtx, pk, &corev1.Secret{}),
		"list CountyReports":               sa.List(testCtx, &v1alpha1.CountyReportList{}),
		"get the member's CountyReport":    sa.Get(testCtx, client.ObjectKeyFromObject(county), &v1alpha1.CountyReport{}),
		"get its CityReport":               sa.Get(testCtx, client.ObjectKey{Name: city.Name}, &v1alpha1.CityReport{}),
		"list ConfigMaps in its namespace": sa.List(testCtx, &corev1.ConfigMapList{}, client.InNamespace(ns)),
		"create a ReportRun": sa.Create(testCtx, &v1alpha1.ReportRun{
			ObjectMeta: metav1.ObjectMeta{Name: "attack", Namespace: county.Namespace},
			Spec:       v1alpha1.ReportRunSpec{CountyReportName: county.Name, Period: "2026-01"},
		}),
	}
	for what, err := range attempts {
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the city portal's ServiceAccount could %s: %v", what, err)
	}
}
