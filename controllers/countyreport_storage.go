package controllers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/api/v1alpha1"
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
	// ClaimBucket creates bucket for owner, or accepts it when owner created
	// it; any other bucket is storage.ErrNotOwned, and left untouched.
	ClaimBucket(ctx context.Context, bucket string, owner storage.Owner) error
	// DeleteOwnedBucket removes bucket and every version in it, only when
	// owner created it.
	DeleteOwnedBucket(ctx context.Context, bucket string, owner storage.Owner) error
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

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch;delete

// reconcileStorage ensures the county's bucket and its scoped credentials.
// When storage is unreachable the portal is still provisioned, StorageReady
// says why, and the reconcile is retried with backoff.
func (r *CountyReportReconciler) reconcileStorage(ctx context.Context, st *reconcileState) error {
	cr := st.cr
	if r.Storage == nil {
		st.storageNotSet()
		return nil
	}
	bucket := tenant.Bucket(cr)
	if other, err := r.olderBucketClaim(ctx, cr, bucket); err != nil {
		return err
	} else if other != nil {
		return r.refuseBucket(ctx, st, bucket, fmt.Sprintf("bucket %s is claimed by CountyReport %s/%s, created earlier; "+
			"no credentials are issued for it and nothing is written to it", bucket, other.Namespace, other.Name))
	}
	err := r.withStorage(ctx, 1, func(ctx context.Context) error { return r.Storage.ClaimBucket(ctx, bucket, bucketOwner(cr)) })
	if errors.Is(err, storage.ErrNotOwned) {
		return r.refuseBucket(ctx, st, bucket, err.Error()+"; no credentials are issued for it and nothing is written to it")
	}
	if err == nil {
		cr.Status.Bucket = bucket
	}
	if err == nil {
		err = r.ensureCredentials(ctx, st, bucket)
	}
	if err == nil {
		err = r.applyRetention(ctx, st, bucket)
	}
	if err != nil {
		if err := st.storageFailed(err); err != nil {
			return err
		}
		// The portal keeps the credentials it has: an outage must not roll it
		// onto none.
		return r.keepCredentials(ctx, st)
	}
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionStorageReady, metav1.ConditionTrue, v1alpha1.ReasonReconciled,
		fmt.Sprintf("bucket %s with scoped credentials in Secret %s", bucket, tenant.CredentialsSecretName(cr)))
	return nil
}

// bucketOwner is how a CountyReport is recorded as its bucket's owner. The
// UID decides: a CountyReport deleted and applied again is a new owner.
func bucketOwner(cr *v1alpha1.CountyReport) storage.Owner {
	return storage.Owner{UID: string(cr.UID), Name: cr.Namespace + "/" + cr.Name, County: cr.Spec.County.Code}
}

// olderBucketClaim is the CountyReport that asked for the same bucket first,
// if it is not cr. Checking here, before storage, keeps a younger claimant
// from racing the first one for a bucket that does not exist yet.
func (r *CountyReportReconciler) olderBucketClaim(ctx context.Context, cr *v1alpha1.CountyReport, bucket string) (*v1alpha1.CountyReport, error) {
	var list v1alpha1.CountyReportList
	if err := r.List(ctx, &list, ctrl.MatchingFields{bucketIndex: bucket}); err != nil {
		return nil, fmt.Errorf("list CountyReports with bucket %s: %w", bucket, err)
	}
	claims, err := grantedClaims(ctx, r.grantReader(), list.Items)
	if err != nil {
		return nil, err
	}
	if first := firstClaim(claims); first != nil && first.UID != cr.UID {
		return first, nil
	}
	return nil, nil
}

// refuseBucket records a refused bucket claim: StorageReady=False with
// reason BucketNotOwned, a Warning Event when the verdict is new, and no
// credentials: a Secret the operator wrote for this CountyReport earlier is
// removed, so nothing in the namespace reaches the bucket. The claim is
// looked at again now and then (an administrator may hand the bucket over).
func (r *CountyReportReconciler) refuseBucket(ctx context.Context, st *reconcileState, bucket, msg string) error {
	cr := st.cr
	if c := meta.FindStatusCondition(cr.Status.Conditions, v1alpha1.ConditionStorageReady); c == nil || c.Reason != v1alpha1.ReasonBucketNotOwned || c.Message != msg {
		recordEvent(r.Recorder, cr, corev1.EventTypeWarning, v1alpha1.ReasonBucketNotOwned, "ClaimBucket", "%s", msg)
	}
	setCondition(&cr.Status.Conditions, cr.Generation, v1alpha1.ConditionStorageReady, metav1.ConditionFalse, v1alpha1.ReasonBucketNotOwned, msg)
	cr.Status.Bucket, cr.Status.CredentialsSecretName, cr.Status.CredentialsExpireAt = "", "", nil
	st.requeueIn(bucketRecheck)
	return remove(ctx, r, cr, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: cr.Namespace}})
}

