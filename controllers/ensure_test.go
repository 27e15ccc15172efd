package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

// Each kind the operator writes goes through ensure: created by one apply,
// left alone (no write) when it matches, set back after a hand edit of a
// field the operator owns, and rid of a field its builder stops setting.
// The owner is a CountyReport that exists only in the test (no reconciler
// acts on it), and ensure reads through a client without a cache, so each
// step sees the API server's state at once.
func TestEnsureOwnsEachKindExactly(t *testing.T) {
	withLimits := &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	noLimits := &corev1.ResourceRequirements{Requests: withLimits.Requests}
	ip := tenant.Inputs{PortalImage: "countyreport:test", StorageEndpoint: "10.0.0.5:9000", StorageInsecure: true, CredentialsSecretName: "ensure-storage"}
	dns := ip
	dns.StorageEndpoint = "minio.storage.svc:9000"
	secret := func(cr *v1alpha1.CountyReport, bucket string) client.Object {
		r := &CountyReportReconciler{TenantReconciler: TenantReconciler{StorageSettings: StorageSettings{StorageEndpoint: ip.StorageEndpoint, StorageInsecure: true}}}
		return r.credentialsSecret(cr, bucket, storage.Credentials{AccessKey: "AK", SecretKey: "SK", SessionToken: "ST"},
			time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC))
	}
	tests := map[string]struct {
		build func(cr *v1alpha1.CountyReport) client.Object
		// edit changes the live object by hand; check sees it set back.
		edit, check func(g Gomega, o client.Object)
		// later, when set, builds the object without a field; gone sees it removed.
		later func(cr *v1alpha1.CountyReport) client.Object
		gone  func(g Gomega, o client.Object)
	}{
		"ServiceAccount": {
			build: func(cr *v1alpha1.CountyReport) client.Object { return tenant.ServiceAccount(cr) },
			edit: func(_ Gomega, o client.Object) {
				o.(*corev1.ServiceAccount).AutomountServiceAccountToken = nil
				delete(o.GetLabels(), v1alpha1.LabelManagedBy)
			},
			check: func(g Gomega, o client.Object) {
				g.Expect(o.(*corev1.ServiceAccount).AutomountServiceAccountToken).To(HaveValue(BeFalse()))
				g.Expect(o.GetLabels()).To(HaveKeyWithValue(v1alpha1.LabelManagedBy, v1alpha1.ManagedByValue))
			},
		},
		"ConfigMap": {
			build: func(cr *v1alpha1.CountyReport) client.Object {
				return tenant.ConfigMap(cr, map[string]string{tenant.ConfigFile: "countyCode: x\n", "extra": "1"})
			},
			edit: func(_ Gomega, o client.Object) { o.(*corev1.ConfigMap).Data[tenant.ConfigFile] = "countyCode: other\n" },
			check: func(g Gomega, o client.Object) {
				g.Expect(o.(*corev1.ConfigMap).Data).To(HaveKeyWithValue(tenant.ConfigFile, "countyCode: x\n"))
			},
			later: func(cr *v1alpha1.CountyReport) client.Object {
				return tenant.ConfigMap(cr, map[string]string{tenant.ConfigFile: "countyCode: x\n"})
			},
			gone: func(g Gomega, o client.Object) { g.Expect(o.(*corev1.ConfigMap).Data).NotTo(HaveKey("extra")) },
		},
		"Deployment": {
			build: func(cr *v1alpha1.CountyReport) client.Object {
				cr.Spec.Portal.Resources = withLimits
				return tenant.Deployment(cr, ip, "hash")
			},
			edit: func(_ Gomega, o client.Object) {
				c := &o.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
				c.Env[0].ValueFrom.SecretKeyRef.Name = "another-county-storage"
				c.Resources.Limits = nil
				c.SecurityContext.ReadOnlyRootFilesystem = nil
			},
			check: func(g Gomega, o client.Object) {
				c := o.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
				g.Expect(c.Env[0].ValueFrom.SecretKeyRef.Name).To(Equal("ensure-storage"))
				g.Expect(c.Resources.Limits).To(HaveKey(corev1.ResourceMemory))
				g.Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
			},
			later: func(cr *v1alpha1.CountyReport) client.Object {
				cr.Spec.Portal.Resources = noLimits
				return tenant.Deployment(cr, ip, "hash")
			},
			gone: func(g Gomega, o client.Object) {
				c := o.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
				g.Expect(c.Resources.Limits).To(BeEmpty())
				g.Expect(c.Resources.Requests).To(HaveKey(corev1.ResourceCPU))
			},
		},
		"Service": {
			build: func(cr *v1alpha1.CountyReport) client.Object { return tenant.Service(cr) },
			edit: func(_ Gomega, o client.Object) {
				o.(*corev1.Service).Spec.Selector[v1alpha1.LabelCountyReport] = "someone-else"
			},
			check: func(g Gomega, o client.Object) {
				g.Expect(o.(*corev1.Service).Spec.Selector).To(HaveKeyWithValue(v1alpha1.LabelCountyReport, "ensure"))
			},
		},
		"NetworkPolicy": {
			build: func(cr *v1alpha1.CountyReport) client.Object { return tenant.NetworkPolicy(cr, ip) },
			edit: func(_ Gomega, o client.Object) {
				np := o.(*networkingv1.NetworkPolicy)
				np.Spec.Egress = nil
				np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			},
			check: func(g Gomega, o client.Object) {
				np := o.(*networkingv1.NetworkPolicy)
				g.Expect(np.Spec.PolicyTypes).To(ContainElement(networkingv1.PolicyTypeEgress))
				g.Expect(np.Spec.Egress).To(HaveLen(3)) // DNS, storage, the API server
				g.Expect(np.Spec.Egress[1].To).To(ConsistOf(HaveField("IPBlock.CIDR", "10.0.0.5/32")))
			},
			// The endpoint becomes a DNS name: the rule pinning the old IP goes.
			later: func(cr *v1alpha1.CountyReport) client.Object { return tenant.NetworkPolicy(cr, dns) },
			gone: func(g Gomega, o client.Object) {
				np := o.(*networkingv1.NetworkPolicy)
				g.Expect(np.Spec.Egress).To(HaveLen(3))
				g.Expect(np.Spec.Egress[1].To).To(BeEmpty())
			},
		},
		"Ingress": {
			build: func(cr *v1alpha1.CountyReport) client.Object {
				cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "ensure.example.org", TLSSecretName: "ensure-tls"}
				return tenant.Ingress(cr)
			},
			edit: func(_ Gomega, o client.Object) { o.(*networkingv1.Ingress).Spec.Rules[0].Host = "" },
			check: func(g Gomega, o client.Object) {
				g.Expect(o.(*networkingv1.Ingress).Spec.Rules[0].Host).To(Equal("ensure.example.org"))
			},
			later: func(cr *v1alpha1.CountyReport) client.Object {
				cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "ensure.example.org"}
				return tenant.Ingress(cr)
			},
			gone: func(g Gomega, o client.Object) { g.Expect(o.(*networkingv1.Ingress).Spec.TLS).To(BeEmpty()) },
		},
		"credentials Secret": {
			build: func(cr *v1alpha1.CountyReport) client.Object { return secret(cr, "countyreport-990500") },
			edit: func(_ Gomega, o client.Object) {
				o.(*corev1.Secret).Data[tenant.SecretBucket] = []byte("countyreport-430423")
				delete(o.GetLabels(), v1alpha1.LabelCounty)
			},
			check: func(g Gomega, o client.Object) {
				g.Expect(string(o.(*corev1.Secret).Data[tenant.SecretBucket])).To(Equal("countyreport-990500"))
				g.Expect(o.GetLabels()).To(HaveKeyWithValue(v1alpha1.LabelCounty, "990500"))
			},
		},
	}
	counted := &testenv.WriteCounter{}
	c, err := counted.NewClientFunc()(env.Config, client.Options{Scheme: k8s.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	r := &CountyReportReconciler{TenantReconciler: TenantReconciler{Client: c, APIReader: k8s, Scheme: k8s.Scheme()}}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			cr := newCountyReport(t, "ensure", "990500")
			cr.UID = uuid.NewUUID()
			ensureWrites := func(o client.Object) int64 {
				before := counted.Load()
				g.Expect(ensure(testCtx, r, cr, o)).To(Succeed())
				return counted.Load() - before
			}
			read := func() client.Object {
				o := tc.build(cr.DeepCopy())
				g.Expect(k8s.Get(testCtx, client.ObjectKeyFromObject(o), o)).To(Succeed())
				return o
			}

			g.Expect(ensureWrites(tc.build(cr.DeepCopy()))).To(Equal(int64(1)), "create")
			tc.check(g, read())
			g.Expect(ensureWrites(tc.build(cr.DeepCopy()))).To(BeZero(), "a second ensure of the same object")

			o := read()
			tc.edit(g, o)
			g.Expect(k8s.Update(testCtx, o)).To(Succeed())
			g.Expect(ensureWrites(tc.build(cr.DeepCopy()))).To(Equal(int64(1)), "after a hand edit")
			tc.check(g, read())
			g.Expect(ensureWrites(tc.build(cr.DeepCopy()))).To(BeZero(), "once set back")

			if tc.later == nil {
				return
			}
			g.Expect(ensureWrites(tc.later(cr.DeepCopy()))).To(Equal(int64(1)), "a field no longer built")
			later := tc.later(cr.DeepCopy())
			g.Expect(k8s.Get(testCtx, client.ObjectKeyFromObject(later), later)).To(Succeed())
			tc.gone(g, later)
			g.Expect(ensureWrites(tc.later(cr.DeepCopy()))).To(BeZero(), "once removed")
		})
	}
}

// An object of the portal's name that the CountyReport does not control is
// never taken over. It carries no operator label, so the manager's cache
// does not hold it: ensure finds it on the API server.
func TestEnsureRefusesAnotherOwnersObject(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "foreign", "990501")
	cr.UID = uuid.NewUUID()
	theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: tenant.Name(cr), Namespace: cr.Namespace},
		Data: map[string]string{"theirs": "yes"}}
	g.Expect(k8s.Create(testCtx, theirs)).To(Succeed())
	r := &CountyReportReconciler{TenantReconciler: TenantReconciler{Client: mgrClient, APIReader: k8s, Scheme: k8s.Scheme()}}
	err := ensure(testCtx, r, cr, tenant.ConfigMap(cr, map[string]string{"k": "v"}))
	g.Expect(err).To(MatchError(ContainSubstring("not owned by CountyReport foreign")))
	g.Expect(k8s.Get(testCtx, client.ObjectKeyFromObject(theirs), theirs)).To(Succeed())
	g.Expect(theirs.Data).To(Equal(map[string]string{"theirs": "yes"}))
	g.Expect(theirs.OwnerReferences).To(BeEmpty())
}
