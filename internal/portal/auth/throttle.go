package auth

import (
	"sync"
	"time"
)

// Throttle slows repeated failed sign-ins for one key (an account, a client
// address). The first Free failures cost nothing; after that each attempt
// must wait a delay that doubles with every failure, up to Max. There is no
// lockout: a real user whose account is under attack waits at most Max
// (ASVS 6.3.1 asks for controls that cannot be used to lock a user out).
// Failures are forgotten Forget after the last one.
type Throttle struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]*strikes
}

type strikes struct {
	n    int
	last time.Time
}

// NewThrottle returns a throttle with the given free attempts and maximum delay.
func NewThrottle(free int, base, max time.Duration) *Throttle {
	return &Throttle{Free: free, Base: base, Max: max, Forget: 15 * time.Minute, Now: time.Now, keys: map[string]*strikes{}}
}

func (t *Throttle) delay(n int) time.Duration {
	if n < t.Free {
		return 0
	}
	d := t.Base
	for i := t.Free; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// Wait is how long key must still wait before its next attempt (0: go ahead).
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.keys[key]
	if s == nil {
		return 0
	}
	now := t.Now()
	if now.Sub(s.last) >= t.Forget {
		delete(t.keys, key)
		return 0
	}
	return max(0, s.last.Add(t.delay(s.n)).Sub(now))
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	if len(t.keys) > 100000 {
		t.gcLocked(now)
	}
	s := t.keys[key]
	if s == nil || now.Sub(s.last) >= t.Forget {
		s = &strikes{}
		t.keys[key] = s
	}
	s.n++
	s.last = now
}

// Succeed forgets key's failures.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	delete(t.keys, key)
	t.mu.Unlock()
}

func (t *Throttle) gcLocked(now time.Time) {
	for k, s := range t.keys {
		if now.Sub(s.last) >= t.Forget {
			delete(t.keys, k)
		}
	}
}
