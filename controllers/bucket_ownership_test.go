package controllers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/tags"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
)

// rawAdmin is a plain S3 client with the admin credentials, for doing what
// the operator never does (making buckets behind its back, retagging) and
// for looking at buckets without going through the code under test.
func rawAdmin(t *testing.T) *miniogo.Client {
	t.Helper()
	cfg := minio.RootConfig()
	mc, err := miniogo.New(cfg.Endpoint, &miniogo.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// bucketState is what a refused claim must leave as it was: tags,
// versioning, and every object version.
func bucketState(t *testing.T, bucket string) string {
	t.Helper()
	mc := rawAdmin(t)
	var b strings.Builder
	if tg, err := mc.GetBucketTagging(testCtx, bucket); err == nil {
		fmt.Fprintf(&b, "tags=%v ", tg.ToMap())
	}
	vc, err := mc.GetBucketVersioning(testCtx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "versioning=%q", vc.Status)
	for o := range mc.ListObjects(testCtx, bucket, miniogo.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		fmt.Fprintf(&b, " %s@%s", o.Key, o.VersionID)
	}
	return b.String()
}

// wantRefused waits until k's claim is refused as BucketNotOwned and checks
// the rest of the promise: a Warning Event, no credentials Secret, no bucket
// in status.
func wantRefused(g *WithT, k client.ObjectKey, msgPart string) {
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		c := condition(cr, v1alpha1.ConditionStorageReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonBucketNotOwned))
		g.Expect(c.Message).To(ContainSubstring(msgPart))
		g.Expect(condition(cr, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		g.Expect(cr.Status.Bucket).To(BeEmpty())
		g.Expect(cr.Status.CredentialsSecretName).To(BeEmpty())
		var events eventsv1.EventList
		g.Expect(k8s.List(testCtx, &events, client.InNamespace(k.Namespace))).To(Succeed())
		found := false
		for _, e := range events.Items {
			if e.Reason == v1alpha1.ReasonBucketNotOwned && e.Type == corev1.EventTypeWarning && e.Regarding.Name == k.Name {
				found = true
			}
		}
		g.Expect(found).To(BeTrue(), "a Warning Event with reason BucketNotOwned")
	}, wait).Should(Succeed())
	// envtest runs no garbage collector: a Secret of a deleted predecessor
	// may linger, but none is this CountyReport's.
	uid := getCR(g, k).UID
	g.Consistently(func() bool {
		s := &corev1.Secret{}
		err := k8s.Get(testCtx, client.ObjectKey{Namespace: k.Namespace, Name: k.Name + "-storage"}, s)
		if apierrors.IsNotFound(err) {
			return true
		}
		for _, ref := range s.OwnerReferences {
			if ref.UID == uid {
				return false
			}
		}
		return err == nil
	}, 2*time.Second).Should(BeTrue(), "no credentials Secret for a refused claim")
}

// deleteAndWait deletes cr and waits until it is gone (its finalizer ran).
func deleteAndWait(g *WithT, k client.ObjectKey) {
	cr := &v1alpha1.CountyReport{}
	g.Expect(k8s.Get(testCtx, k, cr)).To(Succeed())
	g.Expect(k8s.Delete(testCtx, cr)).To(Succeed())
	g.Eventually(func() bool { return apierrors.IsNotFound(k8s.Get(testCtx, k, &v1alpha1.CountyReport{})) }, wait).Should(BeTrue())
}

func putObject(t *testing.T, bucket, key string) {
	t.Helper()
	if _, err := rawAdmin(t).PutObject(testCtx, bucket, key, bytes.NewReader([]byte("{}")), 2, miniogo.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A namespace editor names another county's bucket, with deletionPolicy
// Delete: no credentials, nothing written, and deleting the CountyReport
// leaves the bucket alone.
func TestAnotherCountysBucketIsRefused(t *testing.T) {
	g := NewWithT(t)
	bucket := fmt.Sprintf("owned-by-a-%d", time.Now().UnixNano()%1e9)
	a := newCountyReport(t, "owner-a", "990301")
	a.Spec.Storage.Bucket = bucket
	g.Expect(k8s.Create(testCtx, a)).To(Succeed())
	ka := client.ObjectKeyFromObject(a)
	g.Eventually(func(g Gomega) {
		g.Expect(condition(getCR(g, ka), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())
	putObject(t, bucket, "data/2026-09/dataset.json")
	before := bucketState(t, bucket)

	b := newCountyReport(t, "thief", "990302")
	b.Spec.Storage.Bucket = bucket
	b.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	g.Expect(k8s.Create(testCtx, b)).To(Succeed())
	kb := client.ObjectKeyFromObject(b)
	wantRefused(g, kb, ka.Namespace+"/owner-a")
	g.Expect(bucketState(t, bucket)).To(Equal(before), "a refused claim wrote to the bucket")

	deleteAndWait(g, kb)
	g.Expect(bucketState(t, bucket)).To(Equal(before), "deleting a refused claimant touched the bucket")
	g.Expect(condition(getCR(g, ka), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
}

// A bucket the operator did not make (here: by the admin behind its back) is
// never adopted, with or without tags, and never emptied.
func TestBucketMadeOutsideTheOperatorIsRefused(t *testing.T) {
	for name, tagSet := range map[string]map[string]string{
		"untagged":                  nil,
		"tagged like an old county": {storage.TagCounty: "990303", "countyreport-name": "x.y"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			bucket := fmt.Sprintf("foreign-%d", time.Now().UnixNano()%1e9)
			mc := rawAdmin(t)
			g.Expect(mc.MakeBucket(testCtx, bucket, miniogo.MakeBucketOptions{})).To(Succeed())
			if tagSet != nil {
				tg, err := tags.NewTags(tagSet, false)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(mc.SetBucketTagging(testCtx, bucket, tg)).To(Succeed())
			}
			putObject(t, bucket, "payroll.csv")
			before := bucketState(t, bucket)

			cr := newCountyReport(t, "adopter", "990303")
			cr.Spec.Storage.Bucket = bucket
			cr.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
			g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
			k := client.ObjectKeyFromObject(cr)
			wantRefused(g, k, "no owner recorded")
			g.Expect(bucketState(t, bucket)).To(Equal(before))
			deleteAndWait(g, k)
			g.Expect(bucketState(t, bucket)).To(Equal(before))
		})
	}
}

// A CountyReport deleted with Retain and applied again is a new owner: the
// retained archive is not handed to it without an administrator.
func TestRecreatedCountyDoesNotInheritRetainedBucket(t *testing.T) {
	g := NewWithT(t)
	bucket := fmt.Sprintf("retained-%d", time.Now().UnixNano()%1e9)
	cr := newCountyReport(t, "again", "990304")
	cr.Spec.Storage.Bucket = bucket
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) {
		g.Expect(condition(getCR(g, k), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())
	deleteAndWait(g, k)

	again := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: k.Name, Namespace: k.Namespace}, Spec: cr.Spec}
	again.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	g.Expect(k8s.Create(testCtx, again)).To(Succeed())
	wantRefused(g, k, string(cr.UID))
	deleteAndWait(g, k)
	ok, err := rawAdmin(t).BucketExists(testCtx, bucket)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue(), "the retained bucket was deleted by its successor")
}

// Two CountyReports asking for the same new bucket at once: one gets it,
// the other is refused, whatever order the reconciles run in.
func TestSimultaneousClaimsHaveOneWinner(t *testing.T) {
	g := NewWithT(t)
	bucket := fmt.Sprintf("contested-%d", time.Now().UnixNano()%1e9)
	var keys []client.ObjectKey
	for i, code := range []string{"990305", "990306"} {
		cr := newCountyReport(t, fmt.Sprintf("claim%d", i), code)
		cr.Spec.Storage.Bucket = bucket
		g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
		keys = append(keys, client.ObjectKeyFromObject(cr))
	}
	g.Eventually(func(g Gomega) {
		reasons := map[string]int{}
		for _, k := range keys {
			reasons[condition(getCR(g, k), v1alpha1.ConditionStorageReady).Reason]++
		}
		g.Expect(reasons).To(Equal(map[string]int{v1alpha1.ReasonReconciled: 1, v1alpha1.ReasonBucketNotOwned: 1}))
	}, wait).Should(Succeed())
	owner, err := admin.BucketOwner(testCtx, bucket)
	g.Expect(err).NotTo(HaveOccurred())
	for _, k := range keys {
		cr := getCR(g, k)
		hasSecret := k8s.Get(testCtx, client.ObjectKey{Namespace: k.Namespace, Name: k.Name + "-storage"}, &corev1.Secret{}) == nil
		g.Expect(hasSecret).To(Equal(string(cr.UID) == owner.UID), "%s: credentials only for the bucket's owner", k)
	}
}

// Ownership is checked before every credential: when the bucket stops being
// this CountyReport's (an administrator handed it to someone else), its
// credentials Secret goes.
func TestCredentialsGoWhenTheBucketIsHandedOver(t *testing.T) {
	g := NewWithT(t)
	k := createReady(g, newCountyReport(t, "handed", "990307"))
	bucket := "countyreport-990307"
	tg, err := tags.NewTags(map[string]string{storage.TagOwnerUID: "someone-else", storage.TagOwnerName: "other/other", storage.TagCounty: "990307"}, false)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rawAdmin(t).SetBucketTagging(testCtx, bucket, tg)).To(Succeed())
	// A spec change makes the operator look at the bucket again.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Storage.RetentionMonths = 36
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	wantRefused(g, k, "other/other")
}

// The bucket can be chosen only at creation, and not as another county's
// default name.
func TestBucketFieldRulesAtAdmission(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "rules", "990308")
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	custom := newCountyReport(t, "rules-custom", "990309")
	custom.Spec.Storage.Bucket = "rules-custom-bucket"
	g.Expect(k8s.Create(testCtx, custom)).To(Succeed())

	for name, tc := range map[string]struct {
		cr    *v1alpha1.CountyReport
		patch string
	}{
		"adding a bucket later":   {cr, `{"spec":{"storage":{"bucket":"late-bucket"}}}`},
		"changing the bucket":     {custom, `{"spec":{"storage":{"bucket":"other-bucket"}}}`},
		"removing the bucket":     {custom, `{"spec":{"storage":{"bucket":null}}}`},
		"removing storage at all": {custom, `{"spec":{"storage":null}}`},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := env.RunKubectl("", "-n", tc.cr.Namespace, "patch", "countyreport", tc.cr.Name, "--type=merge", "-p", tc.patch)
			if err == nil {
				t.Fatalf("patch accepted:\n%s", out)
			}
			if !strings.Contains(out, "spec.storage") {
				t.Fatalf("refusal does not name spec.storage:\n%s", out)
			}
		})
	}
	for name, bucket := range map[string]string{
		"another county's default name": "countyreport-430423",
		"a name in the reserved prefix": "countyreport-archive",
	} {
		t.Run(name, func(t *testing.T) {
			bad := newCountyReport(t, "squatter", "990310")
			bad.Spec.Storage.Bucket = bucket
			err := k8s.Create(testCtx, bad)
			if err == nil || !strings.Contains(err.Error(), "spec.storage.bucket") || !strings.Contains(err.Error(), "reserved") {
				t.Fatalf("create with bucket %s: %v, want a refusal naming spec.storage.bucket", bucket, err)
			}
		})
	}
	own := newCountyReport(t, "own-default", "990311")
	own.Spec.Storage.Bucket = "countyreport-990311"
	g.Expect(k8s.Create(testCtx, own)).To(Succeed(), "a county may spell out its own default name")
}
