package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

const (
	// StorageFinalizer holds a CountyReport until its bucket is dealt with
	// according to spec.storage.deletionPolicy.
	StorageFinalizer = "reporting.countyreport.io/storage"
	// AnnotationSkipStorageCleanup, set to "true" on a CountyReport being
	// deleted, releases the finalizer without touching storage: the escape
	// when the storage is gone for good.
	AnnotationSkipStorageCleanup = "reporting.countyreport.io/skip-storage-cleanup"
	// DefaultCredentialsTTL is the lifetime of a county's scoped credentials.
	DefaultCredentialsTTL = 7 * 24 * time.Hour
)

// Storage is what the operator needs from the object store, with the admin
// credentials that only the operator holds.
type Storage interface {
	EnsureBucket(ctx context.Context, bucket string, tags map[string]string) error
	DeleteBucketAll(ctx context.Context, bucket string) error
	// Retain removes the periods older than months before now's month, every version.
	Retain(ctx context.Context, bucket string, months int, now time.Time) (storage.RetainResult, error)
	storage.CredentialIssuer
}

// AdminStorage joins the admin client and the credential issuer.
type AdminStorage struct {
	*storage.Client
	*storage.STSIssuer
}

// Retain applies a retention to one county's archive.
func (a *AdminStorage) Retain(ctx context.Context, bucket string, months int, now time.Time) (storage.RetainResult, error) {
	return a.Archive(bucket).Retain(ctx, months, now)
}

// NewAdminStorage builds the operator's storage access from admin settings.
func NewAdminStorage(cfg storage.Config) (*AdminStorage, error) {
	c, err := storage.New(cfg)
	if err != nil {
		return nil, err
	}
	sts, err := storage.NewSTSIssuer(cfg)
	if err != nil {
		return nil, err
	}
	return &AdminStorage{Client: c, STSIssuer: sts}, nil
}

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch

// reconcileStorage ensures the county's bucket and its scoped credentials.
// When storage is unreachable the portal is still provisioned, StorageReady
// says why, and the reconcile is retried with backoff.
func (r *CountyReportReconciler) reconcileStorage(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	if r.Storage == nil {
		r.setCondition(cr, reportingv1.ConditionStorageReady, metav1.ConditionFalse, reportingv1.ReasonStorageNotSet,
			"the manager was started without a storage endpoint")
		return nil
	}
	if controllerutil.AddFinalizer(cr, StorageFinalizer) {
		if err := r.Update(ctx, cr); err != nil {
			return fmt.Errorf("add finalizer: %w", err)
		}
		st.before.ObjectMeta = *cr.ObjectMeta.DeepCopy()
	}
	bucket := tenant.Bucket(cr)
	cr.Status.Bucket = bucket
	err := r.Storage.EnsureBucket(ctx, bucket, map[string]string{
		"countyreport-county": cr.Spec.County.Code,
		"countyreport-name":   cr.Namespace + "." + cr.Name,
	})
	if err == nil {
		err = r.ensureCredentials(ctx, st, bucket)
	}
	if err == nil {
		err = r.applyRetention(ctx, st, bucket)
	}
	if err != nil {
		reason := reportingv1.ReasonProvisioningFailed
		if storage.IsUnavailable(err) {
			reason = reportingv1.ReasonStorageUnavailable
		}
		r.setCondition(cr, reportingv1.ConditionStorageReady, metav1.ConditionFalse, reason, err.Error())
		st.softErr = err
		// The portal keeps the credentials it has: an outage must not roll it
		// onto none.
		return r.keepCredentials(ctx, st)
	}
	r.setCondition(cr, reportingv1.ConditionStorageReady, metav1.ConditionTrue, reportingv1.ReasonReconciled,
		fmt.Sprintf("bucket %s with scoped credentials in Secret %s", bucket, tenant.CredentialsSecretName(cr)))
	return nil
}

