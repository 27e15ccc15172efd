package submission

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Pending keeps previews between the upload and the confirm request, in
// memory, each bound to the account that made it. The portal hands the
// token to the browser (a hidden field) and looks the preview up on confirm;
// nothing reaches storage before that.
type Pending struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	items map[string]pendingItem
}

type pendingItem struct {
	owner string
	p     *Preview
	until time.Time
}

// NewPending keeps at most max previews, each for ttl.
func NewPending(ttl time.Duration, max int) *Pending {
	return &Pending{ttl: ttl, max: max, now: time.Now, items: map[string]pendingItem{}}
}

// Put keeps p for owner and returns its token.
func (s *Pending) Put(owner string, p *Preview) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token := hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	for len(s.items) >= s.max {
		s.dropOldest()
	}
	s.items[token] = pendingItem{owner: owner, p: p, until: now.Add(s.ttl)}
	return token
}

// Get returns owner's preview under token, if it is there and fresh.
func (s *Pending) Get(owner, token string) (*Preview, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[token]
	if !ok || it.owner != owner || !s.now().Before(it.until) {
		return nil, false
	}
	return it.p, true
}

// Delete forgets token (after a confirm).
func (s *Pending) Delete(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, token)
}

func (s *Pending) sweep(now time.Time) {
	for k, it := range s.items {
		if !now.Before(it.until) {
			delete(s.items, k)
		}
	}
}

func (s *Pending) dropOldest() {
	var oldest string
	var at time.Time
	for k, it := range s.items {
		if oldest == "" || it.until.Before(at) {
			oldest, at = k, it.until
		}
	}
	delete(s.items, oldest)
}
