package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Throttle slows repeated failed sign-ins for one key. The first Free
// failures cost nothing; after that each attempt must wait a delay that
// doubles with every failure, up to Max. There is no lockout: whoever holds
// the key waits at most Max. Failures are forgotten Forget after the last one.
//
// Its memory is bounded whatever the attackers send: keys are stored as a
// 16-byte digest (a username of megabytes costs 16 bytes), and at most
// MaxKeys are kept; when full, expired keys go first, then the one failed
// longest ago among a few.
type Throttle struct {
	Free    int
	Base    time.Duration
	Max     time.Duration
	Forget  time.Duration
	MaxKeys int
	Now     func() time.Time

	mu   sync.Mutex
	keys map[throttleKey]strikes
}

// DefaultMaxKeys bounds the keys of one throttle: about 64 bytes each, so
// a few megabytes at most.
const DefaultMaxKeys = 50_000

type throttleKey [16]byte

type strikes struct {
	n    int
	last time.Time
}

func digest(parts ...string) throttleKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k throttleKey
	copy(k[:], h.Sum(nil))
	return k
}

// NewThrottle returns a throttle with the given free attempts and delays.
func NewThrottle(free int, base, max time.Duration) *Throttle {
	return &Throttle{Free: free, Base: base, Max: max, Forget: 15 * time.Minute, MaxKeys: DefaultMaxKeys, Now: time.Now, keys: map[throttleKey]strikes{}}
}

func (t *Throttle) delay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := t.Base
	for i := free; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// Wait is how long key must still wait before its next attempt (0: go ahead).
func (t *Throttle) Wait(key string) time.Duration { return t.wait(digest(key), t.Free) }

// Failures is the number of failures key has had within Forget.
func (t *Throttle) Failures(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[digest(key)]
	if !ok || t.Now().Sub(s.last) >= t.Forget {
		return 0
	}
	return s.n
}

// wait is Wait with the free attempts given (the guard tightens them).
func (t *Throttle) wait(k throttleKey, free int) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[k]
	if !ok {
		return 0
	}
	now := t.Now()
	if now.Sub(s.last) >= t.Forget {
		delete(t.keys, k)
		return 0
	}
	return max(0, s.last.Add(t.delay(s.n, free)).Sub(now))
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) { t.fail(digest(key)) }

func (t *Throttle) fail(k throttleKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	s, ok := t.keys[k]
	if !ok {
		t.makeRoomLocked(now)
	}
	if !ok || now.Sub(s.last) >= t.Forget {
		s = strikes{}
	}
	s.n++
	s.last = now
	t.keys[k] = s
}

// Succeed forgets key's failures.
func (t *Throttle) Succeed(key string) { t.succeed(digest(key)) }

func (t *Throttle) succeed(k throttleKey) {
	t.mu.Lock()
	delete(t.keys, k)
	t.mu.Unlock()
}

// Len is the number of keys held.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}

// makeRoomLocked keeps the map under MaxKeys: expired keys first; then the
// oldest of a few keys taken at random (map order), so an attacker filling
// the map mostly pushes out its own stale keys, at a bounded cost per call.
func (t *Throttle) makeRoomLocked(now time.Time) {
	limit := t.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	if len(t.keys) < limit {
		return
	}
	for k, s := range t.keys {
		if now.Sub(s.last) >= t.Forget {
			delete(t.keys, k)
		}
	}
	for len(t.keys) >= limit {
		var victim throttleKey
		var oldest time.Time
		seen := 0
		for k, s := range t.keys {
			if seen == 0 || s.last.Before(oldest) {
				victim, oldest = k, s.last
			}
			if seen++; seen == 8 {
				break
			}
		}
		delete(t.keys, victim)
	}
}

// Guard is the sign-in throttle (ASVS 6.1.1, 6.3.1): no one can use it to
// lock another user out.
//
//   - Pair, per (account, client address): an attacker's failures slow that
//     attacker on that account, and no one else. 5 free, then 1 s doubling
//     to 5 min.
//   - Address, per client address across accounts (password spraying): 20
//     free, then 1 s doubling to 60 s.
//   - Account, per account across addresses: it never refuses anyone. Once
//     an account has had AccountFree failures (it is under attack, likely
//     from many addresses), every address that has failed on it gets only
//     one free attempt instead of Pair.Free. An address that has not failed
//     on the account, such as the real user's elsewhere, is never slowed
//     by others' failures.
//
// Addresses are keyed whole for IPv4 and by /64 for IPv6. Behind an
// Ingress the client address is only real when the Ingress controller is a
// trusted proxy (Proxies); otherwise every visitor shares its address.
type Guard struct {
	Pair, Address, Account *Throttle
	// AccountFree is the failures after which an account is under attack.
	AccountFree int
}

// Guard settings.
const (
	pairFree, pairMax       = 5, 5 * time.Minute
	addressFree, addressMax = 20, 60 * time.Second
	accountUnderAttack      = 10
)

// NewGuard returns the sign-in throttle with its default settings.
func NewGuard() *Guard {
	g := &Guard{
		Pair:        NewThrottle(pairFree, time.Second, pairMax),
		Address:     NewThrottle(addressFree, time.Second, addressMax),
		Account:     NewThrottle(0, 0, 0),
		AccountFree: accountUnderAttack,
	}
	return g
}

// SetClock sets the clock of every throttle (tests).
func (g *Guard) SetClock(now func() time.Time) {
	g.Pair.Now, g.Address.Now, g.Account.Now = now, now, now
}

// Wait is how long a sign-in as account from addr must still wait (0: go ahead).
func (g *Guard) Wait(account, addr string) time.Duration {
	free := g.Pair.Free
	if g.Account.Failures(account) >= g.AccountFree {
		free = min(free, 1)
	}
	return max(g.Pair.wait(digest(account, addr), free), g.Address.Wait(addr))
}

// Fail records a failed sign-in as account from addr.
func (g *Guard) Fail(account, addr string) {
	g.Pair.fail(digest(account, addr))
	g.Address.Fail(addr)
	g.Account.Fail(account)
}

// Succeed forgets the pair's failures. The address's count stays (an
// attacker signing in to an account of its own must not wipe its spraying
// record), and so does the account's: one success does not end an attack.
func (g *Guard) Succeed(account, addr string) {
	g.Pair.succeed(digest(account, addr))
}