// ensureCredentials keeps a Secret of credentials scoped to bucket, minting
// new ones when missing, when they point elsewhere, or when two thirds of
// their lifetime has passed, and asks to be woken for the next rotation.
// The Secret is applied like the portal's objects: a hand edit of a key or
// label the operator writes is set back, with the credentials it holds.
func (r *CountyReportReconciler) ensureCredentials(ctx context.Context, st *reconcileState, bucket string) error {
	cr := st.cr
	name := tenant.CredentialsSecretName(cr)
	now := r.Clock.Now()
	var secret corev1.Secret
	exists, err := r.lookup(ctx, ctrl.ObjectKey{Namespace: cr.Namespace, Name: name}, &secret)
	if err != nil {
		return fmt.Errorf("read Secret %s: %w", name, err)
	}
	if exists && !metav1IsControlledBy(&secret, cr) {
		return fmt.Errorf("secret %s exists and is not owned by CountyReport %s; rename or remove it", name, cr.Name)
	}
	creds, expires, fresh := r.heldCredentials(&secret, bucket, now)
	if !exists || !fresh {
		if creds, err = r.Storage.Issue(ctx, bucket, r.credentialsTTL()); err != nil {
			return err
		}
		expires = creds.Expiration.UTC().Truncate(time.Second)
	}
	want := r.credentialsSecret(cr, bucket, creds, expires)
	if err := ensure(ctx, r, cr, want); err != nil {
		return fmt.Errorf("write Secret %s: %w", name, err)
	}
	if !exists || !fresh {
		r.event(cr, corev1.EventTypeNormal, "CredentialsIssued", "Issue",
			"scoped credentials for bucket %s written to Secret %s, valid until %s", bucket, name, expires.Format(time.RFC3339))
	}
	rotateAt := expires.Add(-r.credentialsTTL() / 3)
	st.inputs.CredentialsSecretName = name
	st.inputs.CredentialsHash = digest(want.Data[tenant.SecretAccessKey])
	cr.Status.CredentialsSecretName = name
	cr.Status.CredentialsExpireAt = &metav1.Time{Time: expires}
	st.requeueIn(rotateAt.Sub(now))
	return nil
}

// heldCredentials reads the credentials a Secret holds; fresh when they are
// complete, for bucket and this endpoint, and not yet due for rotation.
func (r *CountyReportReconciler) heldCredentials(s *corev1.Secret, bucket string, now time.Time) (storage.Credentials, time.Time, bool) {
	c := storage.Credentials{
		AccessKey:    string(s.Data[tenant.SecretAccessKey]),
		SecretKey:    string(s.Data[tenant.SecretSecretKey]),
		SessionToken: string(s.Data[tenant.SecretSessionToken]),
	}
	expires, err := time.Parse(time.RFC3339, string(s.Data[tenant.SecretExpiresAt]))
	fresh := err == nil && c.AccessKey != "" && c.SecretKey != "" &&
		string(s.Data[tenant.SecretBucket]) == bucket &&
		string(s.Data[tenant.SecretEndpoint]) == r.StorageEndpoint &&
		now.Before(expires.Add(-r.credentialsTTL()/3))
	return c, expires, fresh
}

// retentionInterval is how often a county's retention is applied.
const retentionInterval = 24 * time.Hour

// applyRetention removes the periods older than spec.storage.retentionMonths
// once a day, with the admin credentials (county credentials cannot delete
// object versions). Months are counted in the schedule's time zone.
func (r *CountyReportReconciler) applyRetention(ctx context.Context, st *reconcileState, bucket string) error {
	cr := st.cr
	now := r.Clock.Now()
	if last := cr.Status.LastRetentionTime; last != nil && now.Sub(last.Time) < retentionInterval {
		st.requeueIn(last.Add(retentionInterval).Sub(now))
		return nil
	}
	months := int(cr.Spec.Storage.RetentionMonths)
	if months == 0 {
		months = 60
	}
	res, err := r.Storage.Retain(ctx, bucket, months, now.In(st.schedule.Location()))
	if err != nil {
		return err
	}
	if len(res.Periods) > 0 {
		r.event(cr, corev1.EventTypeNormal, "RetentionApplied", "Retain",
			"removed periods %s (older than %d months) from bucket %s", strings.Join(res.Periods, ", "), months, bucket)
	}
	cr.Status.LastRetentionTime = &metav1.Time{Time: now.UTC().Truncate(time.Second)}
	st.requeueIn(retentionInterval)
	return nil
}

