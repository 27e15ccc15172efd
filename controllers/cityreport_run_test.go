package controllers

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/render/pdftest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

// rankedCity is a city of two members that submitted 2026-09, ranked on
// GDP growth, with its storage ready.
func rankedCity(t *testing.T, g *WithT, name, code string) (*v1alpha1.CityReport, []*v1alpha1.CountyReport) {
	t.Helper()
	a := countyInCity(t, g, name+"-a", code[:5]+"1", name)
	b := countyInCity(t, g, name+"-b", code[:5]+"2", name)
	for cr, slug := range map[*v1alpha1.CountyReport]string{a: "hengnan", b: "qidong"} {
		_, err := admin.Archive(cr.Status.Bucket).PutDataset(testCtx, "2026-09", sampleDataset(t, slug))
		g.Expect(err).NotTo(HaveOccurred())
	}
	city := newCity(t, name, code, v1alpha1.CityMember{Code: a.Spec.County.Code}, v1alpha1.CityMember{Code: b.Spec.County.Code})
	city.Spec.Ranking = v1alpha1.RankingSpec{Method: v1alpha1.RankEfficacy,
		Indicators: []v1alpha1.RankedIndicator{{ID: "gdp", Measure: v1alpha1.MeasureChange, Weight: 1, Direction: v1alpha1.HigherIsBetter}}}
	// As a manifest without spec.schedule defaults it (a Go client sends
	// schedule: {}, which takes the county's default cron).
	city.Spec.Schedule = v1alpha1.ScheduleSpec{Cron: "0 6 6 * *", TimeZone: "Asia/Shanghai"}
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(cityCondition(got, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(got.Status.Ranking).NotTo(BeNil())
		g.Expect(got.Status.Members).To(HaveLen(2))
		*city = *got
	}, wait).Should(Succeed())
	return city, []*v1alpha1.CountyReport{a, b}
}

func getRun(g Gomega, ns, name string) *v1alpha1.ReportRun {
	run := &v1alpha1.ReportRun{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: ns, Name: name}, run)).To(Succeed())
	return run
}

func succeededRun(g *WithT, ns, name string) *v1alpha1.ReportRun {
	var run *v1alpha1.ReportRun
	g.Eventually(func(g Gomega) {
		run = getRun(g, ns, name)
		g.Expect(run.Status.Phase).To(Equal(v1alpha1.RunSucceeded), "%+v", run.Status)
	}, wait).Should(Succeed())
	return run
}

func artifact(run *v1alpha1.ReportRun, key string) v1alpha1.Artifact {
	for _, a := range run.Status.Artifacts {
		if a.Key == key {
			return a
		}
	}
	return v1alpha1.Artifact{}
}

