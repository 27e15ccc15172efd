package runs

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/limits"
)

// Manual runs applied by hand in a county's namespace are bounded as the
// portal's "generate now" is: a second one of a period whose run is still
// going is refused, and so is one past limits.ManualRunsPerCounty; the
// oldest go ahead. (Jobs never finish in envtest: the first runs stay
// Running.)
func TestManualRunsBoundedInTheOperator(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "manual")
	startHarness(t, ns, harnessOptions{})
	cr := newCounty(ns, "hengshan", "910031")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	periods := []string{"2023-01", "2023-01", "2022-12", "2022-11"}
	for _, p := range periods[2:] {
		if _, err := archive.PutDataset(ctx, p, hengshanDataset(t)); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range periods {
		r := newRun(ns, "hengshan", p)
		r.Name = fmt.Sprintf("m%d-%s", i, p)
		r.Spec.Reason = v1alpha1.RunManual
		create(t, r)
		// One after another, so that each is older than the next.
		g.Eventually(func(g Gomega) {
			g.Expect(run(g, ns, r.Name).Status.Phase).NotTo(BeEmpty())
		}, wait).Should(Succeed())
	}
	want := map[string]v1alpha1.RunPhase{
		"m0-2023-01": v1alpha1.RunRunning, "m1-2023-01": v1alpha1.RunFailed,
		"m2-2022-12": v1alpha1.RunRunning, "m3-2022-11": v1alpha1.RunFailed,
	}
	if limits.ManualRunsPerCounty != 2 {
		t.Fatalf("the test expects limits.ManualRunsPerCounty = 2, not %d", limits.ManualRunsPerCounty)
	}
	for name, phase := range want {
		g.Eventually(func(g Gomega) {
			r := run(g, ns, name)
			g.Expect(r.Status.Phase).To(Equal(phase), "%s: %+v", name, r.Status)
			if phase == v1alpha1.RunFailed {
				g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonTooManyRuns))
				g.Expect(r.Status.Attempts).To(BeZero(), "nothing was started")
			}
		}, wait).Should(Succeed())
	}
	g.Expect(run(g, ns, "m1-2023-01").Status.Message).To(ContainSubstring("m0-2023-01"))
	g.Expect(run(g, ns, "m3-2022-11").Status.Message).To(ContainSubstring("上限 2"))
}