// keepCredentials points the portal at the existing credentials Secret, if any.
func (r *CountyReportReconciler) keepCredentials(ctx context.Context, st *reconcileState) error {
	var secret corev1.Secret
	found, err := r.lookup(ctx, ctrl.ObjectKey{Namespace: st.cr.Namespace, Name: tenant.CredentialsSecretName(st.cr)}, &secret)
	if err != nil || !found || !metav1IsControlledBy(&secret, st.cr) {
		return err
	}
	st.inputs.CredentialsSecretName = secret.Name
	st.inputs.CredentialsHash = digest(secret.Data[tenant.SecretAccessKey])
	return nil
}

func (r *CountyReportReconciler) credentialsTTL() time.Duration {
	if r.CredentialsTTL > 0 {
		return r.CredentialsTTL
	}
	return DefaultCredentialsTTL
}

// credentialsSecret is the Secret the portal and the report Jobs read.
func (r *CountyReportReconciler) credentialsSecret(cr *reportingv1.CountyReport, bucket string, c storage.Credentials, expires time.Time) *corev1.Secret {
	labels := tenant.Labels(cr)
	labels["app.kubernetes.io/component"] = "storage-credentials"
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: cr.Namespace, Labels: labels},
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			tenant.SecretAccessKey:    []byte(c.AccessKey),
			tenant.SecretSecretKey:    []byte(c.SecretKey),
			tenant.SecretSessionToken: []byte(c.SessionToken),
			tenant.SecretEndpoint:     []byte(r.StorageEndpoint),
			tenant.SecretBucket:       []byte(bucket),
			tenant.SecretInsecure:     []byte(strconv.FormatBool(r.StorageInsecure)),
			tenant.SecretExpiresAt:    []byte(expires.Format(time.RFC3339)),
		},
	}
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// reconcileDelete applies the deletion policy to the county's bucket, then
// releases the finalizer. Owned objects go through their owner references.
func (r *CountyReportReconciler) reconcileDelete(ctx context.Context, cr *reportingv1.CountyReport) error {
	if !controllerutil.ContainsFinalizer(cr, StorageFinalizer) {
		return nil
	}
	switch {
	case cr.Annotations[AnnotationSkipStorageCleanup] == "true":
		r.event(cr, corev1.EventTypeWarning, "StorageCleanupSkipped", "Delete",
			"%s is set: bucket %s is left as it is", AnnotationSkipStorageCleanup, tenant.Bucket(cr))
	case cr.Spec.Storage.DeletionPolicy == reportingv1.DeletionDelete:
		if r.Storage == nil {
			return errors.New("deletionPolicy is Delete but the manager has no storage endpoint; " +
				"start it with one, or annotate the CountyReport " + AnnotationSkipStorageCleanup + "=true to leave the bucket")
		}
		if err := r.Storage.DeleteBucketAll(ctx, tenant.Bucket(cr)); err != nil {
			return fmt.Errorf("delete bucket %s (annotate %s=true to leave it): %w", tenant.Bucket(cr), AnnotationSkipStorageCleanup, err)
		}
		r.event(cr, corev1.EventTypeNormal, "BucketDeleted", "Delete", "bucket %s and every version in it removed", tenant.Bucket(cr))
	default:
		r.event(cr, corev1.EventTypeNormal, "BucketRetained", "Delete", "bucket %s and its reports are kept (deletionPolicy Retain)", tenant.Bucket(cr))
	}
	controllerutil.RemoveFinalizer(cr, StorageFinalizer)
	if err := r.Update(ctx, cr); err != nil {
		return ctrl.IgnoreNotFound(err)
	}
	return nil
}
