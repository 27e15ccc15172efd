package portal

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
)

// stateTTL is how old the cached state may get before a request refreshes
// it in the background; the portal's own changes (a confirmed submission, a
// run it started) invalidate it at once.
const stateTTL = 15 * time.Second

// trendPeriods is how many of the latest periods on file the dashboard reads.
const trendPeriods = 12

// snapshot is what the dashboard and the archive show, read together.
type snapshot struct {
	at       time.Time
	county   *v1alpha1.CountyReport
	runs     []v1alpha1.ReportRun // this county's, newest first
	reports  []*storage.Report    // oldest first
	periods  []string             // periods with a stored dataset, oldest first
	datasets map[string]*dataset.Dataset
	problems []string // what could not be read, for the page to say
	// reviews are the city's review of the month under review and, when
	// another, of the latest period on file (empty: no city).
	reviews   []periodStatus
	reviewDue string
	views     map[string]*dashboardView
}

// latest is the newest period's dataset, or nil.
func (s *snapshot) latest() (string, *dataset.Dataset) {
	for i := len(s.periods) - 1; i >= 0; i-- {
		if d := s.datasets[s.periods[i]]; d != nil {
			return s.periods[i], d
		}
	}
	return "", nil
}

// stateCache holds the latest snapshot. A request never waits for storage
// or the API server unless the snapshot was invalidated (or there is none):
// a stale one is served while one refresh runs behind it.
type stateCache struct {
	load func(ctx context.Context) *snapshot

	mu         sync.Mutex
	snap       *snapshot
	dirty      bool
	refreshing bool
	gen        uint64
	wait       chan struct{} // closed when the running refresh ends
	// fresh is snap while it is clean, read without mu; nil when invalidated.
	fresh atomic.Pointer[snapshot]
}

func newStateCache(load func(ctx context.Context) *snapshot) *stateCache {
	return &stateCache{load: load}
}

// get returns a snapshot no older than stateTTL, or a stale one while a
// refresh runs, or (after invalidate) one read after the invalidation.
func (c *stateCache) get(ctx context.Context) *snapshot {
	// The common case, without the lock: a fresh snapshot nobody invalidated.
	if f := c.fresh.Load(); f != nil && time.Since(f.at) < stateTTL {
		return f
	}
	for {
		c.mu.Lock()
		snap, dirty := c.snap, c.dirty
		if snap != nil && !dirty && time.Since(snap.at) < stateTTL {
			c.mu.Unlock()
			return snap
		}
		wait := c.startRefreshLocked()
		c.mu.Unlock()
		if snap != nil && !dirty {
			return snap // stale while revalidating
		}
		select {
		case <-wait:
		case <-ctx.Done():
			if snap == nil {
				return &snapshot{at: time.Now(), problems: []string{ctx.Err().Error()}, views: map[string]*dashboardView{}}
			}
			return snap
		}
	}
}

func (c *stateCache) startRefreshLocked() chan struct{} {
	if c.refreshing {
		return c.wait
	}
	c.refreshing = true
	c.wait = make(chan struct{})
	gen := c.gen
	wait := c.wait
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		snap := c.load(ctx)
		c.mu.Lock()
		c.snap = snap
		c.refreshing = false
		// An invalidation during the load may not be in it: load again next time.
		c.dirty = c.gen != gen
		if !c.dirty {
			c.fresh.Store(snap)
		}
		close(wait)
		c.mu.Unlock()
	}()
	return wait
}

// invalidate makes the next get read everything again.
func (c *stateCache) invalidate() {
	c.mu.Lock()
	c.fresh.Store(nil)
	c.dirty = true
	c.gen++
	c.mu.Unlock()
}

// loadSnapshot reads the county, its runs, its archive and its datasets.
func (s *server) loadSnapshot(ctx context.Context) *snapshot {
	snap := &snapshot{at: time.Now(), datasets: map[string]*dataset.Dataset{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	problem := func(what string, err error) {
		mu.Lock()
		snap.problems = append(snap.problems, fmt.Sprintf("%s: %v", what, err))
		mu.Unlock()
		s.log.Warn("portal state not read", "what", what, "err", err)
	}
	if s.kube != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, runs, err := s.readKube(ctx)
			if err != nil {
				problem("cluster", err)
			}
			snap.county, snap.runs = cr, runs
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		reps, err := s.archive.List(ctx)
		if err != nil {
			problem("archive", err)
		}
		snap.reports = reps
	}()
	due := s.data.duePeriod()
	reviewOf := func(p string) {
		defer wg.Done()
		st, err := s.reviewStatus(ctx, p)
		if err != nil {
			problem("review/"+p, err)
			return
		}
		if st != nil {
			mu.Lock()
			snap.reviews = append(snap.reviews, periodStatus{p, *st})
			mu.Unlock()
		}
	}
	if s.reviewEnabled() {
		wg.Add(1)
		go reviewOf(due)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		periods, err := s.data.periods(ctx)
		if err != nil {
			problem("data", err)
			return
		}
		snap.periods = periods
		if n := len(periods); n > 0 && periods[n-1] != due && s.reviewEnabled() {
			wg.Add(1) // while this one is running: the count is not zero
			go reviewOf(periods[n-1])
		}
		from := max(0, len(periods)-trendPeriods)
		for _, p := range periods[from:] {
			d, err := s.data.dataset(ctx, p)
			if err != nil {
				problem("data/"+p, err)
				continue
			}
			mu.Lock()
			snap.datasets[p] = d
			mu.Unlock()
		}
	}()
	wg.Wait()
	sortReviews(snap.reviews, due)
	snap.reviewDue = due
	snap.views = map[string]*dashboardView{}
	for _, lang := range []string{"zh-CN", "en"} {
		snap.views[lang] = s.buildDashboard(snap, lang)
	}
	return snap
}

// readKube reads the county's CountyReport and ReportRuns; the portal's
// Role allows exactly these.
func (s *server) readKube(ctx context.Context) (*v1alpha1.CountyReport, []v1alpha1.ReportRun, error) {
	var errs []error
	cr := &v1alpha1.CountyReport{}
	if err := s.kube.Get(ctx, client.ObjectKey{Namespace: s.cfg.Namespace, Name: s.cfg.CountyReport}, cr); err != nil {
		errs = append(errs, fmt.Errorf("CountyReport %s/%s: %w", s.cfg.Namespace, s.cfg.CountyReport, err))
		cr = nil
	}
	var list v1alpha1.ReportRunList
	var runs []v1alpha1.ReportRun
	if err := s.kube.List(ctx, &list, client.InNamespace(s.cfg.Namespace)); err != nil {
		errs = append(errs, fmt.Errorf("ReportRuns in %s: %w", s.cfg.Namespace, err))
	} else {
		for _, r := range list.Items {
			if r.Spec.CountyReportName == s.cfg.CountyReport {
				runs = append(runs, r)
			}
		}
		sort.Slice(runs, func(i, j int) bool {
			ti, tj := runs[i].CreationTimestamp, runs[j].CreationTimestamp
			if !ti.Equal(&tj) {
				return tj.Before(&ti)
			}
			return runs[i].Name > runs[j].Name
		})
	}
	return cr, runs, errors.Join(errs...)
}
