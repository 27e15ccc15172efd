package controllers

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

const wait = 30 * time.Second

var samples = map[string]string{ // namespace/name → code
	"county-hengyangxian/hengyangxian": "430421",
	"county-hengnan/hengnan":           "430422",
	"county-hengshan/hengshan":         "430423",
	"county-hengdong/hengdong":         "430424",
	"county-qidong/qidong":             "430426",
	"county-leiyang/leiyang":           "430481",
	"county-changning/changning":       "430482",
}

func key(nsName string) client.ObjectKey {
	ns, name, _ := strings.Cut(nsName, "/")
	return client.ObjectKey{Namespace: ns, Name: name}
}

func portalKey(cr client.ObjectKey) client.ObjectKey {
	return client.ObjectKey{Namespace: cr.Namespace, Name: cr.Name + "-portal"}
}

func getCR(g Gomega, k client.ObjectKey) *v1alpha1.CountyReport {
	cr := &v1alpha1.CountyReport{}
	g.Expect(k8s.Get(testCtx, k, cr)).To(Succeed())
	return cr
}

func condition(cr *v1alpha1.CountyReport, typ string) metav1.Condition {
	if c := meta.FindStatusCondition(cr.Status.Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// markAvailable plays the part of the missing kubelet and controller-manager:
// it reports the portal Deployment as available.
func markAvailable(g Gomega, k client.ObjectKey) {
	d := &appsv1.Deployment{}
	g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
	replicas := ptr.Deref(d.Spec.Replicas, 1)
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		Replicas:           replicas, ReadyReplicas: replicas, AvailableReplicas: replicas, UpdatedReplicas: replicas,
		Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
			LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now(),
		}},
	}
	g.Expect(k8s.Status().Update(testCtx, d)).To(Succeed())
}

// createReady creates cr, plays the kubelet for its portal and waits until
// it is Ready; it returns cr's key.
func createReady(g *WithT, cr *v1alpha1.CountyReport) client.ObjectKey {
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) { markAvailable(g, k) }, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(condition(getCR(g, k), v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())
	return k
}

// newCountyReport is a minimal valid CountyReport in a fresh namespace
// that the cluster administrator gave its code (the namespace label).
func newCountyReport(t *testing.T, name, code string) *v1alpha1.CountyReport {
	t.Helper()
	return newCountyReportIn(t, name, code, map[string]string{v1alpha1.LabelCounty: code})
}

// newCountyReportIn is newCountyReport in a fresh namespace with labels
// (none: a namespace given no code).
func newCountyReportIn(t *testing.T, name, code string, labels map[string]string) *v1alpha1.CountyReport {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-" + name + "-", Labels: labels}}
	if err := k8s.Create(testCtx, ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name},
		Spec: v1alpha1.CountyReportSpec{County: v1alpha1.CountyIdentity{
			Code: code, Name: "测试县", EnglishName: "Test County", City: "测试市",
		}},
	}
}

