package runs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
)

func newRun(ns, county, period string) *v1alpha1.ReportRun {
	return &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{Name: county + "-" + period, Namespace: ns},
		Spec:       v1alpha1.ReportRunSpec{CountyReportName: county, Period: period},
	}
}

func run(g Gomega, ns, name string) *v1alpha1.ReportRun {
	r := &v1alpha1.ReportRun{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, r)).To(Succeed())
	return r
}

// hengshanDataset is the sample dataset in its canonical JSON form, as the portal stores it.
// withHengshanJanuary puts Hengshan's January 2023 dataset into cr's bucket
// and returns the archive, as staff submitting that month would leave it.
func withHengshanJanuary(t *testing.T, srv *miniotest.Server, cr *v1alpha1.CountyReport) *storage.Archive {
	t.Helper()
	archive := storageFor(t, srv, cr)
	if _, err := archive.PutDataset(ctx, "2023-01", hengshanDataset(t)); err != nil {
		t.Fatal(err)
	}
	return archive
}

// januaryRun makes Hengshan in a fresh namespace, with its January 2023
// dataset in srv and a ReportRun for 2023-01; it returns the namespace and
// the county's archive.
func januaryRun(t *testing.T, srv *miniotest.Server, prefix, code string) (string, *storage.Archive) {
	t.Helper()
	ns := namespace(t, prefix)
	cr := newCounty(ns, "hengshan", code)
	create(t, cr)
	archive := withHengshanJanuary(t, srv, cr)
	create(t, newRun(ns, "hengshan", "2023-01"))
	return ns, archive
}

func hengshanDataset(t *testing.T) []byte {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "config", "samples", "datasets", "hengshan-2023-01.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Parse(raw, path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ds.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func inProcess(mgr ctrl.Manager) executor.Executor {
	return executor.NewInProcess(&executor.Archives{Reader: mgr.GetAPIReader()}, 2)
}

func TestRunNamingMissingCountyReportFails(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "missing")
	startHarness(t, ns, harnessOptions{})
	create(t, newRun(ns, "nowhere", "2026-10"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "nowhere-2026-10")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunFailed))
		g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonCountyReportNotFound))
		g.Expect(r.Status.Message).To(And(ContainSubstring(`"nowhere"`), ContainSubstring(ns), ContainSubstring("does not exist")))
		g.Expect(r.Status.CompletionTime).NotTo(BeNil())
	}, wait).Should(Succeed())
}

func TestFuturePeriodIsRefused(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "future")
	startHarness(t, ns, harnessOptions{})
	create(t, newCounty(ns, "hengshan", "910001"))
	future := time.Now().AddDate(0, 3, 0).Format("2006-01")
	create(t, newRun(ns, "hengshan", future))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-"+future)
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunFailed))
		g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonFuturePeriod))
		g.Expect(r.Status.Message).To(ContainSubstring("Asia/Shanghai"))
		g.Expect(r.Status.Attempts).To(BeZero())
	}, wait).Should(Succeed())
	// The run is owned by its county, and no Job was made.
	r := run(g, ns, "hengshan-"+future)
	g.Expect(metav1.GetControllerOf(r)).NotTo(BeNil())
	g.Expect(metav1.GetControllerOf(r).Name).To(Equal("hengshan"))
	var jobs batchv1.JobList
	g.Expect(k8s.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	g.Expect(jobs.Items).To(BeEmpty())
}

// completeJob plays the Job controller and kubelet, which envtest lacks.
func finishJob(g Gomega, ns, name string, ok bool) {
	job := &batchv1.Job{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, job)).To(Succeed())
	now := metav1.Now()
	job.Status.StartTime = &now
	if ok {
		job.Status.Succeeded = 1
		job.Status.CompletionTime = &now
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now, Reason: "CompletionsReached"},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now, Reason: "CompletionsReached"},
		}
	} else {
		job.Status.Failed = 1
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now, Reason: "BackoffLimitExceeded"},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
		}
	}
	g.Expect(k8s.Status().Update(ctx, job)).To(Succeed())
}

