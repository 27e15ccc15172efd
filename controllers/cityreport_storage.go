package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// reconcileCityStorage ensures the city's own bucket and credentials, and
// one set of credentials per member county, limited to that county's
// reports/ and data/ (read) and review/ (write).
func (r *CityReportReconciler) reconcileCityStorage(ctx context.Context, st *cityState) error {
	city := st.city
	if r.Storage == nil {
		st.storageNotSet()
		return nil
	}
	parent := ctx
	ctx, cancel := r.storageDeadline(ctx, 4+len(st.members))
	defer cancel()
	bucket := tenant.CityBucket(city)
	city.Status.Bucket = bucket
	msg, err := r.countyBucket(ctx, bucket)
	if err == nil && msg == "" {
		err = r.Storage.ClaimBucket(ctx, bucket, cityOwner(city))
		if errors.Is(err, storage.ErrNotOwned) {
			msg, err = err.Error()+"; the city gets no credentials for it", nil
		}
	}
	if msg != "" {
		setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionStorageReady, metav1.ConditionFalse, v1alpha1.ReasonBucketNotOwned, msg)
		city.Status.Bucket = ""
		return nil
	}
	var ownExp, membersExp time.Time
	if err == nil {
		ownExp, err = r.ensureCityCredentials(ctx, st, bucket)
	}
	if err == nil {
		membersExp, err = r.ensureMemberCredentials(ctx, st)
	}
	if err == nil {
		// A sweep of the whole bucket: a deadline of its own, as a county's.
		rctx, rcancel := r.storageDeadline(parent, 4)
		err = r.applyCityRetention(rctx, st, bucket)
		rcancel()
	}
	if err != nil {
		return st.storageFailed(err)
	}
	exp := ownExp
	if !membersExp.IsZero() && membersExp.Before(exp) {
		exp = membersExp
	}
	city.Status.CredentialsSecretName = tenant.CityCredentialsSecretName(city)
	city.Status.MemberCredentialsSecretName = tenant.MemberCredentialsSecretName(city)
	city.Status.CredentialsExpireAt = &metav1.Time{Time: exp}
	setCondition(&city.Status.Conditions, city.Generation, v1alpha1.ConditionStorageReady, metav1.ConditionTrue, v1alpha1.ReasonReconciled, fmt.Sprintf(
		"bucket %s with credentials in Secret %s; credentials for %d member counties in Secret %s/%s",
		bucket, city.Status.CredentialsSecretName, len(st.members), city.Status.Namespace, city.Status.MemberCredentialsSecretName))
	return nil
}

// countyBucket refuses a bucket a county uses, before storage is asked (a
// county's bucket may not exist yet). The message is "" when none does.
// Any other bucket that exists and was not made for this city is refused by
// ClaimBucket.
func (r *CityReportReconciler) countyBucket(ctx context.Context, bucket string) (string, error) {
	var counties v1alpha1.CountyReportList
	if err := r.List(ctx, &counties); err != nil {
		return "", fmt.Errorf("list CountyReports: %w", err)
	}
	for _, cr := range counties.Items {
		if cr.Status.Bucket == bucket || tenant.Bucket(&cr) == bucket {
			return fmt.Sprintf("bucket %s belongs to CountyReport %s/%s; the city gets no credentials for it", bucket, cr.Namespace, cr.Name), nil
		}
	}
	return "", nil
}

// ensureCityCredentials keeps the city's credentials for its own bucket,
// renewed after two thirds of their lifetime, as a county's.
func (r *CityReportReconciler) ensureCityCredentials(ctx context.Context, st *cityState, bucket string) (time.Time, error) {
	name := tenant.CityCredentialsSecretName(st.city)
	have, err := r.readCitySecret(ctx, st.city, name)
	if err != nil {
		return time.Time{}, err
	}
	now := r.Clock.Now()
	expires, _ := time.Parse(time.RFC3339, string(have[tenant.SecretExpiresAt]))
	if have != nil && string(have[tenant.SecretBucket]) == bucket && string(have[tenant.SecretEndpoint]) == r.StorageEndpoint &&
		now.Before(r.rotateAt(expires)) {
		st.requeueIn(r.rotateAt(expires).Sub(now))
		return expires, nil
	}
	creds, err := r.Storage.Issue(ctx, bucket, r.credentialsTTL())
	if err != nil {
		return time.Time{}, err
	}
	expires = creds.Expiration.UTC().Truncate(time.Second)
	data := r.endpointData()
	maps.Copy(data, credentialData("", bucket, creds, expires))
	if err := r.writeCitySecret(ctx, st.city, name, "storage-credentials", data); err != nil {
		return time.Time{}, err
	}
	st.requeueIn(r.rotateAt(expires).Sub(now))
	return expires, nil
}