func TestSamplesProvisionEveryCounty(t *testing.T) {
	g := NewWithT(t)
	out, err := env.RunKubectl("", "apply", "-k", filepath.Join(env.Root, "config", "samples"))
	g.Expect(err).NotTo(HaveOccurred(), out)

	for nsName, code := range samples {
		k := key(nsName)
		g.Eventually(func(g Gomega) {
			cr := getCR(g, k)
			g.Expect(cr.Status.ObservedGeneration).To(Equal(cr.Generation))
			g.Expect(condition(cr, v1alpha1.ConditionPortalAvailable).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(condition(cr, v1alpha1.ConditionReady)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", v1alpha1.ReasonComponentsNotReady)))
			g.Expect(cr.Status.PortalURL).To(Equal(fmt.Sprintf("http://%s-portal.%s.svc:80/", k.Name, k.Namespace)))
			g.Expect(cr.Status.NextRun).NotTo(BeNil())
		}, wait).Should(Succeed(), nsName)
		cr := getCR(g, k)
		checkOwnedObjects(t, g, cr, code)
	}

	// The kubectl view municipal IT use shows the columns.
	out, err = env.RunKubectl("", "get", "countyreports", "-A")
	g.Expect(err).NotTo(HaveOccurred(), out)
	for _, col := range []string{"COUNTY", "READY", "LAST REPORT", "NEXT RUN", "AGE", "衡山县", "2026-11-01 06:00 Asia/Shanghai"} {
		g.Expect(out).To(ContainSubstring(col))
	}

	// With no kubelet, the test reports the Deployments available.
	for nsName := range samples {
		k := key(nsName)
		g.Eventually(func(g Gomega) { markAvailable(g, k) }, wait).Should(Succeed())
		g.Eventually(func(g Gomega) {
			cr := getCR(g, k)
			g.Expect(condition(cr, v1alpha1.ConditionPortalAvailable).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(cr, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(cr, v1alpha1.ConditionReady).ObservedGeneration).To(Equal(cr.Generation))
		}, wait).Should(Succeed(), nsName)
	}
}

// checkOwnedObjects asserts the portal's objects exist, are owned by cr, carry
// the labels and the security settings.
func checkOwnedObjects(t *testing.T, g *WithT, cr *v1alpha1.CountyReport, code string) {
	t.Helper()
	pk := portalKey(client.ObjectKeyFromObject(cr))
	objs := map[string]client.Object{
		"ServiceAccount": &corev1.ServiceAccount{}, "ConfigMap": &corev1.ConfigMap{},
		"Deployment": &appsv1.Deployment{}, "Service": &corev1.Service{}, "NetworkPolicy": &networkingv1.NetworkPolicy{},
		"Role": &rbacv1.Role{}, "RoleBinding": &rbacv1.RoleBinding{}, "Secret": &corev1.Secret{},
	}
	for kind, o := range objs {
		g.Expect(k8s.Get(testCtx, pk, o)).To(Succeed(), kind)
		g.Expect(o.GetLabels()).To(HaveKeyWithValue(v1alpha1.LabelManagedBy, "countyreport"), kind)
		g.Expect(o.GetLabels()).To(HaveKeyWithValue(v1alpha1.LabelCounty, code), kind)
		refs := o.GetOwnerReferences()
		g.Expect(refs).To(HaveLen(1), kind)
		g.Expect(refs[0].UID).To(Equal(cr.UID), kind)
		g.Expect(ptr.Deref(refs[0].Controller, false)).To(BeTrue(), kind)
		g.Expect(ptr.Deref(refs[0].BlockOwnerDeletion, false)).To(BeTrue(), kind)
	}
	sa := objs["ServiceAccount"].(*corev1.ServiceAccount)
	g.Expect(ptr.Deref(sa.AutomountServiceAccountToken, true)).To(BeFalse())

	d := objs["Deployment"].(*appsv1.Deployment)
	pod := d.Spec.Template.Spec
	g.Expect(pod.ServiceAccountName).To(Equal(pk.Name))
	// The portal's own pods get its token (bound to its Role); the
	// ServiceAccount mounts it nowhere else.
	g.Expect(ptr.Deref(pod.AutomountServiceAccountToken, false)).To(BeTrue())
	g.Expect(ptr.Deref(pod.SecurityContext.RunAsNonRoot, false)).To(BeTrue())
	g.Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
	c := pod.Containers[0]
	g.Expect(c.Args[0]).To(Equal("portal"))
	g.Expect(ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false)).To(BeTrue())
	g.Expect(ptr.Deref(c.SecurityContext.AllowPrivilegeEscalation, true)).To(BeFalse())
	g.Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
	g.Expect(c.Resources.Requests).NotTo(BeEmpty())
	g.Expect(c.Resources.Limits).NotTo(BeEmpty())
	g.Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
	g.Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
	g.Expect(d.Spec.Template.Annotations).To(HaveKey(v1alpha1.AnnotationConfigHash))

	cm := objs["ConfigMap"].(*corev1.ConfigMap)
	g.Expect(cm.Data[tenant.ConfigFile]).To(ContainSubstring("countyCode: \"" + code + "\""))

	np := objs["NetworkPolicy"].(*networkingv1.NetworkPolicy)
	g.Expect(np.Spec.PolicyTypes).To(ConsistOf(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress))
	g.Expect(np.Spec.Ingress).To(HaveLen(1))
	g.Expect(np.Spec.Ingress[0].Ports[0].Port.IntValue()).To(Equal(tenant.PortalPort))
}

func TestSpecChangesPropagate(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "changes", "990001")
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	d := &appsv1.Deployment{}
	g.Eventually(func() error { return k8s.Get(testCtx, portalKey(k), d) }, wait).Should(Succeed())
	hash := d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]

	// Replicas, image, ingress on, and the county's English name (a config change that rolls the pods).
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Portal.Replicas = ptr.To[int32](3)
		cr.Spec.Portal.Image = "registry.example/countyreport:v2"
		cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "changes.example.org", TLSSecretName: "changes-tls"}
		cr.Spec.County.EnglishName = "Changed County"
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		g.Expect(*d.Spec.Replicas).To(Equal(int32(3)))
		g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/countyreport:v2"))
		g.Expect(d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]).NotTo(Equal(hash))
		ing := &networkingv1.Ingress{}
		g.Expect(k8s.Get(testCtx, portalKey(k), ing)).To(Succeed())
		g.Expect(ing.Spec.Rules[0].Host).To(Equal("changes.example.org"))
		g.Expect(ing.Spec.TLS[0].SecretName).To(Equal("changes-tls"))
		g.Expect(getCR(g, k).Status.PortalURL).To(Equal("https://changes.example.org/"))
	}, wait).Should(Succeed())

	// Ingress off again, and the image override removed.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Portal.Ingress = nil
		cr.Spec.Portal.Image = ""
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		err := k8s.Get(testCtx, portalKey(k), &networkingv1.Ingress{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "ingress should be gone, got %v", err)
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("countyreport:test"))
	}, wait).Should(Succeed())
}

