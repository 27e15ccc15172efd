package audit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/internal/audit"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := miniotest.CloseShared(); err != nil {
		fmt.Fprintln(os.Stderr, "stop MinIO:", err)
	}
	os.Exit(code)
}

var shanghai = time.FixedZone("UTC+8", 8*3600)

// tenant is a bucket with the scoped credentials its portal gets.
type tenant struct {
	bucket  string
	archive *storage.Archive
	creds   storage.Config
}

func newTenant(t *testing.T, srv *miniotest.Server) tenant {
	t.Helper()
	ctx := testCtx(t)
	bucket := srv.NewBucket(t)
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatalf("issue credentials for %s: %v", bucket, err)
	}
	cfg := creds.Config(srv.RootConfig())
	return tenant{bucket: bucket, archive: client(t, cfg).Archive(bucket), creds: cfg}
}

func client(t *testing.T, cfg storage.Config) *storage.Client {
	t.Helper()
	c, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Two replicas write at once, across a month's end, and a third process
// (a replica restarted) reads every entry back, page by page, newest
// first: none lost, none twice.
func TestTwoReplicasLoseNothing(t *testing.T) {
	srv := miniotest.Shared(t)
	tn := newTenant(t, srv)
	ctx := testCtx(t)
	// Entries from 31 January 23:40 to 1 February 00:19 in Shanghai: two months.
	start := time.Date(2023, 1, 31, 23, 40, 0, 0, shanghai)
	now := func() time.Time { return time.Date(2023, 2, 10, 9, 0, 0, 0, shanghai) }
	replicas := []*audit.Log{audit.New(tn.archive, now, shanghai), audit.New(tn.archive, now, shanghai)}
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for r, l := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Both replicas write entries of the same instants.
				at := start.Add(time.Duration(i) * time.Minute)
				errs <- l.Add(ctx, audit.Entry{Time: at, Event: "submit", Result: "success", User: fmt.Sprintf("r%d-%02d", r, i), Role: "editor"})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("add: %v", err)
		}
	}

	restarted := audit.New(tn.archive, now, shanghai)
	seen := map[string]bool{}
	var last time.Time
	cur := audit.Cursor{}
	pages := 0
	for {
		p, err := restarted.Read(ctx, cur, 15)
		if err != nil {
			t.Fatalf("read page %d: %v", pages, err)
		}
		if p.Unreadable != 0 {
			t.Fatalf("page %d: %d unreadable entries", pages, p.Unreadable)
		}
		pages++
		for _, e := range p.Entries {
			if seen[e.User] {
				t.Fatalf("entry %s listed twice", e.User)
			}
			seen[e.User] = true
			if !last.IsZero() && e.Time.After(last) {
				t.Fatalf("entry %s at %s after an older one at %s: not newest first", e.User, e.Time, last)
			}
			last = e.Time
		}
		if p.Next == (audit.Cursor{}) {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		cur = p.Next
	}
	if len(seen) != 2*each || pages != 6 {
		t.Fatalf("read %d entries in %d pages; want %d in 6", len(seen), pages, 2*each)
	}
	months, err := tn.archive.AuditPeriods(ctx)
	if err != nil || len(months) != 2 || months[0] != "2023-02" || months[1] != "2023-01" {
		t.Fatalf("months %v, %v; want [2023-02 2023-01] (the month in Shanghai)", months, err)
	}
}

// Months older than limits.AuditMonths are neither read nor kept.
func TestOldMonthsAreNotReadAndAreRetained(t *testing.T) {
	srv := miniotest.Shared(t)
	tn := newTenant(t, srv)
	ctx := testCtx(t)
	now := time.Date(2024, 3, 10, 9, 0, 0, 0, shanghai)
	l := audit.New(tn.archive, func() time.Time { return now }, shanghai)
	old := now.AddDate(0, -limits.AuditMonths, 0) // 2023-03: one month too old
	kept := now.AddDate(0, -(limits.AuditMonths - 1), 0)
	for _, at := range []time.Time{old, kept, now} {
		if err := l.Add(ctx, audit.Entry{Time: at, Event: "signin", Result: "success", User: at.Format("2006-01")}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := l.Read(ctx, audit.Cursor{}, 0)
	if err != nil || len(p.Entries) != 2 || p.Entries[1].User != kept.Format("2006-01") {
		t.Fatalf("read %+v, %v; want this month's and %s's only", p.Entries, err, kept.Format("2006-01"))
	}
	// The operator's retention (admin credentials) removes the old month,
	// whatever the reports' own retention.
	admin := client(t, srv.RootConfig()).Archive(tn.bucket)
	if _, err := admin.Retain(ctx, 120, now); err != nil {
		t.Fatal(err)
	}
	months, err := tn.archive.AuditPeriods(ctx)
	if err != nil || len(months) != 2 {
		t.Fatalf("after retention: months %v, %v; want 2", months, err)
	}
}

// County A's audit log is out of county B's reach, and of the city's
// member credentials for A; A's own credentials cannot erase an entry.
func TestAnotherTenantCannotReadOrWriteTheLog(t *testing.T) {
	srv := miniotest.Shared(t)
	a, b := newTenant(t, srv), newTenant(t, srv)
	ctx := testCtx(t)
	now := func() time.Time { return time.Date(2023, 2, 10, 9, 0, 0, 0, shanghai) }
	if err := audit.New(a.archive, now, shanghai).Add(ctx, audit.Entry{Event: "signin", Result: "success", User: "a"}); err != nil {
		t.Fatal(err)
	}
	names, err := a.archive.AuditEntries(ctx, "2023-02", "", 1)
	if err != nil || len(names) != 1 {
		t.Fatalf("A lists its own entry: %v, %v", names, err)
	}

	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	member, err := issuer.IssueMember(ctx, a.bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	attackers := map[string]storage.Config{"county B": b.creds, "the city's member credentials for A": member.Config(srv.RootConfig())}
	for who, cfg := range attackers {
		other := client(t, cfg).Archive(a.bucket)
		l := audit.New(other, now, shanghai)
		ops := map[string]error{
			"read the log": func() error { _, err := l.Read(ctx, audit.Cursor{}, 0); return err }(),
			"list entries": func() error { _, err := other.AuditEntries(ctx, "2023-02", "", 5); return err }(),
			"read entry":   func() error { _, err := other.GetAuditEntry(ctx, "2023-02", names[0]); return err }(),
			"add entry":    l.Add(ctx, audit.Entry{Event: "signin", Result: "success", User: "forged"}),
		}
		for op, err := range ops {
			if !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("%s: %s on A's log: %v; want access denied", who, op, err)
			}
		}
	}
	// A's own credentials: an entry cannot be removed (nor its version).
	raw, err := minio.New(a.creds.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(a.creds.AccessKey, a.creds.SecretKey, a.creds.SessionToken)})
	if err != nil {
		t.Fatal(err)
	}
	key := "audit/2023-02/" + names[0]
	if err := raw.RemoveObject(ctx, a.bucket, key, minio.RemoveObjectOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Errorf("A deletes its own audit entry: %v; want AccessDenied", err)
	}
	// And an entry is never overwritten by a second write of its key.
	data, err := a.archive.GetAuditEntry(ctx, "2023-02", names[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.archive.PutAuditEntry(ctx, "2023-02", names[0], data); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("rewrite an entry: %v; want a conflict", err)
	}
}
