//go:build e2e

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
	objects "github.com/countyreport/countyreport/internal/tenant"
)

// seedDatasets stores the samples' datasets of period into their
// counties' buckets with the admin credentials, as `make demo` does (staff
// would submit them through the portal; that path has its own tests).
// Counties that have one keep it.
func (s *suite) seedDatasets(t *testing.T) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.root, "config", "samples", "datasets", "*-"+period+".yaml"))
	must(t, err)
	if len(files) == 0 {
		t.Fatalf("no config/samples/datasets/*-%s.yaml", period)
	}
	admin, err := storage.New(s.minio)
	must(t, err)
	for _, f := range files {
		slug := strings.TrimSuffix(filepath.Base(f), "-"+period+".yaml")
		tn, ok := countyBySlug(slug)
		if !ok {
			t.Fatalf("%s: no sample county %q", f, slug)
		}
		cr := s.countyReport(t, tn)
		a := admin.Archive(cr.Status.Bucket)
		if _, err := a.StatDataset(s.ctx, period); err == nil {
			continue
		}
		raw, err := os.ReadFile(f)
		must(t, err)
		ds, err := dataset.Parse(raw, filepath.Base(f))
		must(t, err)
		norm, err := ds.Normalized()
		must(t, err)
		if _, err := a.PutDataset(s.ctx, period, norm); err != nil {
			t.Fatalf("store %s into %s: %v", f, cr.Status.Bucket, err)
		}
	}
}

func countyBySlug(slug string) (tenant, bool) {
	for _, tn := range counties {
		if tn.slug == slug {
			return tn, true
		}
	}
	return tenant{}, false
}

// createRun creates a Manual ReportRun of the county's period named name.
func (s *suite) createRun(t *testing.T, tn tenant, name string) *v1alpha1.ReportRun {
	t.Helper()
	run := &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: tn.ns},
		Spec:       v1alpha1.ReportRunSpec{CountyReportName: tn.slug, Period: period, Reason: v1alpha1.RunManual},
	}
	if err := s.c.Create(s.ctx, run); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return run
}

// waitRun waits until the run Succeeded and returns it; a Failed run fails
// the test at once with its reason.
func (s *suite) waitRun(t *testing.T, key client.ObjectKey, timeout time.Duration) *v1alpha1.ReportRun {
	t.Helper()
	run := &v1alpha1.ReportRun{}
	s.eventually(t, "ReportRun "+key.String()+" Succeeded", timeout, func() (bool, string) {
		if err := s.c.Get(s.ctx, key, run); err != nil {
			return false, err.Error()
		}
		if run.Status.Phase == v1alpha1.RunFailed {
			s.dump(t, key.Namespace)
			t.Fatalf("ReportRun %s Failed (%s): %s", key, run.Status.Reason, run.Status.Message)
		}
		return run.Status.Phase == v1alpha1.RunSucceeded,
			fmt.Sprintf("phase %q attempts %d reason %s: %s", run.Status.Phase, run.Status.Attempts, run.Status.Reason, run.Status.Message)
	}, key.Namespace, releaseNS)
	return run
}

// storyJobRun: a ReportRun with the Job executor runs a real Job pod in a
// namespace with Pod Security "restricted" enforced, non-root with a
// read-only root, publishing with the county's scoped credentials; the run
// Succeeds and the PDF downloads from the county's portal.
func (s *suite) storyJobRun(t *testing.T) {
	s.seedDatasets(t)
	tn := counties[2] // 衡山县
	run := s.createRun(t, tn, "hengshan-"+period+"-e2e")
	run = s.waitRun(t, client.ObjectKeyFromObject(run), 10*time.Minute)
	if run.Status.JobName == "" {
		t.Fatalf("ReportRun %s Succeeded without a Job (status.jobName empty): is the executor job?", run.Name)
	}
	s.checkJobPod(t, tn, run)
	s.downloadReport(t, tn, run)
}

// checkJobPod checks the run's Job: one pod that Succeeded, non-root, read
// only, no service account token, with the county's scoped credentials
// Secret and never the admin's.
func (s *suite) checkJobPod(t *testing.T, tn tenant, run *v1alpha1.ReportRun) {
	t.Helper()
	var job batchv1.Job
	must(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: tn.ns, Name: run.Status.JobName}, &job))
	if job.Status.Succeeded < 1 {
		t.Fatalf("Job %s: %d pods succeeded, want 1", job.Name, job.Status.Succeeded)
	}
	var pods corev1.PodList
	must(t, s.c.List(s.ctx, &pods, client.InNamespace(tn.ns), client.MatchingLabels{"batch.kubernetes.io/job-name": job.Name}))
	var ran *corev1.Pod
	for i := range pods.Items {
		if pods.Items[i].Status.Phase == corev1.PodSucceeded {
			ran = &pods.Items[i]
		}
	}
	if ran == nil {
		t.Fatalf("Job %s has no Succeeded pod: %s", job.Name, podsState(pods.Items))
	}
	c := ran.Spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("Job pod %s: container security context %+v, want non-root with a read-only root", ran.Name, sc)
	}
	if ran.Spec.AutomountServiceAccountToken == nil || *ran.Spec.AutomountServiceAccountToken {
		t.Errorf("Job pod %s mounts a service account token", ran.Name)
	}
	cr := s.countyReport(t, tn)
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != cr.Status.CredentialsSecretName {
			t.Errorf("Job pod %s reads %s from Secret %s, want only the county's scoped %s",
				ran.Name, e.Name, e.ValueFrom.SecretKeyRef.Name, cr.Status.CredentialsSecretName)
		}
	}
	if len(c.EnvFrom) != 0 {
		t.Errorf("Job pod %s takes its whole environment from %+v", ran.Name, c.EnvFrom)
	}
	if psc := ran.Spec.SecurityContext; psc != nil && psc.RunAsUser != nil {
		t.Logf("Job %s ran pod %s on %s as uid %d", job.Name, ran.Name, ran.Spec.NodeName, *psc.RunAsUser)
	}
}

