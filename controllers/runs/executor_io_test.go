package runs

import (
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/tenant"
)

// datasetPath is the path-style request path of cr's dataset of period.
func datasetPath(cr *v1alpha1.CountyReport, period string) string {
	return "/" + tenant.Bucket(cr) + "/data/" + period + "/dataset.json"
}

func attemptOf(cr *v1alpha1.CountyReport, uid types.UID) *v1alpha1.ReportRun {
	return &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{Name: cr.Name + "-2023-01", Namespace: cr.Namespace, UID: uid},
		Spec:       v1alpha1.ReportRunSpec{CountyReportName: cr.Name, Period: "2023-01"},
		Status:     v1alpha1.ReportRunStatus{Attempts: 1},
	}
}

// The in-process executor takes its render slot before it fetches the
// dataset, so datasets fetched and not yet rendered never pile up in
// memory: with one slot and the first attempt's dataset held up in the
// object store, the second attempt waits for the slot and fetches nothing.
func TestInProcessFetchesTheDatasetOnlyWithARenderSlot(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "slots")
	first, second := newCounty(ns, "hengshan", "910061"), newCounty(ns, "hengnan", "910062")
	create(t, first, second)
	proxy := newS3Proxy(t, minio)
	for _, cr := range []*v1alpha1.CountyReport{first, second} {
		withHengshanJanuary(t, minio, cr)
		proxy.through(t, cr)
	}
	firstGET := http.MethodGet + " " + datasetPath(first, "2023-01")
	secondGET := http.MethodGet + " " + datasetPath(second, "2023-01")
	proxy.hold = func(r *http.Request) bool { return r.Method+" "+r.URL.Path == firstGET }

	p := executor.NewInProcess(&executor.Archives{Reader: k8s}, 1)
	p.StartWait = -1 // Start returns at once; the attempts go on in the background
	runA, runB := attemptOf(first, "slots-a"), attemptOf(second, "slots-b")
	res, err := p.Start(ctx, runA, first)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.State).To(Equal(executor.Running))
	g.Eventually(func() int { return proxy.index(firstGET) }, wait).Should(BeNumerically(">=", 0))

	res, err = p.Start(ctx, runB, second)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.State).To(Equal(executor.Running))
	g.Eventually(func() bool { return p.Waiting() == 1 || proxy.index(secondGET) >= 0 }, wait).Should(BeTrue())
	g.Expect(proxy.seen()).NotTo(ContainElement(secondGET), "the second dataset was fetched while the first held the only render slot")
	g.Expect(p.Waiting()).To(Equal(1), "the second attempt queues for the render slot")

	proxy.let()
	for _, a := range []struct {
		run *v1alpha1.ReportRun
		cr  *v1alpha1.CountyReport
	}{{runA, first}, {runB, second}} {
		g.Eventually(func(g Gomega) {
			got, err := p.Poll(ctx, a.run, a.cr)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.State).To(Equal(executor.Succeeded), "%+v", got.Failure)
		}, wait).Should(Succeed())
	}
	g.Expect(proxy.index(secondGET)).To(BeNumerically(">", proxy.index("done "+firstGET)),
		"the second dataset is fetched after the first was answered")
	g.Expect(p.Waiting()).To(BeZero())
}

// The Job executor's preflight asks the object store whether the dataset
// exists (a HEAD) and never downloads it: the Job reads it itself.
func TestJobPreflightStatsTheDataset(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "preflight")
	h := startHarness(t, ns, harnessOptions{noRunController: true})
	cr := newCounty(ns, "hengshan", "910063")
	create(t, cr)
	proxy := newS3Proxy(t, minio)
	withHengshanJanuary(t, minio, cr)
	proxy.through(t, cr)
	r := newRun(ns, "hengshan", "2023-01")
	create(t, r)
	r = run(g, ns, "hengshan-2023-01")
	r.Status.Attempts = 1

	res, err := jobExecutor(h.mgr).Start(ctx, r, county(g, ns, "hengshan"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.State).To(Equal(executor.Running))
	g.Expect(proxy.seen()).To(ContainElement(http.MethodHead + " " + datasetPath(cr, "2023-01")))
	g.Expect(proxy.seen()).NotTo(ContainElement(http.MethodGet+" "+datasetPath(cr, "2023-01")), "the preflight downloaded the dataset")
}
