package controllers

import (
	"bytes"
	"errors"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/render/pdftest"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// countyS3 is a plain S3 client with a county's own scoped credentials (its
// Secret): what the county's staff hold, used the way an attacker would.
func countyS3(t *testing.T, g *WithT, k client.ObjectKey) *miniogo.Client {
	t.Helper()
	s := credentialsSecret(g, k)
	mc, err := miniogo.New(string(s.Data[tenant.SecretEndpoint]), &miniogo.Options{
		Creds:  credentials.NewStaticV4(string(s.Data[tenant.SecretAccessKey]), string(s.Data[tenant.SecretSecretKey]), string(s.Data[tenant.SecretSessionToken])),
		Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// The attack of issue 18 on the city's verdict, against the real MinIO: a
// county whose submission the city accepted overwrites its dataset with
// other figures and copies the accepted object's metadata (its SHA-256
// claim included), with its own credentials. The board, the city's metric,
// the city's member view and the city's report all say 已重报待审核
// (resubmitted); the report shows no verdict beside the new figures; a
// verdict given on the figures the reviewer saw before is refused. A
// review entry written before the binding (no binding field) is read, and
// binds nothing.
func TestVerdictIsBoundToWhatTheCitySaw(t *testing.T) {
	g := NewWithT(t)
	c, counties := rankedCity(t, g, "city-bind", "994500")
	victim, other := counties[0], counties[1]
	const period = "2026-09"
	members, err := city.Open(memberSecret(g, c).Data, storage.Config{})
	g.Expect(err).NotTo(HaveOccurred())
	at := time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
	code := victim.Spec.County.Code

	// The city accepts what it saw.
	st, err := members.Status(testCtx, code, period, at.Add(time.Hour), at)
	g.Expect(err).NotTo(HaveOccurred())
	seen := st.DatasetID
	g.Expect(storage.RealVersion(seen)).To(BeTrue(), "the dataset's identity is the server's version id: %q", seen)
	log, err := members.VerdictOn(testCtx, code, period, seen, review.VerdictAccepted, "市统计局审核员", "", at)
	g.Expect(err).NotTo(HaveOccurred())
	entry := log.Entries[len(log.Entries)-1]
	g.Expect(entry.Binding).To(Equal(review.BindingCityRead))
	g.Expect(entry.DatasetVersion).To(Equal(seen))

	r := cityReconciler(fakeClock)
	req := reconcile.Request{NamespacedName: client.ObjectKey{Name: c.Name}}
	boardSays := func(want string) {
		g.Eventually(func(g Gomega) {
			_, err := r.Reconcile(testCtx, req)
			g.Expect(err).NotTo(HaveOccurred())
			got := getCity(g, c.Name)
			g.Expect(got.Status.Members[0].Code).To(Equal(code))
			g.Expect(got.Status.Members[0].Submission).To(Equal(want))
		}, wait).Should(Succeed())
	}
	boardSays(review.Accepted)
	_, err = r.RenderCity(testCtx, getCity(g, c.Name), period)
	g.Expect(err).NotTo(HaveOccurred())
	// The state column says 已通过 (the verdict column, narrow, wraps
	// between the other columns' lines in the extracted text).
	g.Expect(pdftest.Text(t, reportPDF(g, c.Status.Bucket, period), 0, 0)).To(ContainSubstring("已通过"), "the state column")

	// The attack, with the county's own credentials: other figures (the
	// other member's published ones), the accepted object's metadata copied.
	mc := countyS3(t, g, client.ObjectKeyFromObject(victim))
	key := "data/" + period + "/dataset.json"
	old, err := mc.StatObject(testCtx, victim.Status.Bucket, key, miniogo.StatObjectOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	forged := sampleDataset(t, "qidong")
	_, err = mc.PutObject(testCtx, victim.Status.Bucket, key, bytes.NewReader(forged), int64(len(forged)),
		miniogo.PutObjectOptions{UserMetadata: old.UserMetadata, ContentType: old.ContentType})
	g.Expect(err).NotTo(HaveOccurred(), "the county may write its own dataset")
	now, err := mc.StatObject(testCtx, victim.Status.Bucket, key, miniogo.StatObjectOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(now.UserMetadata).To(Equal(old.UserMetadata), "the forged object carries the accepted one's SHA-256 claim")
	g.Expect(now.VersionID).NotTo(Equal(old.VersionID))

	// Every reader sees a resubmission.
	boardSays(review.Resubmitted)
	g.Expect(gauge(t, metrics.CitySubmissions.WithLabelValues("994500", review.Accepted))).To(Equal(0.0))
	g.Expect(gauge(t, metrics.CitySubmissions.WithLabelValues("994500", review.Resubmitted))).To(Equal(1.0))
	st, err = members.Status(testCtx, code, period, at.Add(time.Hour), at)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st.State).To(Equal(review.Resubmitted), "the city portal's board")
	_, err = r.RenderCity(testCtx, getCity(g, c.Name), period)
	g.Expect(err).NotTo(HaveOccurred())
	text := pdftest.Text(t, reportPDF(g, c.Status.Bucket, period), 0, 0)
	g.Expect(text).To(ContainSubstring("已重报待审核"))
	g.Expect(text).NotTo(ContainSubstring("已通过"), "the report shows the new figures as accepted")

	// A verdict on what the reviewer saw before is refused, nothing written.
	_, err = members.VerdictOn(testCtx, code, period, seen, review.VerdictAccepted, "市统计局审核员", "", at)
	g.Expect(errors.Is(err, city.ErrChanged)).To(BeTrue(), "%v", err)
	log, err = review.Read(testCtx, admin.Archive(victim.Status.Bucket), period)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(log.Entries).To(HaveLen(1))

	// A review log written before the binding stays readable; its entry,
	// on the very dataset stored now, binds nothing: resubmitted until the
	// city reviews it again (docs/security.md, "Names and verdicts").
	info, err := admin.Archive(other.Status.Bucket).DescribeDataset(testCtx, period)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = review.Append(testCtx, admin.Archive(other.Status.Bucket), period, review.Entry{
		Verdict: review.VerdictAccepted, By: "旧版审核", At: at, DatasetSHA256: info.SHA256, DatasetVersion: info.VersionID})
	g.Expect(err).NotTo(HaveOccurred())
	st, err = members.Status(testCtx, other.Spec.County.Code, period, at.Add(time.Hour), at)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st.State).To(Equal(review.Resubmitted))
	g.Expect(st.Last.By).To(Equal("旧版审核"))
}

// reportPDF is the city's published report PDF of period.
func reportPDF(g *WithT, bucket, period string) []byte {
	data, _, err := admin.Archive(bucket).Get(testCtx, period, "report.pdf")
	g.Expect(err).NotTo(HaveOccurred())
	return data
}
