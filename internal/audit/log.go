package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/period"
)

// Store is the tenant's bucket as the log uses it (*storage.Archive).
type Store interface {
	PutAuditEntry(ctx context.Context, period, name string, data []byte) error
	GetAuditEntry(ctx context.Context, period, name string) ([]byte, error)
	AuditEntries(ctx context.Context, period, after string, max int) ([]string, error)
	AuditPeriods(ctx context.Context) ([]string, error)
}

// Log writes and reads one tenant's audit log.
type Log struct {
	store Store
	now   func() time.Time
	zone  *time.Location

	mu      sync.Mutex
	hour    time.Time // the hour whose failures are being counted
	fails   int       // failures written in hour
	dropped int       // failures not written in hour
}

// New returns the log kept in store; now is the portal's clock, zone the
// tenant's time zone (which month an entry belongs to).
func New(store Store, now func() time.Time, zone *time.Location) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, now: now, zone: zone}
}

// writeTimeout bounds one write: a request waits for its entry, but not
// for a storage that does not answer.
const writeTimeout = 10 * time.Second

// Add writes e (its Time set from the clock when zero) before it returns.
// A failure or refusal beyond the hour's budget is counted instead (see
// the package doc); the error says why an entry was not kept, for the
// server log.
func (l *Log) Add(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	write, summary := l.budget(e)
	if summary != nil {
		if err := l.put(ctx, *summary); err != nil {
			return err
		}
	}
	if !write {
		return errSuppressed
	}
	return l.put(ctx, e)
}

var errSuppressed = errors.New("audit: more failed sign-ins this hour than the log keeps one by one; counted")

// IsSuppressed reports whether Add counted the entry instead of writing it.
func IsSuppressed(err error) bool { return errors.Is(err, errSuppressed) }

// Failure reports whether e is an attempt that failed or was refused
// (the page marks it).
func Failure(e Entry) bool {
	switch e.Result {
	case "failure", "throttled", "refused", "forbidden":
		return true
	}
	return e.Event == "refused"
}

// anonymous reports whether e is a failed sign-in: the one kind of entry
// anyone can cause without an account, and so the kind the hourly budget
// applies to (what a signed-in account does is always written).
func anonymous(e Entry) bool { return e.Event == "signin" && e.Result != "success" }

// budget decides whether e is written, and gives the count of the last
// hour's unwritten failures when that hour is over.
func (l *Log) budget(e Entry) (bool, *Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var summary *Entry
	if h := e.Time.Truncate(time.Hour); !h.Equal(l.hour) {
		if l.dropped > 0 {
			summary = &Entry{Time: e.Time, Event: "suppressed", Result: "counted",
				Details: map[string]string{"count": strconv.Itoa(l.dropped), "since": l.hour.UTC().Format(time.RFC3339)}}
		}
		l.hour, l.fails, l.dropped = h, 0, 0
	}
	if !anonymous(e) {
		return true, summary
	}
	if l.fails >= limits.AuditFailuresPerHour {
		l.dropped++
		return false, summary
	}
	l.fails++
	return true, summary
}

func (l *Log) put(ctx context.Context, e Entry) error {
	b, err := Encode(e)
	if err != nil {
		return err
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return err
	}
	return l.store.PutAuditEntry(ctx, period.Of(e.Time, l.zone).String(), name(e.Time, r), b)
}

// Page is one page of the log, newest first.
type Page struct {
	Entries []Entry
	// Unreadable counts listed entries that could not be read or parsed.
	Unreadable int
	// Next starts the following (older) page; zero when there is none.
	Next Cursor
}

// Read gives up to n entries (at most limits.AuditPageEntries) from
// cursor, newest first, reading only the kept months (limits.AuditMonths
// back from now). Work is bounded: one listing of the months, at most one
// listing per month with entries, and n reads.
func (l *Log) Read(ctx context.Context, from Cursor, n int) (Page, error) {
	if n <= 0 || n > limits.AuditPageEntries {
		n = limits.AuditPageEntries
	}
	months, err := l.months(ctx)
	if err != nil {
		return Page{}, err
	}
	type ref struct{ period, name string }
	var refs []ref
	// One more than a page tells whether an older page exists.
	for _, m := range months {
		if len(refs) > n {
			break
		}
		if from.Period != "" && m > from.Period {
			continue
		}
		after := ""
		if m == from.Period {
			after = from.Name
		}
		names, err := l.store.AuditEntries(ctx, m, after, n+1-len(refs))
		if err != nil {
			return Page{}, err
		}
		for _, nm := range names {
			refs = append(refs, ref{m, nm})
		}
	}
	var next Cursor
	if len(refs) > n {
		refs = refs[:n]
		next = Cursor{Period: refs[n-1].period, Name: refs[n-1].name}
	}
	page := Page{Entries: make([]Entry, 0, len(refs)), Next: next}
	entries := make([]*Entry, len(refs))
	readAll(len(refs), func(i int) {
		b, err := l.store.GetAuditEntry(ctx, refs[i].period, refs[i].name)
		if err != nil {
			return
		}
		if e, err := Decode(b); err == nil {
			entries[i] = &e
		}
	})
	for _, e := range entries {
		if e == nil {
			page.Unreadable++
			continue
		}
		page.Entries = append(page.Entries, *e)
	}
	return page, ctx.Err()
}

// months are the kept months that have entries, newest first.
func (l *Log) months(ctx context.Context) ([]string, error) {
	all, err := l.store.AuditPeriods(ctx)
	if err != nil {
		return nil, err
	}
	oldest := period.Of(l.now(), l.zone).AddMonths(-(limits.AuditMonths - 1)).String()
	var out []string
	for _, m := range all {
		if m >= oldest {
			out = append(out, m)
		}
	}
	return out, nil
}

// readAll runs read(0..n-1) on a few goroutines: a page is 50 small
// objects, and one at a time would make the page wait 50 round trips.
func readAll(n int, read func(int)) {
	const workers = 8
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				read(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