func TestJobExecutor(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "job")
	startHarness(t, ns, harnessOptions{})
	cr := newCounty(ns, "hengshan", "910002")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	create(t, newRun(ns, "hengshan", "2023-01"))

	// The Job: the scoped Secret, the command, the security settings, owned by the run.
	job := &batchv1.Job{}
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunRunning))
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
		g.Expect(r.Status.JobName).To(Equal("hengshan-2023-01-1"))
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: r.Status.JobName}, job)).To(Succeed())
	}, wait).Should(Succeed())
	r := run(g, ns, "hengshan-2023-01")
	g.Expect(metav1.IsControlledBy(job, r)).To(BeTrue())
	g.Expect(ptr.Deref(job.Spec.BackoffLimit, -1)).To(BeNumerically(">=", 0))
	g.Expect(job.Spec.ActiveDeadlineSeconds).NotTo(BeNil())
	g.Expect(job.Spec.TTLSecondsAfterFinished).NotTo(BeNil())
	g.Expect(job.Labels).To(HaveKeyWithValue(v1alpha1.LabelCounty, "910002"))
	pod := job.Spec.Template.Spec
	g.Expect(ptr.Deref(pod.AutomountServiceAccountToken, true)).To(BeFalse())
	g.Expect(ptr.Deref(pod.SecurityContext.RunAsNonRoot, false)).To(BeTrue())
	g.Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
	c := pod.Containers[0]
	g.Expect(c.Image).To(Equal("countyreport:test"))
	g.Expect(c.Args).To(Equal([]string{"generate", "--period", "2023-01", "--publish", "--lang", "zh-CN"}))
	g.Expect(ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false)).To(BeTrue())
	g.Expect(ptr.Deref(c.SecurityContext.AllowPrivilegeEscalation, true)).To(BeFalse())
	g.Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
	envs := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			g.Expect(e.ValueFrom.SecretKeyRef.Name).To(Equal(tenant.CredentialsSecretName(cr)), e.Name)
			envs[e.Name] = e.ValueFrom.SecretKeyRef.Key
		} else {
			g.Expect(e.Name).NotTo(ContainSubstring("KEY"), "a credential passed in clear")
		}
	}
	g.Expect(envs).To(Equal(map[string]string{
		storage.EnvEndpoint: tenant.SecretEndpoint, storage.EnvAccessKey: tenant.SecretAccessKey,
		storage.EnvSecretKey: tenant.SecretSecretKey, storage.EnvSessionToken: tenant.SecretSessionToken,
		storage.EnvInsecure: tenant.SecretInsecure, storage.EnvBucket: tenant.SecretBucket,
	}))

	// The first Job fails: a second attempt gets a new Job.
	g.Eventually(func(g Gomega) { finishJob(g, ns, "hengshan-2023-01-1", false) }, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Attempts).To(Equal(int32(2)))
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunRunning))
		g.Expect(r.Status.JobName).To(Equal("hengshan-2023-01-2"))
	}, wait).Should(Succeed())

	// What the Job would do: publish with the scoped credentials. Then it completes.
	if _, err := executor.RenderAndPublish(ctx, archive, "2023-01", "zh-CN", ""); err != nil {
		t.Fatal(err)
	}
	g.Eventually(func(g Gomega) { finishJob(g, ns, "hengshan-2023-01-2", true) }, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(run(g, ns, "hengshan-2023-01").Status.Phase).To(Equal(v1alpha1.RunSucceeded))
	}, wait).Should(Succeed())
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}

// checkArtifacts: the run's artifacts are the archive's manifest's.
func checkArtifacts(t *testing.T, g *WithT, r *v1alpha1.ReportRun, archive *storage.Archive) {
	t.Helper()
	rep, err := archive.Report(ctx, r.Spec.Period)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.Status.Pages).To(Equal(int32(rep.Pages)))
	g.Expect(r.Status.Pages).To(BeNumerically(">", 1))
	g.Expect(r.Status.CompletionTime).NotTo(BeNil())
	g.Expect(r.Status.StartTime).NotTo(BeNil())
	byKey := map[string]v1alpha1.Artifact{}
	for _, a := range r.Status.Artifacts {
		byKey[a.Key] = a
	}
	g.Expect(byKey).To(HaveLen(3))
	for _, o := range rep.Artifacts {
		g.Expect(byKey).To(HaveKeyWithValue(o.Key, v1alpha1.Artifact{Key: o.Key, Size: o.Size, SHA256: o.SHA256}))
	}
	g.Expect(byKey).To(HaveKey("reports/" + r.Spec.Period + "/manifest.json"))
	g.Expect(byKey["reports/"+r.Spec.Period+"/manifest.json"].Size).To(Equal(int64(len(rep.ManifestJSON()))))
}

