package controllers

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

func credentialsSecret(g Gomega, k client.ObjectKey) *corev1.Secret {
	s := &corev1.Secret{}
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: k.Namespace, Name: k.Name + "-storage"}, s)).To(Succeed())
	return s
}

// scopedArchive opens bucket with the credentials in a county's Secret.
func scopedClient(t *testing.T, s *corev1.Secret) *storage.Client {
	t.Helper()
	c, err := storage.New(storage.Config{
		Endpoint: string(s.Data[tenant.SecretEndpoint]), Insecure: true,
		AccessKey: string(s.Data[tenant.SecretAccessKey]), SecretKey: string(s.Data[tenant.SecretSecretKey]),
		SessionToken: string(s.Data[tenant.SecretSessionToken]),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStorageProvisionsBucketsAndScopedCredentials(t *testing.T) {
	g := NewWithT(t)
	a, b := newCountyReport(t, "store-a", "990201"), newCountyReport(t, "store-b", "990202")
	b.Spec.Storage.Bucket = "custom-bucket-b"
	g.Expect(k8s.Create(testCtx, a)).To(Succeed())
	g.Expect(k8s.Create(testCtx, b)).To(Succeed())
	ka, kb := client.ObjectKeyFromObject(a), client.ObjectKeyFromObject(b)

	for k, bucket := range map[client.ObjectKey]string{ka: "countyreport-990201", kb: "custom-bucket-b"} {
		g.Eventually(func(g Gomega) {
			cr := getCR(g, k)
			g.Expect(condition(cr, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(cr.Status.Bucket).To(Equal(bucket))
			g.Expect(cr.Status.CredentialsSecretName).To(Equal(k.Name + "-storage"))
			g.Expect(cr.Status.CredentialsExpireAt).NotTo(BeNil())
			g.Expect(cr.Finalizers).To(ContainElement(StorageFinalizer))
		}, wait).Should(Succeed())
		versioned, err := admin.BucketVersioning(testCtx, bucket)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(versioned).To(BeTrue())
		tags, err := admin.BucketTags(testCtx, bucket)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(tags).To(HaveKey("countyreport-county"))

		s := credentialsSecret(g, k)
		g.Expect(s.OwnerReferences).To(HaveLen(1))
		g.Expect(string(s.Data[tenant.SecretBucket])).To(Equal(bucket))
		g.Expect(s.Data[tenant.SecretSessionToken]).NotTo(BeEmpty(), "scoped credentials are temporary STS credentials")
		g.Expect(string(s.Data[tenant.SecretAccessKey])).NotTo(Equal(minio.RootConfig().AccessKey))

		// The portal reads the scoped credentials from that Secret, never the admin ones.
		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		env := d.Spec.Template.Spec.Containers[0].Env
		g.Expect(env).To(HaveLen(3))
		for _, e := range env {
			g.Expect(e.ValueFrom.SecretKeyRef.Name).To(Equal(k.Name + "-storage"))
		}
	}

	// County A's credentials reach A's bucket and nothing of B's.
	ca := scopedClient(t, credentialsSecret(g, ka))
	buckets, err := ca.ListBuckets(testCtx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(buckets).To(Equal([]string{"countyreport-990201"}))
	_, err = ca.Archive("countyreport-990201").PutDataset(testCtx, "2026-09", []byte(`{}`))
	g.Expect(err).NotTo(HaveOccurred())
	_, err = ca.Archive("custom-bucket-b").PutDataset(testCtx, "2026-09", []byte(`{}`))
	g.Expect(errors.Is(err, storage.ErrAccessDenied)).To(BeTrue(), "put into another county's bucket: %v", err)
	_, err = ca.Archive("custom-bucket-b").List(testCtx)
	g.Expect(errors.Is(err, storage.ErrAccessDenied)).To(BeTrue(), "list another county's bucket: %v", err)
}

func TestCredentialsRotateAndRollThePortal(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "rotate", "990203")
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) {
		g.Expect(condition(getCR(g, k), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())
	oldKey := string(credentialsSecret(g, k).Data[tenant.SecretAccessKey])
	d := &appsv1.Deployment{}
	g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
	oldHash := d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]

	// A reconciler whose clock stands past two thirds of the credentials'
	// lifetime: the suite's manager keeps its own, earlier clock.
	late := &CountyReportReconciler{
		TenantReconciler: TenantReconciler{Client: mgrClient, Scheme: k8s.Scheme(), Clock: shiftedClock{d: credentialsTTL}, PortalImage: "countyreport:test",
			StorageSettings: StorageSettings{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, CredentialsTTL: credentialsTTL}},
		Storage: admin,
	}
	// The manager reconciles the same object meanwhile: a conflict is retried, as the controller would.
	g.Eventually(func() error {
		_, err := late.Reconcile(testCtx, reconcile.Request{NamespacedName: k})
		return err
	}, wait).Should(Succeed())

	s := credentialsSecret(g, k)
	g.Expect(string(s.Data[tenant.SecretAccessKey])).NotTo(Equal(oldKey))
	g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
	g.Expect(d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]).NotTo(Equal(oldHash), "the portal must roll onto new credentials")
	// The new credentials work.
	_, err := scopedClient(t, s).Archive("countyreport-990203").List(testCtx)
	g.Expect(err).NotTo(HaveOccurred())
}

// shiftedClock is the real clock moved by d.
type shiftedClock struct{ d time.Duration }

func (c shiftedClock) Now() time.Time                  { return time.Now().Add(c.d) }
func (c shiftedClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

var _ clock.PassiveClock = shiftedClock{}

func TestStorageDownThenUpRecoversWithoutRestart(t *testing.T) {
	g := NewWithT(t)
	k := createReady(g, newCountyReport(t, "outage", "990204"))

	d := &appsv1.Deployment{}
	g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
	hash := d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]

	g.Expect(minio.Stop()).To(Succeed())
	stopped := true
	defer func() {
		if stopped {
			_ = minio.Restart()
		}
	}()
	// A spec change makes the operator look at storage again while it is down.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Spec.Storage.RetentionMonths = 24
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		c := condition(cr, v1alpha1.ConditionStorageReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonStorageUnavailable))
		g.Expect(condition(cr, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		// The portal stays provisioned meanwhile, with the credentials it had.
		g.Expect(condition(cr, v1alpha1.ConditionPortalAvailable).Status).To(Equal(metav1.ConditionTrue))
	}, wait).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(k8s.Get(testCtx, portalKey(k), d)).To(Succeed())
		g.Expect(d.Spec.Template.Spec.Containers[0].Env).To(HaveLen(3))
		g.Expect(d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash]).To(Equal(hash))
	}, 2*time.Second).Should(Succeed())

	g.Expect(minio.Restart()).To(Succeed())
	stopped = false
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		g.Expect(condition(cr, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(cr, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}, 2*time.Minute).Should(Succeed())
}

func TestDeletionPolicies(t *testing.T) {
	tests := map[string]struct {
		policy     v1alpha1.DeletionPolicy
		bucketKept bool
	}{
		"Retain keeps the bucket and its reports":     {policy: v1alpha1.DeletionRetain, bucketKept: true},
		"Delete removes every version and the bucket": {policy: v1alpha1.DeletionDelete, bucketKept: false},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			code := []string{"990211", "990212"}[i-1]
			cr := newCountyReport(t, "deletion", code)
			cr.Spec.Storage.DeletionPolicy = tc.policy
			g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
			k := client.ObjectKeyFromObject(cr)
			g.Eventually(func(g Gomega) {
				g.Expect(condition(getCR(g, k), v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
			}, wait).Should(Succeed())
			bucket := "countyreport-" + code
			// Two versions of one object, so Delete has history to remove.
			arch := admin.Archive(bucket)
			for _, body := range []string{`{"v":1}`, `{"v":2}`} {
				_, err := arch.PutDataset(testCtx, "2026-09", []byte(body))
				g.Expect(err).NotTo(HaveOccurred())
			}

			g.Expect(k8s.Delete(testCtx, cr)).To(Succeed())
			g.Eventually(func() bool {
				return apierrors.IsNotFound(k8s.Get(testCtx, k, &v1alpha1.CountyReport{}))
			}, wait).Should(BeTrue())
			buckets, err := admin.ListBuckets(testCtx)
			g.Expect(err).NotTo(HaveOccurred())
			if tc.bucketKept {
				g.Expect(buckets).To(ContainElement(bucket))
				data, err := arch.GetDataset(testCtx, "2026-09")
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(string(data)).To(Equal(`{"v":2}`))
			} else {
				g.Expect(buckets).NotTo(ContainElement(bucket))
			}
		})
	}
}

func TestDeletionEscapeWhenStorageIsGone(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "escape", "990213")
	cr.Spec.Storage.DeletionPolicy = v1alpha1.DeletionDelete
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) {
		g.Expect(getCR(g, k).Finalizers).To(ContainElement(StorageFinalizer))
	}, wait).Should(Succeed())

	g.Expect(minio.Stop()).To(Succeed())
	defer func() { _ = minio.Restart() }()
	g.Expect(k8s.Delete(testCtx, cr)).To(Succeed())
	// Held by the finalizer while the bucket cannot be deleted…
	g.Consistently(func() error { return k8s.Get(testCtx, k, &v1alpha1.CountyReport{}) }, 3*time.Second).Should(Succeed())
	// …until municipal IT say the storage is gone for good.
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		cr.Annotations = map[string]string{AnnotationSkipStorageCleanup: "true"}
		g.Expect(k8s.Update(testCtx, cr)).To(Succeed())
	}, wait).Should(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(testCtx, k, &v1alpha1.CountyReport{}))
	}, wait).Should(BeTrue())
}

