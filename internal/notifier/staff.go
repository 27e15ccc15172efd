package notifier

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

// tenantRef is a county or a city as the notifier enqueues for it: its
// routes, its bucket, and where its staff are (the accounts Secret of its
// own namespace, and single sign-on).
type tenantRef struct {
	spec              *v1alpha1.NotificationsSpec
	bucket, namespace string
	// accountsSecret holds accounts.yaml; generated: the operator's Secret,
	// whose initial-password makes admin an editor.
	accountsSecret string
	generated      bool
	sso            bool
	// zone is where the tenant's people read times (the county's schedule
	// zone, the city's review zone): an expiry is shown in it.
	zone string
}

func countyRef(c *v1alpha1.CountyReport) tenantRef {
	t := tenantRef{spec: c.Spec.Notifications, bucket: c.Status.Bucket, namespace: c.Namespace,
		accountsSecret: c.Spec.Portal.AccountsSecretName, sso: c.Spec.Portal.SSO != nil, zone: c.Spec.Schedule.TimeZone}
	if t.accountsSecret == "" {
		t.accountsSecret, t.generated = tenant.Name(c), true
	}
	return t
}

func cityRef(c *v1alpha1.CityReport) tenantRef {
	t := tenantRef{spec: c.Spec.Notifications, bucket: c.Status.Bucket, namespace: c.Status.Namespace,
		accountsSecret: c.Spec.Portal.AccountsSecretName, sso: c.Spec.Portal.SSO != nil, zone: c.Spec.Review.TimeZone}
	if t.accountsSecret == "" {
		t.accountsSecret, t.generated = tenant.CityPortalName(c), true
	}
	return t
}

// staffCache keeps the profiles the staff saved on their portals' account
// pages (staff/<username>.json in each tenant's bucket), by bucket and
// username with the ETag they were read at, and each tenant's accounts
// file by the Secret's resourceVersion: a pass lists staff/ and reads the
// Secret, and parses or downloads only what changed.
type staffCache struct {
	mu       sync.Mutex
	byBucket map[string]map[string]cachedProfile
	files    map[string]cachedFile // by namespace/name
	// pass holds the tenants worked out during the current pass.
	pass map[string][]accounts.Profile
}

type cachedProfile struct {
	etag    string
	profile accounts.Profile
	ok      bool // false: unreadable or invalid, left out
}

type cachedFile struct {
	version string
	file    *accounts.File
}

// newPass forgets which tenants this pass has worked out.
func (s *staffCache) newPass() {
	s.mu.Lock()
	s.pass = nil
	s.mu.Unlock()
}

// staffOf is tenant t's staff who can be reached by mail, worked out once
// per pass: the accounts of its accounts file (their role always the
// file's), each with the address and language of its profile if it saved
// one, else the file's; and, when the tenant signs in through single
// sign-on, the profiles of accounts the file does not list. A profile of
// an account the file no longer lists is otherwise left out: its owner has
// left. Without the Secret (not made yet) the profiles are used as saved.
func (n *Notifier) staffOf(ctx context.Context, t tenantRef) ([]accounts.Profile, error) {
	s := &n.staff
	s.mu.Lock()
	defer s.mu.Unlock()
	key := t.namespace + "/" + t.bucket
	if ps, ok := s.pass[key]; ok {
		return ps, nil
	}
	profiles, err := n.profiles(ctx, t.bucket)
	if err != nil {
		return nil, err
	}
	file, err := n.accountsFile(ctx, t)
	if err != nil {
		return nil, err
	}
	out := mergeStaff(file, profiles, t.sso)
	if s.pass == nil {
		s.pass = map[string][]accounts.Profile{}
	}
	s.pass[key] = out
	return out, nil
}

// mergeStaff is staffOf's rule, apart from storage (file nil: unknown).
func mergeStaff(file *accounts.File, profiles map[string]accounts.Profile, sso bool) []accounts.Profile {
	var out []accounts.Profile
	if file == nil {
		for _, p := range profiles {
			out = append(out, p)
		}
		return out
	}
	for _, a := range file.Accounts {
		p := accounts.Profile{Username: a.Username, Role: a.Role, Email: a.Email, Language: a.Language}
		if saved, ok := profiles[a.Username]; ok {
			p.Email, p.Language = saved.Email, saved.Language
		}
		out = append(out, p)
	}
	if sso {
		for name, p := range profiles {
			if file.Lookup(name) == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// profiles reads bucket's staff profiles, downloading only changed ones.
// Called with the cache locked.
func (n *Notifier) profiles(ctx context.Context, bucket string) (map[string]accounts.Profile, error) {
	s := &n.staff
	arch := n.Storage.Archive(bucket)
	list, err := arch.StaffProfiles(ctx)
	if err != nil {
		return nil, err
	}
	if s.byBucket == nil {
		s.byBucket = map[string]map[string]cachedProfile{}
	}
	old := s.byBucket[bucket]
	now := make(map[string]cachedProfile, len(list))
	out := map[string]accounts.Profile{}
	for _, o := range list {
		c, ok := old[o.Username]
		if !ok || c.etag != o.ETag {
			c = cachedProfile{etag: o.ETag}
			data, err := arch.GetStaffProfile(ctx, o.Username)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				continue
			case err != nil:
				return nil, err
			}
			p, err := accounts.ParseProfile(data)
			// A profile is its own user's: one stored under another name is not used.
			c.profile, c.ok = p, err == nil && p.Username == o.Username
			if !c.ok {
				n.Log.Info("staff profile left out", "bucket", bucket, "username", o.Username, "error", errString(err))
			}
		}
		now[o.Username] = c
		if c.ok {
			out[o.Username] = c.profile
		}
	}
	s.byBucket[bucket] = now
	return out, nil
}

// accountsFile reads t's accounts file from its Secret (nil when there is
// no Secret yet), with the generated admin when the operator made it.
// Called with the cache locked.
func (n *Notifier) accountsFile(ctx context.Context, t tenantRef) (*accounts.File, error) {
	if t.namespace == "" || t.accountsSecret == "" {
		return nil, nil
	}
	var sec corev1.Secret
	err := n.Reader.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: t.accountsSecret}, &sec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("accounts Secret %s/%s: %w", t.namespace, t.accountsSecret, err)
	}
	id := t.namespace + "/" + t.accountsSecret
	if c, ok := n.staff.files[id]; ok && c.version == sec.ResourceVersion && sec.ResourceVersion != "" {
		return c.file, nil
	}
	f := &accounts.File{}
	if data := sec.Data[tenant.AccountsKey]; len(data) > 0 {
		f, err = accounts.Parse(data)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts Secret %s/%s: %w", t.namespace, t.accountsSecret, err)
	}
	if t.generated && len(sec.Data[tenant.InitialPasswordKey]) > 0 && f.Lookup(accounts.InitialUser) == nil {
		f.Accounts = append(f.Accounts, accounts.Account{Username: accounts.InitialUser, Role: accounts.Editor})
	}
	if n.staff.files == nil {
		n.staff.files = map[string]cachedFile{}
	}
	n.staff.files[id] = cachedFile{version: sec.ResourceVersion, file: f}
	return f, nil
}

func errString(err error) string {
	if err == nil {
		return "stored under another username"
	}
	return err.Error()
}
