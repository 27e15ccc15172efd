package portal

import (
	"sync"
	"time"
)

// confirmed remembers, for a day, which preview tokens were confirmed and
// for which period, so that pressing 确认提交 again after the browser's
// Back button (or reloading the preview) answers "already submitted" with
// a link to the period rather than a bare 404. Bounded: the oldest entry
// goes first. A token is bound to the account that confirmed it, like the
// preview itself.
type confirmed struct {
	now func() time.Time

	mu    sync.Mutex
	items map[string]confirmedItem
	order []string // tokens, oldest first
}

type confirmedItem struct {
	owner, period string
	until         time.Time
}

const (
	confirmedTTL = 24 * time.Hour
	confirmedMax = 256
)

func newConfirmed(now func() time.Time) *confirmed {
	return &confirmed{now: now, items: map[string]confirmedItem{}}
}

// add records that owner confirmed token for period.
func (c *confirmed) add(owner, token, period string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) >= confirmedMax {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[token] = confirmedItem{owner: owner, period: period, until: c.now().Add(confirmedTTL)}
	c.order = append(c.order, token)
}

// period is the period owner confirmed under token, if remembered.
func (c *confirmed) period(owner, token string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[token]
	if !ok || it.owner != owner || !c.now().Before(it.until) {
		return "", false
	}
	return it.period, true
}
