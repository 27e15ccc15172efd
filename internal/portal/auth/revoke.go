package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RevocationStore keeps revocation marks where every replica of a portal
// sees them: the tenant's own bucket (storage.Archive's session marks).
// A mark is a short name and nothing else.
type RevocationStore interface {
	PutSessionMark(ctx context.Context, name string) error
	// SessionMarks lists every mark (bounded by the store).
	SessionMarks(ctx context.Context) ([]string, error)
	DeleteSessionMark(ctx context.Context, name string) error
}

// PollInterval is how often Watch lists the marks: a sign-out on one
// replica ends the session on the others within it.
const PollInterval = 2 * time.Second

// gcPerPoll bounds the expired marks one poll deletes.
const gcPerPoll = 100

// Revocations is the list of ended sessions and revoked users, kept in
// memory (checked on every request without a storage round trip) and in
// the store (so every replica, and a restarted one, learns of them).
//
// Marks are names that carry their own expiry, so any replica can delete
// the ones no session can need any more:
//
//	s.<expires unix>.<session id>         one session signed out
//	u.<not-before unix nano>.<user hash>  every session of a user begun until then
type Revocations struct {
	store RevocationStore
	life  time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu    sync.RWMutex
	ids   map[string]int64 // session id → expiry (unix seconds)
	users map[string]int64 // user hash → not-before (unix nanoseconds)
}

func newRevocations(store RevocationStore, life time.Duration, now func() time.Time, log *slog.Logger) *Revocations {
	return &Revocations{store: store, life: life, now: now, log: log, ids: map[string]int64{}, users: map[string]int64{}}
}

func userHash(user string) string {
	sum := sha256.Sum256([]byte(user))
	return hex.EncodeToString(sum[:16])
}

// Revoked reports whether se was signed out or its user revoked since it began.
func (v *Revocations) Revoked(se *Session) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if _, ok := v.ids[se.ID]; ok {
		return true
	}
	if len(v.users) == 0 {
		return false
	}
	nb, ok := v.users[userHash(se.UserKey())]
	return ok && se.Created.UnixNano() <= nb
}

// RevokeSession ends one session (until it would have expired anyway).
func (v *Revocations) RevokeSession(ctx context.Context, id string, expires time.Time) {
	v.mu.Lock()
	v.ids[id] = expires.Unix()
	v.mu.Unlock()
	v.put(ctx, "s."+strconv.FormatInt(expires.Unix(), 10)+"."+id)
}

// RevokeUser ends every session of user begun until now.
func (v *Revocations) RevokeUser(ctx context.Context, user string) error {
	h, nb := userHash(user), v.now().UnixNano()
	v.mu.Lock()
	v.users[h] = max(v.users[h], nb)
	v.mu.Unlock()
	return v.put(ctx, "u."+strconv.FormatInt(nb, 10)+"."+h)
}

func (v *Revocations) put(ctx context.Context, name string) error {
	if v.store == nil {
		return nil
	}
	// A sign-out must reach the store even when the browser went away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := v.store.PutSessionMark(ctx, name)
	if err != nil {
		v.log.Error("session revocation not stored: it holds on this replica only", "mark", name, "err", err)
	}
	return err
}

// Poll reads the store's marks once: marks of other replicas are added,
// expired ones forgotten here and deleted from the store.
func (v *Revocations) Poll(ctx context.Context) error {
	if v.store == nil {
		return nil
	}
	names, err := v.store.SessionMarks(ctx)
	if err != nil {
		return err
	}
	now := v.now()
	var stale []string
	v.mu.Lock()
	for _, n := range names {
		kind, t, rest, ok := parseMark(n)
		switch {
		case !ok:
			continue
		case v.markExpired(kind, t, now):
			stale = append(stale, n)
		case kind == "s":
			v.ids[rest] = t
		default:
			v.users[rest] = max(v.users[rest], t)
		}
	}
	v.pruneLocked(now)
	v.mu.Unlock()
	for _, n := range stale[:min(len(stale), gcPerPoll)] {
		if err := v.store.DeleteSessionMark(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (v *Revocations) markExpired(kind string, t int64, now time.Time) bool {
	if kind == "s" {
		return t < now.Unix()
	}
	return time.Unix(0, t).Add(v.life).Before(now)
}

func (v *Revocations) pruneLocked(now time.Time) {
	for id, exp := range v.ids {
		if v.markExpired("s", exp, now) {
			delete(v.ids, id)
		}
	}
	for h, nb := range v.users {
		if v.markExpired("u", nb, now) {
			delete(v.users, h)
		}
	}
}

// parseMark splits a mark's name; anything else in the prefix is ignored.
func parseMark(name string) (kind string, t int64, rest string, ok bool) {
	parts := strings.SplitN(name, ".", 3)
	if len(parts) != 3 || (parts[0] != "s" && parts[0] != "u") || parts[2] == "" {
		return "", 0, "", false
	}
	t, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || t < 0 {
		return "", 0, "", false
	}
	return parts[0], t, parts[2], true
}

// Watch polls the store every interval until ctx ends; a failed poll is
// logged and the last list kept.
func (v *Revocations) Watch(ctx context.Context, interval time.Duration) {
	if v.store == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := v.Poll(ctx); err != nil && ctx.Err() == nil {
			v.log.Warn("session revocations not read; using the last list", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
