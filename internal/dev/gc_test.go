package dev

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/testenv"
)

// The local platform's garbage collector and namespace finalizer, against
// a real API server with no controller-manager (as `countyreport dev` runs
// it): what a deleted owner leaves goes, in the background, foreground and
// orphaning ways; what still has an owner stays; a deleted namespace goes.
func TestCollectorCollectsAsAClusterWould(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.Scheme})
	g.Expect(err).NotTo(HaveOccurred())
	gc := &Collector{Config: env.Config, Interval: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- gc.Start(ctx) }()
	defer func() { cancel(); <-done }()

	ns := "county-gc"
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	owner := func(name string) *corev1.ConfigMap {
		o := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		g.Expect(c.Create(ctx, o)).To(Succeed())
		return o
	}
	ref := func(o client.Object, kind, apiVersion string) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: o.GetName(), UID: o.GetUID(),
			Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
	}
	cmRef := func(o client.Object) metav1.OwnerReference { return ref(o, "ConfigMap", "v1") }
	secret := func(name string, refs ...metav1.OwnerReference) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: refs}}
		g.Expect(c.Create(ctx, s)).To(Succeed())
		return s
	}
	gone := func(o client.Object) func() bool {
		return func() bool {
			return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(o), o.DeepCopyObject().(client.Object)))
		}
	}

	// Background (kubectl's default): the owner goes at once, its
	// dependents after it, the portal's Deployment among them.
	cr := owner("countyreport-stand-in")
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "x-portal", OwnerReferences: []metav1.OwnerReference{cmRef(cr)}},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "portal", Image: "x"}}}}}}
	g.Expect(c.Create(ctx, dep)).To(Succeed())
	owned := secret("owned", cmRef(cr))
	other := owner("another-owner")
	second := cmRef(other)
	second.Controller = nil // one controller per object
	shared := secret("shared", cmRef(cr), second)
	unowned := secret("unowned")
	// A dependent naming an owner of the same name but another UID (the
	// owner made again): that owner is gone.
	stale := secret("stale", metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: other.Name, UID: "00000000-0000-0000-0000-000000000001"})
	g.Expect(c.Delete(ctx, cr)).To(Succeed())
	g.Eventually(gone(dep), 20*time.Second).Should(BeTrue(), "the Deployment outlived its owner")
	g.Eventually(gone(owned), 20*time.Second).Should(BeTrue())
	g.Eventually(gone(stale), 20*time.Second).Should(BeTrue(), "an owner made again under the same name kept the old one's dependent")
	g.Consistently(gone(shared), 2*time.Second).Should(BeFalse(), "a dependent with an owner left was deleted")
	g.Expect(gone(unowned)()).To(BeFalse())

	// A cluster-scoped owner (as a CityReport is) of namespaced objects.
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gc-test-city-stand-in"}}
	g.Expect(c.Create(ctx, role)).To(Succeed())
	cityOwned := secret("city-owned", ref(role, "ClusterRole", "rbac.authorization.k8s.io/v1"))
	g.Expect(c.Delete(ctx, role)).To(Succeed())
	g.Eventually(gone(cityOwned), 20*time.Second).Should(BeTrue())

	// Foreground: the owner waits for its dependents, then goes.
	fg := owner("foreground")
	fgDep := secret("fg-dependent", cmRef(fg))
	// An editor of another namespace names its UID, blocking: it holds
	// nothing up (an owner reference never crosses namespaces).
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "county-gc-other"}})).To(Succeed())
	cross := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "county-gc-other", Name: "cross", OwnerReferences: []metav1.OwnerReference{cmRef(fg)}}}
	g.Expect(c.Create(ctx, cross)).To(Succeed())
	g.Expect(c.Delete(ctx, fg, client.PropagationPolicy(metav1.DeletePropagationForeground))).To(Succeed())
	g.Eventually(gone(fgDep), 20*time.Second).Should(BeTrue())
	g.Eventually(gone(fg), 20*time.Second).Should(BeTrue(), "an owner deleted in the foreground stayed")

	// Orphan: the dependents stay, without the owner.
	or := owner("orphaning")
	orDep := secret("orphaned", cmRef(or))
	g.Expect(c.Delete(ctx, or, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
	g.Eventually(gone(or), 20*time.Second).Should(BeTrue(), "an owner deleted orphaning its dependents stayed")
	g.Consistently(gone(orDep), 2*time.Second).Should(BeFalse())
	got := &corev1.Secret{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(orDep), got)).To(Succeed())
	g.Expect(got.OwnerReferences).To(BeEmpty())

	// A deleted namespace is emptied and goes; it does not stay Terminating.
	nsObj := &corev1.Namespace{}
	g.Expect(c.Get(ctx, client.ObjectKey{Name: ns}, nsObj)).To(Succeed())
	g.Expect(c.Delete(ctx, nsObj)).To(Succeed())
	g.Eventually(gone(nsObj), 30*time.Second).Should(BeTrue(), "the namespace stayed Terminating")
	g.Expect(gone(unowned)()).To(BeTrue())
}
