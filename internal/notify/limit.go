package notify

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiters hold each channel's vendor rate limits in this process (the
// leader delivers; a second manager only takes over). A nil *Limiters
// limits nothing.
type Limiters struct {
	mu sync.Mutex
	m  map[string][]*rate.Limiter
}

// NewLimiters makes an empty set.
func NewLimiters() *Limiters { return &Limiters{m: map[string][]*rate.Limiter{}} }

// Reserve takes one message from key's limits at now, or says how long to
// wait (taking nothing).
func (l *Limiters) Reserve(key, typ string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ls, ok := l.m[key]
	if !ok {
		for _, v := range VendorLimits(typ) {
			ls = append(ls, rate.NewLimiter(rate.Every(v.Window/time.Duration(v.N)), v.N))
		}
		l.m[key] = ls
	}
	for _, lim := range ls {
		if lim.TokensAt(now) < 1 {
			r := lim.ReserveN(now, 1)
			d := r.DelayFrom(now)
			r.CancelAt(now)
			return max(d, time.Nanosecond)
		}
	}
	for _, lim := range ls {
		lim.AllowN(now, 1)
	}
	return 0
}