// downloadReport signs in to the tenant's portal through port-forward and
// downloads the period's PDF: what the run's status says was published.
func (s *suite) downloadReport(t *testing.T, tn tenant, run *v1alpha1.ReportRun) []byte {
	t.Helper()
	var want string
	for _, a := range run.Status.Artifacts {
		if strings.HasSuffix(a.Key, "/report.pdf") {
			want = a.SHA256
		}
	}
	if want == "" {
		t.Fatalf("ReportRun %s lists no report.pdf: %+v", run.Name, run.Status.Artifacts)
	}
	st := s.signIn(t, s.portForward(t, tn), s.password(t, tn))
	var pdf []byte
	s.eventually(t, tn.name+"'s portal serves the "+period+" PDF", 2*time.Minute, func() (bool, string) {
		code, body, err := st.get("/reports/" + period + "/report.pdf")
		if err != nil {
			return false, err.Error()
		}
		if code != http.StatusOK {
			return false, fmt.Sprintf("status %d: %.300s", code, body)
		}
		pdf = body
		return true, ""
	}, tn.ns)
	sum := sha256.Sum256(pdf)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || hex.EncodeToString(sum[:]) != want {
		t.Fatalf("the portal's report.pdf (%d bytes, SHA-256 %x) is not the published one (%s)", len(pdf), sum, want)
	}
	t.Logf("%s: report.pdf of %s, %d bytes, %d pages, downloaded through the portal", tn.name, period, len(pdf), run.Status.Pages)
	return pdf
}

// storyCityRun: the city's monthly report, rendered on demand (a city's
// runs render in the manager whatever the executor), published to the
// city's archive, downloadable from the city's portal.
func (s *suite) storyCityRun(t *testing.T) {
	s.seedDatasets(t)
	var c v1alpha1.CityReport
	must(t, s.c.Get(s.ctx, client.ObjectKey{Name: city.slug}, &c))
	run := objects.CityRun(&c, period, v1alpha1.RunManual, "e2e")
	must(t, s.c.Create(s.ctx, run))
	run = s.waitRun(t, client.ObjectKeyFromObject(run), 10*time.Minute)
	s.downloadReport(t, city, run)
}

// manifestVersions counts the versions of the period's manifest.json in a
// bucket (versioning is on): a report published once has one.
func (s *suite) manifestVersions(t *testing.T, bucket string) int {
	t.Helper()
	mc, err := minio.New(s.minio.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.minio.AccessKey, s.minio.SecretKey, ""), Secure: false})
	must(t, err)
	n := 0
	key := "reports/" + period + "/manifest.json"
	for o := range mc.ListObjects(s.ctx, bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		must(t, o.Err)
		if o.Key == key && !o.IsDeleteMarker {
			n++
		}
	}
	return n
}

// verifyPublished checks the county's period end to end in its bucket:
// the manifest there, every artifact it lists present with its SHA-256,
// nothing else under reports/<period>/ (nothing half-published), and the
// manifest written exactly once.
func (s *suite) verifyPublished(t *testing.T, tn tenant) {
	t.Helper()
	cr := s.countyReport(t, tn)
	admin, err := storage.New(s.minio)
	must(t, err)
	rep, err := admin.Archive(cr.Status.Bucket).Verify(s.ctx, period)
	if err != nil {
		t.Fatalf("%s's %s report does not verify: %v", tn.name, period, err)
	}
	listed := map[string]bool{"reports/" + period + "/manifest.json": true}
	for _, o := range rep.Artifacts {
		listed[o.Key] = true
	}
	mc, err := minio.New(s.minio.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.minio.AccessKey, s.minio.SecretKey, ""), Secure: false})
	must(t, err)
	for o := range mc.ListObjects(s.ctx, cr.Status.Bucket, minio.ListObjectsOptions{Prefix: "reports/" + period + "/", Recursive: true}) {
		must(t, o.Err)
		if !listed[o.Key] {
			t.Errorf("%s: %s is in the bucket but not in the manifest (half-published?)", tn.name, o.Key)
		}
	}
	if n := s.manifestVersions(t, cr.Status.Bucket); n != 1 {
		t.Errorf("%s: manifest.json of %s written %d times, want once", tn.name, period, n)
	}
}

// getRun reads a ReportRun.
func (s *suite) getRun(t *testing.T, key client.ObjectKey) *v1alpha1.ReportRun {
	t.Helper()
	run := &v1alpha1.ReportRun{}
	must(t, s.c.Get(s.ctx, key, run))
	return run
}
