//go:build e2e && e2ebench

package e2e

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// scaleCounties is how many made-up counties TestBench50 puts on the node.
const scaleCounties = 50

// madeUpLabel marks the bench's tenants: no real place, no real figure.
const madeUpLabel = "e2e.countyreport.io/made-up-test-tenant"

// scaleTenants are the bench's made-up counties: namespaces
// e2ebench-01..50, codes 800001..800050 (no code of China starts with 80;
// GB/T 2260 goes up to 82), names 虚构县01 ("made-up county 01").
func scaleTenants(n int) []tenant {
	tns := make([]tenant, n)
	for i := range tns {
		tns[i] = tenant{slug: fmt.Sprintf("madeup%02d", i+1), name: fmt.Sprintf("虚构县%02d", i+1),
			ns: fmt.Sprintf("e2ebench-%02d", i+1)}
	}
	return tns
}

func scaleCode(i int) string { return fmt.Sprintf("%06d", 800001+i) }

// scaleReady reports whether every made-up county says Ready.
func (s *suite) scaleReady(tns []tenant) (bool, string) {
	ready := 0
	last := ""
	for _, tn := range tns {
		var cr v1alpha1.CountyReport
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.slug}, &cr); err != nil {
			return false, err.Error()
		}
		c := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionReady)
		if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == cr.Generation {
			ready++
		} else {
			last = fmt.Sprintf("%s: %+v", tn.ns, c)
		}
	}
	return ready == len(tns), fmt.Sprintf("%d of %d Ready; %s", ready, len(tns), last)
}

// benchFit prints the node's allocatable beside what its pods request.
func (s *suite) benchFit(t *testing.T, nodeName string) {
	t.Helper()
	var node corev1.Node
	must(t, s.c.Get(s.ctx, client.ObjectKey{Name: nodeName}, &node))
	var pods corev1.PodList
	must(t, s.c.List(s.ctx, &pods, client.MatchingFields{"spec.nodeName": nodeName}))
	cpu, mem := resource.Quantity{}, resource.Quantity{}
	running := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		running++
		for _, c := range p.Spec.Containers {
			cpu.Add(*c.Resources.Requests.Cpu())
			mem.Add(*c.Resources.Requests.Memory())
		}
	}
	alloc := node.Status.Allocatable
	fmt.Printf("bench: node allocatable: cpu %s, memory %.0f MiB, %s pods; its %d pods request cpu %dm (%.0f%%), memory %.0f MiB (%.0f%%)\n",
		alloc.Cpu(), float64(alloc.Memory().Value())/(1<<20), alloc.Pods(), running,
		cpu.MilliValue(), 100*float64(cpu.MilliValue())/float64(alloc.Cpu().MilliValue()),
		float64(mem.Value())/(1<<20), 100*float64(mem.Value())/float64(alloc.Memory().Value()))
}

// removeScaleTenants removes the made-up counties an earlier run left on a
// kept node (reset has uninstalled the operator and dropped the
// CountyReports' finalizers), and their namespaces.
func (s *suite) removeScaleTenants(t *testing.T, tns []tenant) {
	t.Helper()
	for _, tn := range tns {
		err := s.c.Delete(s.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tn.ns}})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	s.eventually(t, "an earlier run's made-up counties gone", 10*time.Minute, func() (bool, string) {
		for _, tn := range tns {
			err := s.c.Get(s.ctx, client.ObjectKey{Name: tn.ns}, &corev1.Namespace{})
			if !apierrors.IsNotFound(err) {
				return false, fmt.Sprintf("namespace %s: %v", tn.ns, err)
			}
		}
		return true, ""
	})
}

// benchSettled waits until every tenant's portal Deployment has finished
// rolling out (a portal rolls when its configuration or credentials
// change, which can come after its first pod was Ready: the city's, as
// its members' credentials arrive), prints the time since start beside
// serving, and how many Deployments were changed after they were made.
func (s *suite) benchSettled(t *testing.T, what string, tns []tenant, start time.Time, serving time.Duration) {
	t.Helper()
	s.eventually(t, what+": every portal rolled out", 20*time.Minute, func() (bool, string) {
		for _, tn := range tns {
			if ok, why := s.rolledOut(tn); !ok {
				return false, tn.ns + ": " + why
			}
		}
		return true, ""
	}, releaseNS)
	settled := time.Since(start)
	changed := 0
	for _, tn := range tns {
		var d appsv1.Deployment
		must(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &d))
		if d.Generation > 1 {
			changed++
			t.Logf("%s: Deployment generation %d", tn.ns, d.Generation)
		}
	}
	report(t, fmt.Sprintf("%s, every portal rolled out (%d of %d rolled again after they were made)", what, changed, len(tns)),
		settled, "first serving", serving)
}

// rolledOut reports whether the tenant's portal Deployment is rolled out:
// every replica updated and ready, no other pod left.
func (s *suite) rolledOut(tn tenant) (bool, string) {
	var d appsv1.Deployment
	if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: tn.service()}, &d); err != nil {
		return false, err.Error()
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	st := d.Status
	if st.ObservedGeneration != d.Generation || st.UpdatedReplicas != want || st.ReadyReplicas != want || st.Replicas != want {
		return false, fmt.Sprintf("generation %d observed %d, replicas %d updated %d ready %d", d.Generation, st.ObservedGeneration, st.Replicas, st.UpdatedReplicas, st.ReadyReplicas)
	}
	pods, err := s.portalPods(tn)
	if err != nil {
		return false, err.Error()
	}
	if int32(len(pods)) != want {
		return false, podsState(pods)
	}
	return true, ""
}