// bucketRecheck is how often a refused bucket claim is looked at again.
const bucketRecheck = 10 * time.Minute

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
		err := r.withStorage(ctx, 1, func(ctx context.Context) (err error) {
			creds, err = r.Storage.Issue(ctx, bucket, r.credentialsTTL())
			return err
		})
		if err != nil {
			return err
		}
		expires = creds.Expiration.UTC().Truncate(time.Second)
	}
	want := r.credentialsSecret(cr, bucket, creds, expires)
	if err := ensure(ctx, r, cr, want); err != nil {
		return fmt.Errorf("write Secret %s: %w", name, err)
	}
	if !exists || !fresh {
		recordEvent(r.Recorder, cr, corev1.EventTypeNormal, "CredentialsIssued", "Issue",
			"scoped credentials for bucket %s written to Secret %s, valid until %s", bucket, name, expires.Format(time.RFC3339))
	}
	rotateAt := expires.Add(-r.credentialsTTL() / 3)
	st.inputs.CredentialsSecretName = name
	st.inputs.CredentialsHash = credentialsHash(want)
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
		bytes.Equal(s.Data[tenant.SecretCABundle], r.StorageCABundle) &&
		now.Before(expires.Add(-r.credentialsTTL()/3))
	return c, expires, fresh
}

// retentionInterval is how often a tenant's retention is applied.
const retentionInterval = 24 * time.Hour

// retentionDue says whether a tenant's daily retention, last applied at
// last, is due at now; if not, how long until it is.
func retentionDue(last *metav1.Time, now time.Time) (bool, time.Duration) {
	if last != nil && now.Sub(last.Time) < retentionInterval {
		return false, last.Add(retentionInterval).Sub(now)
	}
	return true, 0
}

// retentionMonths is spec.storage.retentionMonths, five years when unset.
func retentionMonths(s v1alpha1.StorageSpec) int {
	if s.RetentionMonths == 0 {
		return 60
	}
	return int(s.RetentionMonths)
}

// applyRetention removes the periods older than spec.storage.retentionMonths
// once a day, with the admin credentials (county credentials cannot delete
// object versions). Months are counted in the schedule's time zone.
func (r *CountyReportReconciler) applyRetention(ctx context.Context, st *reconcileState, bucket string) error {
	cr := st.cr
	months := retentionMonths(cr.Spec.Storage)
	return st.retainDaily(r.Recorder, &cr.Status.LastRetentionTime, r.Clock.Now(), bucket, months,
		func(now time.Time) (res storage.RetainResult, err error) {
			err = r.withStorage(ctx, 4, func(ctx context.Context) (err error) {
				res, err = r.Storage.Retain(ctx, bucket, months, now.In(st.schedule.Location()))
				return err
			})
			return res, err
		})
}

// retainDaily runs retain once every retentionInterval, recording what it
// removed in an Event and when it ran in *last; in between it asks to be
// woken when the next run is due.
func (s *stepState) retainDaily(rec events.EventRecorder, last **metav1.Time, now time.Time, bucket string, months int,
	retain func(now time.Time) (storage.RetainResult, error)) error {
	if due, wait := retentionDue(*last, now); !due {
		s.requeueIn(wait)
		return nil
	}
	res, err := retain(now)
	if err != nil {
		return err
	}
	if len(res.Periods) > 0 {
		recordEvent(rec, s.obj, corev1.EventTypeNormal, "RetentionApplied", "Retain",
			"removed periods %s (older than %d months) from bucket %s", strings.Join(res.Periods, ", "), months, bucket)
	}
	*last = &metav1.Time{Time: now.UTC().Truncate(time.Second)}
	s.requeueIn(retentionInterval)
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
	st.inputs.CredentialsHash = credentialsHash(&secret)
	return nil
}

// credentialsSecret is the Secret the portal and the report Jobs read.
func (r *CountyReportReconciler) credentialsSecret(cr *v1alpha1.CountyReport, bucket string, c storage.Credentials, expires time.Time) *corev1.Secret {
	labels := tenant.Labels(cr)
	labels["app.kubernetes.io/component"] = "storage-credentials"
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: cr.Namespace, Labels: labels},
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			tenant.SecretAccessKey:    []byte(c.AccessKey),
			tenant.SecretSecretKey:    []byte(c.SecretKey),
			tenant.SecretSessionToken: []byte(c.SessionToken),
			tenant.SecretBucket:       []byte(bucket),
			tenant.SecretExpiresAt:    []byte(expires.Format(time.RFC3339)),
		},
	}
	maps.Copy(s.Data, r.endpointData())
	return s
}

// credentialsHash changes when the portal must restart to read its
// credentials Secret again: new keys or a new CA bundle.
func credentialsHash(s *corev1.Secret) string {
	return digest(append(append([]byte{}, s.Data[tenant.SecretAccessKey]...), s.Data[tenant.SecretCABundle]...))
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// reconcileDelete applies the deletion policy to the county's bucket, then
// releases the finalizer (releaseStorage).
func (r *CountyReportReconciler) reconcileDelete(ctx context.Context, cr *v1alpha1.CountyReport) (reconcile.Result, error) {
	return r.releaseStorage(ctx, cr, tenant.Bucket(cr), cr.Spec.Storage.DeletionPolicy, r.Storage != nil,
		func(ctx context.Context) error {
			return r.Storage.DeleteOwnedBucket(ctx, tenant.Bucket(cr), bucketOwner(cr))
		})
}