func TestRetentionRemovesOldPeriodsDaily(t *testing.T) {
	g := NewWithT(t)
	cr := newCountyReport(t, "retention", "990214")
	cr.Spec.Storage.RetentionMonths = 12
	g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
	k := client.ObjectKeyFromObject(cr)
	g.Eventually(func(g Gomega) {
		cr := getCR(g, k)
		g.Expect(condition(cr, v1alpha1.ConditionStorageReady).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(cr.Status.LastRetentionTime).NotTo(BeNil(), "retention runs when the county is provisioned")
	}, wait).Should(Succeed())

	// Two periods submitted: one a year and a half old, one last month.
	now := time.Now().Add(2 * retentionInterval)
	old := now.AddDate(-1, -6, 0).Format("2006-01")
	recent := now.AddDate(0, -1, 0).Format("2006-01")
	arch := admin.Archive("countyreport-990214")
	for _, p := range []string{old, recent} {
		_, err := arch.PutDataset(testCtx, p, []byte(`{"period":"`+p+`"}`))
		g.Expect(err).NotTo(HaveOccurred())
	}

	// A day later (a reconciler whose clock stands two days on) retention runs again.
	later := &CountyReportReconciler{
		TenantReconciler: TenantReconciler{Client: mgrClient, Scheme: k8s.Scheme(), Clock: shiftedClock{d: 2 * retentionInterval}, PortalImage: "countyreport:test",
			StorageSettings: StorageSettings{StorageEndpoint: minio.Endpoint(), StorageInsecure: true, CredentialsTTL: credentialsTTL}},
		Storage: admin,
	}
	g.Eventually(func() error {
		_, err := later.Reconcile(testCtx, reconcile.Request{NamespacedName: k})
		return err
	}, wait).Should(Succeed())

	_, err := arch.GetDataset(testCtx, old)
	g.Expect(errors.Is(err, storage.ErrNotFound)).To(BeTrue(), "period %s older than 12 months: %v", old, err)
	_, err = arch.GetDataset(testCtx, recent)
	g.Expect(err).NotTo(HaveOccurred(), "period %s is within the retention", recent)
	g.Eventually(func(g Gomega) {
		g.Expect(getCR(g, k).Status.LastRetentionTime.Time).To(BeTemporally(">", time.Now().Add(retentionInterval)))
	}, wait).Should(Succeed())
}