// The city's schedule fires at 06:00 on the 6th (Asia/Shanghai): a
// ReportRun for the month before, in the city's namespace, which the
// ReportRun reconciler renders into the city's bucket; status shows the
// report and the next run, and a second look creates no second run.
func TestCityRunFiresOnSchedule(t *testing.T) {
	g := NewWithT(t)
	city, _ := rankedCity(t, g, "city-sched", "997700")
	ns := tenant.CityNamespace(city)

	// The suite's manager (its clock at 2026-10-15 02:00 UTC) shows the next run.
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.NextRun).NotTo(BeNil())
		g.Expect(got.Status.NextRun.UTC()).To(Equal(time.Date(2026, 11, 5, 22, 0, 0, 0, time.UTC)))
		g.Expect(got.Status.NextRunLocal).To(ContainSubstring("2026-11-06 06:00"))
	}, wait).Should(Succeed())

	// A reconciler whose clock is 30 s past 6 October 06:00 in Shanghai, and
	// which sees the city as created on 1 September (the API server stamps
	// the real time, which is after the fake clock's).
	clk := clocktesting.NewFakeClock(time.Date(2026, 10, 5, 22, 0, 30, 0, time.UTC))
	r := cityReconciler(clk)
	r.Client = testenv.Created(mgrClient, func(o metav1.Object) time.Time {
		if _, ok := o.(*v1alpha1.CityReport); ok {
			return time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
		}
		return o.GetCreationTimestamp().Time
	})
	req := reconcile.Request{NamespacedName: client.ObjectKey{Name: city.Name}}
	g.Eventually(func() error { _, err := r.Reconcile(testCtx, req); return err }, wait).Should(Succeed())

	runName := city.Name + "-2026-09"
	run := succeededRun(g, ns, runName)
	g.Expect(run.Spec.Reason).To(Equal(v1alpha1.RunScheduled))
	g.Expect(run.Spec.CityReportName).To(Equal(city.Name))
	g.Expect(run.Labels).To(HaveKeyWithValue(v1alpha1.LabelCity, "997700"))
	g.Expect(metav1.GetControllerOf(run)).NotTo(BeNil())
	g.Expect(metav1.GetControllerOf(run).Kind).To(Equal("CityReport"))
	pdf := artifact(run, "reports/2026-09/report.pdf")
	g.Expect(pdf.SHA256).NotTo(BeEmpty(), "artifacts %+v", run.Status.Artifacts)
	g.Expect(run.Status.Pages).To(BeNumerically(">=", 4))

	// The PDF is in the city's own bucket, complete (manifest last).
	rep, err := admin.Archive(city.Status.Bucket).Verify(testCtx, "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rep.Manifest.Options.Template).To(Equal("city"))
	g.Expect(rep.Manifest.Options.Language).To(Equal("zh-CN"), "the default edition")
	data, _, err := admin.Archive(city.Status.Bucket).Get(testCtx, "2026-09", "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(manifest.FileOf("report.pdf", data).SHA256).To(Equal(pdf.SHA256))
	// The ranking the report shows is the one the city stored for the month.
	g.Expect(artifact(run, "reports/2026-09/ranking.json").SHA256).To(Equal(getCity(g, city.Name).Status.Ranking.SHA256))
	g.Expect(rep.Manifest.DatasetSHA256).To(Equal(getCity(g, city.Name).Status.Ranking.SHA256), "the report names the ranking it shows")

	// The city's status shows the report.
	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.LastReport).NotTo(BeNil())
		g.Expect(got.Status.LastReport.Period).To(Equal("2026-09"))
		g.Expect(got.Status.LastReport.SHA256).To(Equal(pdf.SHA256))
		g.Expect(got.Status.LastReport.Keys).To(ContainElement("reports/2026-09/report.pdf"))
		g.Expect(got.Status.LastScheduleTime).NotTo(BeNil())
		g.Expect(got.Status.LastScheduleTime.UTC()).To(Equal(time.Date(2026, 10, 5, 22, 0, 0, 0, time.UTC)))
		g.Expect(cityCondition(got, v1alpha1.ConditionReportUpToDate).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())

	// Later looks make no second run.
	clk.Step(time.Hour)
	g.Eventually(func() error { _, err := r.Reconcile(testCtx, req); return err }, wait).Should(Succeed())
	var runs v1alpha1.ReportRunList
	g.Expect(k8s.List(testCtx, &runs, client.InNamespace(ns))).To(Succeed())
	g.Expect(runs.Items).To(HaveLen(1))
}

