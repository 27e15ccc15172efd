package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

// Codes of this file: 99440x (counties), 994400 and 994410 (cities).

// wantNotGranted waits until k is refused as CodeNotGranted and checks that
// nothing was provisioned for it: no bucket, no credentials, no portal.
func wantNotGranted(t *testing.T, g *WithT, k client.ObjectKey, msgPart string) {
	t.Helper()
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		c := condition(cr, v1alpha1.ConditionReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonCodeNotGranted))
		g.Expect(c.Message).To(ContainSubstring(msgPart))
		g.Expect(cr.Status.ObservedGeneration).To(Equal(cr.Generation))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		cr := getCR(g, k)
		g.Expect(cr.Status.Bucket).To(BeEmpty())
		g.Expect(cr.Status.CredentialsSecretName).To(BeEmpty())
		g.Expect(cr.Finalizers).To(BeEmpty(), "a refused CountyReport holds no storage finalizer")
		for _, o := range []client.Object{&appsv1.Deployment{}, &corev1.Secret{}, &corev1.ServiceAccount{}} {
			name := tenant.Name(cr)
			if _, ok := o.(*corev1.Secret); ok {
				name = tenant.CredentialsSecretName(cr)
			}
			err := k8s.Get(testCtx, client.ObjectKey{Namespace: k.Namespace, Name: name}, o)
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%T %s made for a refused CountyReport: %v", o, name, err)
		}
	}, 2*time.Second).Should(Succeed())
}

// bucketExists says whether the bucket is on the storage server.
func bucketExists(t *testing.T, bucket string) bool {
	t.Helper()
	ok, err := rawAdmin(t).BucketExists(testCtx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// A namespace nobody gave a code: refused, nothing provisioned; the
// administrator's label then provisions it. A namespace given another code:
// refused, naming the code it was given.
func TestCodeNotGrantedProvisionsNothing(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReportIn(t, "ungranted", "994401", nil)
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	wantNotGranted(t, g, k, "kubectl label namespace "+k.Namespace+" "+v1alpha1.LabelCounty+"=994401")
	g.Expect(bucketExists(t, "countyreport-994401")).To(BeFalse(), "a bucket was made for a code not granted")

	other := newCountyReportIn(t, "elsewhere", "994402", map[string]string{v1alpha1.LabelCounty: "994403"})
	g.Expect(k8s.Create(testCtx, other)).To(Succeed())
	wantNotGranted(t, g, client.ObjectKeyFromObject(other), "is given county code 994403, not 994402")

	// The cluster administrator grants the code: the label alone wakes it.
	var ns corev1.Namespace
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Name: k.Namespace}, &ns)).To(Succeed())
	ns.Labels = map[string]string{v1alpha1.LabelCounty: "994401"}
	g.Expect(k8s.Update(testCtx, &ns)).To(Succeed())
	createdReady := func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), &appsv1.Deployment{})).To(Succeed())
		g.Expect(getCR(g, k).Status.Bucket).To(Equal("countyreport-994401"))
	}
	g.Eventually(createdReady, wait).Should(Succeed())
}