func TestInProcessRendersFromTheArchive(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "inprocess")
	clk := fakeClockAt(time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC))
	h := startHarness(t, ns, harnessOptions{clock: clk, executor: inProcess})
	cr := newCounty(ns, "hengshan", "910003")
	create(t, cr)
	archive := withHengshanJanuary(t, minio, cr)
	create(t, newRun(ns, "hengshan", "2023-01"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
	}, wait).Should(Succeed())
	r := run(g, ns, "hengshan-2023-01")
	checkArtifacts(t, g, r, archive)
	// The run was owned by its county on the way.
	g.Expect(metav1.GetControllerOf(r).UID).To(Equal(cr.UID))

	// status.lastReport matches the manifest.
	reconcileCounty(t, h, cr)
	rep, err := archive.Report(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())
	pdf, _ := rep.Artifact("report.pdf")
	got := county(g, ns, "hengshan").Status.LastReport
	g.Expect(got).NotTo(BeNil())
	g.Expect(got.Period).To(Equal("2023-01"))
	g.Expect(got.SHA256).To(Equal(pdf.SHA256))
	g.Expect(got.Pages).To(Equal(int32(rep.Pages)))
	g.Expect(got.Keys).To(ConsistOf("reports/2023-01/report.pdf", "reports/2023-01/bundle.zip", "reports/2023-01/manifest.json"))
	g.Expect(condition(county(g, ns, "hengshan"), v1alpha1.ConditionReportUpToDate).Status).To(Equal(metav1.ConditionTrue))

	// A period without data fails with NoData, and the previous report is untouched.
	create(t, newRun(ns, "hengshan", "2022-12"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2022-12")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunFailed))
		g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonNoData))
		g.Expect(r.Status.Message).To(And(ContainSubstring("2022-12 没有数据"), ContainSubstring("data/2022-12/dataset.json"), ContainSubstring("no dataset for 2022-12")))
		g.Expect(r.Status.Attempts).To(Equal(int32(1)))
	}, wait).Should(Succeed())
	after, err := archive.Report(ctx, "2023-01")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after.ManifestVersionID).To(Equal(rep.ManifestVersionID))
	if _, err := archive.Report(ctx, "2022-12"); err == nil {
		t.Error("a failed run left a report for 2022-12")
	}
}

func TestJobExecutorNoData(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t, "jobnodata")
	startHarness(t, ns, harnessOptions{})
	cr := newCounty(ns, "hengshan", "910004")
	create(t, cr)
	storageFor(t, minio, cr)
	create(t, newRun(ns, "hengshan", "2026-10"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2026-10")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunFailed))
		g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonNoData))
		g.Expect(r.Status.Message).To(ContainSubstring("2026-10 没有数据（data/2026-10/dataset.json 不存在）/ no dataset for 2026-10"))
	}, wait).Should(Succeed())
	var jobs batchv1.JobList
	g.Expect(k8s.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	g.Expect(jobs.Items).To(BeEmpty(), "no Job is started for a period without data")
}

func TestStorageDownDuringRunIsRetried(t *testing.T) {
	g := NewWithT(t)
	srv := miniotest.Start(t)
	ns := namespace(t, "outage")
	startHarness(t, ns, harnessOptions{executor: inProcess, maxAttempts: 30})
	cr := newCounty(ns, "hengshan", "910005")
	create(t, cr)
	archive := withHengshanJanuary(t, srv, cr)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	create(t, newRun(ns, "hengshan", "2023-01"))
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Attempts).To(BeNumerically(">=", 1))
		g.Expect(r.Status.Reason).To(Equal(v1alpha1.RunReasonStorageUnavailable))
		g.Expect(r.Status.Phase).NotTo(Equal(v1alpha1.RunFailed))
	}, wait).Should(Succeed())
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	g.Eventually(func(g Gomega) {
		r := run(g, ns, "hengshan-2023-01")
		g.Expect(r.Status.Phase).To(Equal(v1alpha1.RunSucceeded), r.Status.Message)
		g.Expect(r.Status.Attempts).To(BeNumerically(">=", 2))
		g.Expect(strings.Contains(r.Status.Message, "published")).To(BeTrue())
	}, wait).Should(Succeed())
	checkArtifacts(t, g, run(g, ns, "hengshan-2023-01"), archive)
}

// The API server refuses a period the one period parser would refuse, with
// the field named; the same form is accepted.
func TestRunPeriodIsCheckedAtAdmission(t *testing.T) {
	ns := namespace(t, "admission")
	for in, ok := range map[string]bool{"2026-10": true, "1000-01": true, "0999-01": false, "2026-13": false, "2026-1": false, "26-10": false} {
		t.Run(in, func(t *testing.T) {
			r := newRun(ns, "hengshan", in)
			r.Name = "hengshan-" + strings.ReplaceAll(in, "-", "x")
			err := k8s.Create(ctx, r)
			if ok != (err == nil) || ok != period.Valid(in) {
				t.Fatalf("create with period %q: %v; period.Valid = %v", in, err, period.Valid(in))
			}
			if err != nil && !strings.Contains(err.Error(), "spec.period") {
				t.Fatalf("the error does not name spec.period: %v", err)
			}
		})
	}
}
