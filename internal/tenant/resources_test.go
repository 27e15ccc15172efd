package tenant

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The defaults come from a portal measured on a real node
// (docs/benchmarks.md, "a real node"): about 106 MiB once signed in, under
// 1 millicore at rest. They must cover that, and fifty portals must fit on
// the 2-core node of that measurement beside two managers (100m each) and
// a report Job (250m).
func TestDefaultResourcesFitFiftyPortals(t *testing.T) {
	r := DefaultResources()
	fifty := func(q resource.Quantity) resource.Quantity {
		q.Mul(50)
		return q
	}
	cases := []struct {
		name string
		ok   bool
	}{
		{"memory request covers a signed-in portal (106 MiB) with headroom",
			r.Requests.Memory().Cmp(resource.MustParse("120Mi")) >= 0},
		{"memory limit at least twice the request",
			r.Limits.Memory().Value() >= 2*r.Requests.Memory().Value()},
		{"cpu request at least ten times the measured rest (1m)",
			r.Requests.Cpu().Cmp(resource.MustParse("10m")) >= 0},
		{"cpu limit above the request", r.Limits.Cpu().Cmp(*r.Requests.Cpu()) > 0},
		{"fifty portals' cpu fits 2 cores less managers and a Job (1550m)",
			func() bool { q := fifty(*r.Requests.Cpu()); return q.Cmp(resource.MustParse("1550m")) <= 0 }()},
		{"fifty portals' memory fits 8 GiB",
			func() bool { q := fifty(*r.Requests.Memory()); return q.Cmp(resource.MustParse("8Gi")) <= 0 }()},
	}
	for _, c := range cases {
		if !c.ok {
			t.Errorf("%s: not so (requests %v, limits %v)", c.name, r.Requests, r.Limits)
		}
	}
}

// spec.portal.resources replaces the defaults whole.
func TestPortalResourcesFromSpec(t *testing.T) {
	cr := hengshan()
	want := corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("200Mi")}}
	cr.Spec.Portal.Resources = &want
	got := Deployment(cr, Inputs{PortalImage: "img:1"}, "abc").Spec.Template.Spec.Containers[0].Resources
	if !got.Requests.Memory().Equal(resource.MustParse("200Mi")) || len(got.Limits) != 0 || len(got.Requests) != 1 {
		t.Fatalf("resources %+v, want the spec's %+v", got, want)
	}
	def := Deployment(hengshan(), Inputs{PortalImage: "img:1"}, "abc").Spec.Template.Spec.Containers[0].Resources
	if !def.Requests.Memory().Equal(resource.MustParse("128Mi")) || !def.Requests.Cpu().Equal(resource.MustParse("20m")) {
		t.Fatalf("default requests %v, want 20m and 128Mi", def.Requests)
	}
}