// A namespace administrator cannot grant a code: the label is on the
// Namespace, and no role the built-in admin or edit roles give in a
// namespace updates it; nor can they write themselves a Role that would
// (the API server refuses to grant what the granter does not hold).
func TestNamespaceEditorCannotGrantACode(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReportIn(t, "selfgrant", "994404", nil)
	ns := cr.Namespace
	// The built-in admin role's reach (envtest aggregates no roles, so it
	// is spelled out): everything namespaced, Roles and RoleBindings
	// included, and only reading its Namespace.
	g.Expect(k8s.Create(testCtx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "county-admin", Namespace: ns},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"", "apps", "batch", "networking.k8s.io", v1alpha1.GroupVersion.Group},
				Resources: []string{"pods", "secrets", "configmaps", "services", "serviceaccounts", "deployments", "jobs",
					"ingresses", "networkpolicies", "countyreports", "reportruns"},
				Verbs: []string{"*"}},
			{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings"},
				Verbs: []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
		},
	})).To(Succeed())
	g.Expect(k8s.Create(testCtx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "county-admin", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "county-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "ns-admin"}},
	})).To(Succeed())
	editor := impersonating(g, "ns-admin")
	g.Eventually(func() error { return editor.Create(testCtx, cr) }, wait).Should(Succeed())
	var n corev1.Namespace
	g.Expect(editor.Get(testCtx, client.ObjectKey{Name: ns}, &n)).To(Succeed())
	n.Labels = map[string]string{v1alpha1.LabelCounty: "994404"}
	err := editor.Update(testCtx, &n)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a namespace admin labelled its namespace: %v", err)
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"labels":{"`+v1alpha1.LabelCounty+`":"994404"}}}`))
	err = editor.Patch(testCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, patch)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a namespace admin patched its namespace's labels: %v", err)
	err = editor.Create(testCtx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "label-my-namespace", Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"update", "patch"}}},
	})
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a namespace admin wrote itself a Role on its Namespace: %v", err)
	wantNotGranted(t, g, client.ObjectKeyFromObject(cr), "is not given county code 994404")
}

// The attack of issue 18: an editor of another namespace applies a
// CountyReport with a code the city lists before the real county is
// onboarded. It is refused and provisioned nothing; the real county, made
// later, gets its code, its bucket and its membership; while the real county
// is being re-created the squatter still gets nothing, and the re-created
// county takes its membership back.
func TestSquatterNeverTakesACodeOrMembership(t *testing.T) {
	g := NewWithT(t)
	const code = "994405"
	claimedCodes.Store(code, t.Name())
	squatter := newCountyReportIn(t, "a-squatter", code, map[string]string{v1alpha1.LabelCounty: "994406"})
	squatter.Spec.CityRef = &v1alpha1.CityReference{Name: "grant-city"}
	g.Expect(k8s.Create(testCtx, squatter)).To(Succeed())
	sk := client.ObjectKeyFromObject(squatter)
	wantNotGranted(t, g, sk, "not "+code)
	g.Expect(bucketExists(t, "countyreport-"+code)).To(BeFalse())

	city := newCity(t, "grant-city", "994400", v1alpha1.CityMember{Code: code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Members).To(BeEmpty())
		g.Expect(got.Status.MissingMembers).To(HaveLen(1))
		g.Expect(got.Status.MissingMembers[0].Reason).To(Equal(v1alpha1.MemberNotFound))
	}, wait).Should(Succeed())

	// The real county arrives second, in the namespace given the code.
	time.Sleep(1100 * time.Millisecond) // creation times have one-second resolution: it is later
	real := newCountyReport(t, "z-real", code)
	real.Spec.CityRef = &v1alpha1.CityReference{Name: city.Name}
	// Deleted with its archive, so that the county applied again owns a new
	// one (a retained bucket is never handed to a successor unasked).
	real.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	rk := createReady(g, real)
	real = getCR(g, rk)
	g.Expect(real.Status.Bucket).To(Equal("countyreport-" + code))
	member := func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Members).To(HaveLen(1))
		g.Expect(got.Status.Members[0].Namespace).To(Equal(rk.Namespace))
		s := memberSecret(g, city)
		g.Expect(string(s.Data[tenant.SecretMembers])).To(Equal(code))
		g.Expect(string(s.Data[tenant.MemberKey(code, tenant.SecretBucket)])).To(Equal(real.Status.Bucket))
	}
	g.Eventually(member, wait).Should(Succeed())
	g.Expect(condition(getCR(g, sk), v1alpha1.ConditionReady).Reason).To(Equal(v1alpha1.ReasonCodeNotGranted))

	// The real county is re-created: meanwhile the squatter still gets
	// nothing, and the membership waits for the real county.
	deleteAndWait(g, rk)
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.Members).To(BeEmpty())
		g.Expect(memberSecret(g, city).Data[tenant.SecretMembers]).To(BeEmpty())
	}, wait).Should(Succeed())
	wantNotGranted(t, g, sk, "not "+code)
	// Applied again (under a new name: envtest runs no garbage collector to
	// take the old portal's objects away), in the namespace given the code.
	again := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "z-real-again", Namespace: rk.Namespace}, Spec: real.Spec}
	rk = createReady(g, again)
	real = getCR(g, rk)
	g.Eventually(member, wait).Should(Succeed())
}

// The same for a city: its namespace city-<name> must be given its code by
// the administrator, or no credentials are written there.
func TestCityNamespaceNotGranted(t *testing.T) {
	g := NewWithT(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "city-ungranted-city"}}
	g.Expect(k8s.Create(testCtx, ns)).To(Succeed())
	city := &v1alpha1.CityReport{ObjectMeta: metav1.ObjectMeta{Name: "ungranted-city"},
		Spec: v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "994410", Name: "测试市"}}}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		c := cityCondition(getCity(g, city.Name), v1alpha1.ConditionReady)
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonNamespaceNotGranted))
		g.Expect(c.Message).To(ContainSubstring("kubectl label namespace city-ungranted-city " + v1alpha1.LabelCity + "=994410"))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		var secrets corev1.SecretList
		g.Expect(k8s.List(testCtx, &secrets, client.InNamespace(ns.Name))).To(Succeed())
		g.Expect(secrets.Items).To(BeEmpty())
		g.Expect(getCity(g, city.Name).Status.Bucket).To(BeEmpty())
	}, 2*time.Second).Should(Succeed())
	g.Expect(bucketExists(t, tenant.CityBucket(city))).To(BeFalse())

	// Granted: the city is provisioned (its next look, at most 30 s later).
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Name: ns.Name}, ns)).To(Succeed())
	ns.Labels = map[string]string{v1alpha1.LabelCity: "994410"}
	g.Expect(k8s.Update(testCtx, ns)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, city.Name), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
	}, 45*time.Second).Should(Succeed())
}