func TestDeleteLeavesObjectsToGarbageCollector(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "gone", "990002")
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func() error { return k8s.Get(testCtx, portalKey(k), &networkingv1.NetworkPolicy{}) }, wait).Should(Succeed())
	checkOwnedObjects(t, g, getCR(g, k), "990002")

	g.Expect(k8s.Delete(testCtx, cr)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(testCtx, k, &v1alpha1.CountyReport{}))
	}, wait).Should(BeTrue())
	// envtest runs no garbage collector; the owner references checked above
	// are what lets the cluster's collector remove the objects. The operator
	// itself must not recreate anything for a deleted CountyReport.
	cm := &corev1.ConfigMap{}
	g.Expect(k8s.Get(testCtx, portalKey(k), cm)).To(Succeed())
	g.Expect(k8s.Delete(testCtx, cm)).To(Succeed())
	g.Consistently(func() bool {
		return apierrors.IsNotFound(k8s.Get(testCtx, portalKey(k), &corev1.ConfigMap{}))
	}, 2*time.Second).Should(BeTrue())
}

func TestBadManifestsAreRefusedNamingTheField(t *testing.T) {
	valid := map[string]string{
		"code": `"990100"`, "name": "测试县", "bucket": "good-bucket", "replicas": "1",
		"cron": `"0 6 1 * *"`, "language": "zh-CN",
	}
	manifest := func(over map[string]string, drop string) string {
		v := map[string]string{}
		for k, val := range valid {
			v[k] = val
		}
		for k, val := range over {
			v[k] = val
		}
		lines := []string{
			"apiVersion: reporting.countyreport.io/v1alpha1", "kind: CountyReport",
			"metadata: {name: bad, namespace: default}", "spec:", "  county:",
		}
		if drop != "code" {
			lines = append(lines, "    code: "+v["code"])
		}
		if drop != "name" {
			lines = append(lines, "    name: "+v["name"])
		}
		lines = append(lines, "  portal: {replicas: "+v["replicas"]+"}", "  storage: {bucket: "+v["bucket"]+"}",
			"  schedule: {cron: "+v["cron"]+"}", "  report: {language: "+v["language"]+"}")
		return strings.Join(lines, "\n") + "\n"
	}
	tests := map[string]struct {
		over  map[string]string
		drop  string
		field string
	}{
		"letters in code":        {over: map[string]string{"code": `"43a423"`}, field: "spec.county.code"},
		"code of 7 digits":       {over: map[string]string{"code": `"4304231"`}, field: "spec.county.code"},
		"missing code":           {drop: "code", field: "spec.county.code"},
		"missing Chinese name":   {drop: "name", field: "spec.county.name"},
		"upper-case bucket":      {over: map[string]string{"bucket": "Hengshan"}, field: "spec.storage.bucket"},
		"bucket with dots twice": {over: map[string]string{"bucket": "a..b"}, field: "spec.storage.bucket"},
		"bucket like an IP":      {over: map[string]string{"bucket": "192.168.1.1"}, field: "spec.storage.bucket"},
		"replicas 50":            {over: map[string]string{"replicas": "50"}, field: "spec.portal.replicas"},
		"cron with 4 fields":     {over: map[string]string{"cron": `"0 6 1 *"`}, field: "spec.schedule.cron"},
		"unknown language":       {over: map[string]string{"language": "fr"}, field: "spec.report.language"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := env.RunKubectl(manifest(tc.over, tc.drop), "apply", "-f", "-")
			if err == nil {
				t.Fatalf("manifest accepted, want refusal naming %s:\n%s", tc.field, out)
			}
			if !strings.Contains(out, tc.field) {
				t.Fatalf("refusal does not name %s:\n%s", tc.field, out)
			}
		})
	}

	t.Run("changing the code of an existing county", func(t *testing.T) {
		g := NewWithT(t)
		cr := newCountyReport(t, "immutable", "990101")
		g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
		out, err := env.RunKubectl("", "-n", cr.Namespace, "patch", "countyreport", "immutable", "--type=merge",
			"-p", `{"spec":{"county":{"code":"990102"}}}`)
		g.Expect(err).To(HaveOccurred(), out)
		g.Expect(out).To(ContainSubstring("spec.county.code"))
		g.Expect(out).To(ContainSubstring("immutable"))
	})
}