// ensureMemberCredentials keeps one set of credentials per member in one
// Secret, each minted with storage.MemberPolicy for that member's bucket
// alone. A county that stops being a member loses its entry at once (the
// Secret is rewritten without it); credentials already handed out stay
// valid until they expire, which is at most the credentials TTL.
func (r *CityReportReconciler) ensureMemberCredentials(ctx context.Context, st *cityState) (time.Time, error) {
	name := tenant.MemberCredentialsSecretName(st.city)
	have, err := r.readCitySecret(ctx, st.city, name)
	if err != nil {
		return time.Time{}, err
	}
	now := r.Clock.Now()
	want := r.endpointData()
	want[tenant.SecretMembers] = []byte(joinCodes(st.members))
	var earliest time.Time
	for _, m := range st.members {
		code := m.county.Spec.County.Code
		key := func(f string) string { return tenant.MemberKey(code, f) }
		expires, _ := time.Parse(time.RFC3339, string(have[key(tenant.SecretExpiresAt)]))
		fresh := have != nil && string(have[key(tenant.SecretBucket)]) == m.bucket &&
			string(have[tenant.SecretEndpoint]) == r.StorageEndpoint && now.Before(r.rotateAt(expires))
		if fresh {
			for _, f := range []string{tenant.SecretAccessKey, tenant.SecretSecretKey, tenant.SecretSessionToken, tenant.SecretBucket, tenant.SecretExpiresAt} {
				want[key(f)] = have[key(f)]
			}
		} else {
			creds, err := r.Storage.IssueMember(ctx, m.bucket, r.credentialsTTL())
			if err != nil {
				return time.Time{}, fmt.Errorf("credentials for member %s: %w", code, err)
			}
			expires = creds.Expiration.UTC().Truncate(time.Second)
			maps.Copy(want, credentialData(code, m.bucket, creds, expires))
		}
		if earliest.IsZero() || expires.Before(earliest) {
			earliest = expires
		}
		st.requeueIn(r.rotateAt(expires).Sub(now))
	}
	if have != nil && equalData(have, want) {
		return earliest, nil
	}
	return earliest, r.writeCitySecret(ctx, st.city, name, "member-credentials", want)
}

func equalData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, func(x, y []byte) bool { return bytes.Equal(x, y) })
}

// credentialData is one credential set's keys, prefixed "<code>." for a member.
func credentialData(code, bucket string, c storage.Credentials, expires time.Time) map[string][]byte {
	key := func(f string) string {
		if code == "" {
			return f
		}
		return tenant.MemberKey(code, f)
	}
	return map[string][]byte{
		key(tenant.SecretAccessKey):    []byte(c.AccessKey),
		key(tenant.SecretSecretKey):    []byte(c.SecretKey),
		key(tenant.SecretSessionToken): []byte(c.SessionToken),
		key(tenant.SecretBucket):       []byte(bucket),
		key(tenant.SecretExpiresAt):    []byte(expires.Format(time.RFC3339)),
	}
}

// readCitySecret returns the data of the city's Secret name, nil when it
// does not exist, and an error when it exists but is not the city's.
func (r *CityReportReconciler) readCitySecret(ctx context.Context, city *v1alpha1.CityReport, name string) (map[string][]byte, error) {
	var s corev1.Secret
	err := r.Get(ctx, client.ObjectKey{Namespace: tenant.CityNamespace(city), Name: name}, &s)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Secret %s: %w", name, err)
	}
	if !controlledByCity(&s, city) {
		return nil, fmt.Errorf("secret %s/%s exists and is not owned by CityReport %s; rename or remove it", s.Namespace, name, city.Name)
	}
	if s.Data == nil {
		return map[string][]byte{}, nil
	}
	return s.Data, nil
}

// writeCitySecret creates or replaces the data of one of the city's Secrets.
func (r *CityReportReconciler) writeCitySecret(ctx context.Context, city *v1alpha1.CityReport, name, component string, data map[string][]byte) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: tenant.CityNamespace(city)}}
	err := r.Get(ctx, client.ObjectKeyFromObject(s), s)
	switch {
	case apierrors.IsNotFound(err):
		s.Labels, s.Type, s.Data = tenant.CityLabels(city, component), corev1.SecretTypeOpaque, data
		if err := controllerutil.SetControllerReference(city, s, r.Scheme); err != nil {
			return err
		}
		err = r.Create(ctx, s)
	case err == nil:
		s.Data = data
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		maps.Copy(s.Labels, tenant.CityLabels(city, component))
		err = r.Update(ctx, s)
	}
	if err != nil {
		return fmt.Errorf("write Secret %s: %w", name, err)
	}
	recordEvent(r.Recorder, city, corev1.EventTypeNormal, "CredentialsIssued", "Issue", "credentials written to Secret %s/%s", s.Namespace, name)
	return nil
}

func controlledByCity(obj client.Object, city *v1alpha1.CityReport) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller && ref.UID == city.UID {
			return true
		}
	}
	return false
}

func (r *CityReportReconciler) rotateAt(expires time.Time) time.Time {
	return expires.Add(-r.credentialsTTL() / 3)
}

// cityOwner is how a CityReport is recorded as its bucket's owner.
func cityOwner(c *v1alpha1.CityReport) storage.Owner {
	return storage.Owner{UID: string(c.UID), Name: "city/" + c.Name, County: c.Spec.City.Code}
}

// reconcileCityDelete applies spec.storage.deletionPolicy to the city's
// bucket, as a county's (releaseStorage): Delete removes it only when it was
// created for this CityReport; Retain (the default) keeps it.
func (r *CityReportReconciler) reconcileCityDelete(ctx context.Context, c *v1alpha1.CityReport) (ctrl.Result, error) {
	return r.releaseStorage(ctx, c, tenant.CityBucket(c), c.Spec.Storage.DeletionPolicy, r.Storage != nil,
		func(ctx context.Context) error {
			return r.Storage.DeleteOwnedBucket(ctx, tenant.CityBucket(c), cityOwner(c))
		})
}

// applyCityRetention removes the city's own reports older than
// spec.storage.retentionMonths, once a day, as a county's are
// (applyRetention); months are counted in the schedule's time zone. It
// never touches a member's bucket: a county's retention is the county's.
func (r *CityReportReconciler) applyCityRetention(ctx context.Context, st *cityState, bucket string) error {
	c := st.city
	loc := scheduleZone(c.Spec.Schedule)
	months := retentionMonths(c.Spec.Storage)
	return st.retainDaily(r.Recorder, &c.Status.LastRetentionTime, r.Clock.Now(), bucket, months,
		func(now time.Time) (storage.RetainResult, error) {
			return r.Storage.Archive(bucket).Retain(ctx, months, now.In(loc))
		})
}