// "Generate now": a ReportRun with reason Manual, as tenant.CityRun builds
// it, renders the city's report; a second one of the same inputs gives the
// same bytes.
func TestCityRunOnDemandIsReproducible(t *testing.T) {
	g := NewWithT(t)
	city, _ := rankedCity(t, g, "city-manual", "997710")
	ns := tenant.CityNamespace(city)

	first := tenant.CityRun(city, "2026-09", v1alpha1.RunManual, "tester")
	g.Expect(first.Namespace).To(Equal(ns))
	g.Expect(k8s.Create(testCtx, first)).To(Succeed())
	g.Expect(first.Name).To(HavePrefix(city.Name + "-2026-09-manual-"))
	a := succeededRun(g, ns, first.Name)
	g.Expect(metav1.GetControllerOf(a)).NotTo(BeNil(), "the run is adopted by its city")
	g.Expect(metav1.GetControllerOf(a).Name).To(Equal(city.Name))

	second := tenant.CityRun(city, "2026-09", v1alpha1.RunManual, "")
	g.Expect(k8s.Create(testCtx, second)).To(Succeed())
	b := succeededRun(g, ns, second.Name)
	// Publishing skips only a manifest identical to the stored one, and the
	// manifest carries each file's SHA-256: equal artifacts are equal bytes.
	for _, key := range []string{"reports/2026-09/report.pdf", "reports/2026-09/ranking.json", "reports/2026-09/manifest.json"} {
		g.Expect(artifact(b, key)).To(Equal(artifact(a, key)), key)
		g.Expect(artifact(a, key).SHA256).NotTo(BeEmpty(), key)
	}

	// Rendered again, apart from the runs: the same bytes.
	r := cityReconciler(fakeClock)
	rep1, err := r.RenderCity(testCtx, getCity(g, city.Name), "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	rep2, err := r.RenderCity(testCtx, getCity(g, city.Name), "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(Artifacts(rep2)).To(Equal(Artifacts(rep1)))
	g.Expect(Artifacts(rep1)).To(Equal(a.Status.Artifacts))

	g.Eventually(func(g Gomega) {
		got := getCity(g, city.Name)
		g.Expect(got.Status.LastReport).NotTo(BeNil())
		g.Expect(got.Status.LastReport.SHA256).To(Equal(artifact(a, "reports/2026-09/report.pdf").SHA256))
	}, wait).Should(Succeed())

	// The datasets were stored by this test, not submitted through the
	// portal (no submission record, no verdict): the report says they were
	// compiled from the sources they name, and shows no submission state.
	zh, _, err := admin.Archive(city.Status.Bucket).Get(testCtx, "2026-09", "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pdftest.Text(t, zh, 1, 2)).To(And(ContainSubstring("据公开资料整理"), ContainSubstring("报送截止"), Not(ContainSubstring("已报送待审核"))))

	// The English edition: the manifest records it, and the PDF is another.
	en := getCity(g, city.Name)
	en.Spec.Report.Language = "en"
	rep3, err := r.RenderCity(testCtx, en, "2026-09")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rep3.Manifest.Options.Language).To(Equal("en"))
	g.Expect(rep3.Manifest.Title).NotTo(ContainSubstring("县(市)"))
	pdf, _, err := admin.Archive(city.Status.Bucket).Get(testCtx, "2026-09", "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(manifest.FileOf("report.pdf", pdf).SHA256).NotTo(Equal(artifact(a, "reports/2026-09/report.pdf").SHA256))
	g.Expect(pdftest.Text(t, pdf, 1, 2)).To(And(ContainSubstring("Comparison of the counties and cities"), ContainSubstring("1. Submissions and sources"),
		ContainSubstring("Compiled from published sources")))
}

// A city's run renders only from the city's namespace and only into the
// city's own bucket.
func TestCityRunCannotReachACounty(t *testing.T) {
	g := NewWithT(t)
	victim := countyInCity(t, g, "run-victim", "997721", "city-guard")
	city := newCity(t, "city-guard", "997720", v1alpha1.CityMember{Code: victim.Spec.County.Code})
	g.Expect(k8s.Create(testCtx, city)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, city.Name), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())

	// A county's editor writes a run naming the city in the county's namespace.
	attack := &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{Name: "city-from-county", Namespace: victim.Namespace},
		Spec:       v1alpha1.ReportRunSpec{CityReportName: city.Name, Period: "2026-08", Reason: v1alpha1.RunManual},
	}
	g.Expect(k8s.Create(testCtx, attack)).To(Succeed())
	g.Eventually(func(g Gomega) {
		run := getRun(g, victim.Namespace, attack.Name)
		g.Expect(run.Status.Phase).To(Equal(v1alpha1.RunFailed))
		g.Expect(run.Status.Reason).To(Equal(v1alpha1.RunReasonWrongNamespace))
		g.Expect(run.Status.Message).To(ContainSubstring("city-" + city.Name))
		g.Expect(run.Status.Attempts).To(BeZero())
		g.Expect(run.OwnerReferences).To(BeEmpty(), "a refused run is adopted by nobody")
	}, wait).Should(Succeed())
	cityBucket := getCity(g, city.Name).Status.Bucket
	for _, bucket := range []string{cityBucket, victim.Status.Bucket} {
		_, err := admin.Archive(bucket).Report(testCtx, "2026-08")
		g.Expect(errors.Is(err, storage.ErrNotFound)).To(BeTrue(), "%s: %v", bucket, err)
	}

	// The schema refuses a run naming both a county and a city, or neither.
	for name, spec := range map[string]string{
		"both":    "{countyReportName: " + victim.Name + ", cityReportName: " + city.Name + ", period: \"2026-08\"}",
		"neither": "{period: \"2026-08\"}",
	} {
		manifest := "apiVersion: reporting.countyreport.io/v1alpha1\nkind: ReportRun\nmetadata: {name: " + name + ", namespace: city-" + city.Name + "}\nspec: " + spec + "\n"
		out, err := env.RunKubectl(manifest, "apply", "-f", "-")
		g.Expect(err).To(HaveOccurred(), "%s accepted:\n%s", name, out)
		g.Expect(out).To(ContainSubstring("exactly one of countyReportName and cityReportName"), name)
	}

	// A city whose spec names a county's bucket gets no storage, and its
	// runs render nothing into that bucket: they wait for the city's archive.
	thief := newCity(t, "city-run-thief", "997722")
	thief.Spec.Storage.Bucket = victim.Status.Bucket
	g.Expect(k8s.Create(testCtx, thief)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(cityCondition(getCity(g, thief.Name), v1alpha1.ConditionStorageReady).Reason).To(Equal(v1alpha1.ReasonBucketNotOwned))
	}, wait).Should(Succeed())
	steal := tenant.CityRun(getCity(g, thief.Name), "2026-08", v1alpha1.RunManual, "")
	g.Expect(k8s.Create(testCtx, steal)).To(Succeed())
	g.Eventually(func(g Gomega) {
		run := getRun(g, steal.Namespace, steal.Name)
		g.Expect(run.Status.Reason).To(Equal(v1alpha1.RunReasonCityNotReady), "%+v", run.Status)
		g.Expect(run.Status.Phase).To(Equal(v1alpha1.RunPending))
	}, wait).Should(Succeed())
	// Even a status claiming the county's bucket is ready is refused: the
	// bucket's recorded owner is the county.
	forged := getCity(g, thief.Name)
	forged.Status.Bucket = victim.Status.Bucket
	meta.SetStatusCondition(&forged.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStorageReady, Status: metav1.ConditionTrue, Reason: "Forged"})
	_, err := cityReconciler(fakeClock).RenderCity(testCtx, forged, "2026-08")
	g.Expect(errors.Is(err, errCityNotReady)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring(victim.Name))
	_, err = admin.Archive(victim.Status.Bucket).Report(testCtx, "2026-08")
	g.Expect(errors.Is(err, storage.ErrNotFound)).To(BeTrue(), "the county's bucket got a report: %v", err)
	g.Expect(apierrors.IsNotFound(k8s.Get(testCtx, client.ObjectKey{Namespace: victim.Namespace, Name: victim.Name + "-2026-08"}, &v1alpha1.ReportRun{}))).To(BeTrue())
}