func TestUnknownTimeZoneIsInvalidSpec(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "tz", "990003")
	cr.Spec.Schedule.TimeZone = "Asia/Atlantis"
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) {
		c := condition(getCR(g, k), v1alpha1.ConditionReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
		g.Expect(c.Message).To(ContainSubstring("Asia/Atlantis"))
	}, wait).Should(Succeed())
	g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, portalKey(k), &appsv1.Deployment{}))).To(BeTrue())

	// Fixing the zone provisions the county.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Schedule.TimeZone = "Europe/Berlin"
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func() error { return k8s.Get(testCtx, portalKey(k), &appsv1.Deployment{}) }, wait).Should(Succeed())
}

func TestDuplicateCountyCode(t *testing.T) {
	g := NewWithT(t)
	first := newCountyReport(t, "first", "990004")
	g.Expect(k8s.Create(testCtx, first)).To(Succeed())
	g.Eventually(func() error {
		return k8s.Get(testCtx, portalKey(client.ObjectKeyFromObject(first)), &appsv1.Deployment{})
	}, wait).Should(Succeed())
	// creationTimestamp has one-second resolution: make "later" unambiguous.
	time.Sleep(1100 * time.Millisecond)

	second := newCountyReport(t, "second", "990004")
	g.Expect(k8s.Create(testCtx, second)).To(Succeed())
	k2 := client.ObjectKeyFromObject(second)
	g.Eventually(func(g Gomega) {
		c := condition(getCR(g, k2), v1alpha1.ConditionReady)
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonDuplicateCounty))
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Message).To(ContainSubstring(first.Namespace + "/first"))
	}, wait).Should(Succeed())
	g.Consistently(func() bool {
		return apierrors.IsNotFound(k8s.Get(testCtx, portalKey(k2), &appsv1.Deployment{}))
	}, 2*time.Second).Should(BeTrue())
	// The first keeps its portal and is not marked duplicate.
	g.Expect(condition(getCR(g, client.ObjectKeyFromObject(first)), v1alpha1.ConditionReady).Reason).
		NotTo(Equal(v1alpha1.ReasonDuplicateCounty))

	// When the first goes, the second takes over the code.
	g.Expect(k8s.Delete(testCtx, first)).To(Succeed())
	g.Eventually(func() error { return k8s.Get(testCtx, portalKey(k2), &appsv1.Deployment{}) }, wait).Should(Succeed())
}

func TestSteadyStateMakesNoWrites(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "steady", "990005")
	cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "steady.example.org"}
	k := createReady(g, cr)

	// Let every other test's work settle, then wake this reconciler several
	// times without changing its spec: a label on the CountyReport and
	// foreign labels on its Deployment each trigger a reconcile.
	waitQuietManager(g)
	before, reconciles := writes.Load(), reconcileCount(t, "countyreport")
	for i := range 5 {
		// Each touch waits for its reconcile: the work queue merges
		// updates that arrive while a key is waiting, so touches in a
		// burst would wake fewer reconciles than they are.
		seen := reconcileCount(t, "countyreport")
		g.Eventually(func(g Gomega) {
			cr := getCR(g, k)
			if cr.Labels == nil {
				cr.Labels = map[string]string{}
			}
			cr.Labels["touch"] = fmt.Sprint(i)
			g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
		}, wait).Should(Succeed())
		g.Eventually(func() float64 { return reconcileCount(t, "countyreport") - seen }, wait).Should(BeNumerically(">=", 1))
	}
	g.Expect(reconcileCount(t, "countyreport") - reconciles).To(BeNumerically(">=", 5))
	time.Sleep(time.Second)
	g.Expect(writes.Load()-before).To(BeZero(), "the operator wrote in a steady state")
}

// waitQuietManager waits until the suite's manager has written nothing for
// 1.5 s. writes counts every test's objects, so a test that asserts no
// writes starts once the others' work has settled.
func waitQuietManager(g *WithT) {
	g.Eventually(func() int64 {
		before := writes.Load()
		time.Sleep(1500 * time.Millisecond)
		return writes.Load() - before
	}, wait).Should(BeZero())
}
