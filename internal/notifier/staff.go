package notifier

import (
	"context"
	"errors"
	"sync"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/storage"
)

// staffCache keeps the profiles the staff saved on their portals' account
// pages (staff/<username>.json in each tenant's bucket), by bucket and
// username with the ETag they were read at: a pass lists staff/ and
// downloads only what changed.
type staffCache struct {
	mu       sync.Mutex
	byBucket map[string]map[string]cachedProfile
	// pass holds the buckets listed during the current pass.
	pass map[string][]accounts.Profile
}

type cachedProfile struct {
	etag    string
	profile accounts.Profile
	ok      bool // false: unreadable or invalid, left out
}

// newPass forgets which buckets this pass has listed.
func (s *staffCache) newPass() {
	s.mu.Lock()
	s.pass = nil
	s.mu.Unlock()
}

// staffOf is the staff profiles of bucket, listed once per pass.
func (n *Notifier) staffOf(ctx context.Context, bucket string) ([]accounts.Profile, error) {
	s := &n.staff
	s.mu.Lock()
	defer s.mu.Unlock()
	if ps, ok := s.pass[bucket]; ok {
		return ps, nil
	}
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
	var out []accounts.Profile
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
			out = append(out, c.profile)
		}
	}
	s.byBucket[bucket] = now
	if s.pass == nil {
		s.pass = map[string][]accounts.Profile{}
	}
	s.pass[bucket] = out
	return out, nil
}

func errString(err error) string {
	if err == nil {
		return "stored under another username"
	}
	return err.Error()
}
