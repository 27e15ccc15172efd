package storage_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// Wrong credentials, a missing bucket and an unreachable endpoint give
// errors that say what was attempted and which kind of failure it was.
func TestClearErrors(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	bucket := srv.NewBucket(t)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	with := func(f func(*storage.Config)) storage.Config { c := root; f(&c); return c }
	cases := map[string]struct {
		cfg         storage.Config
		bucket      string
		kind        error
		unavailable bool
		mention     []string
	}{
		"wrong secret key": {
			cfg: with(func(c *storage.Config) { c.SecretKey += "x" }), bucket: bucket,
			kind: storage.ErrBadCredentials, mention: []string{bucket, root.Endpoint, "secret key"},
		},
		"unknown access key": {
			cfg: with(func(c *storage.Config) { c.AccessKey = "nobody" }), bucket: bucket,
			kind: storage.ErrBadCredentials, mention: []string{"access key"},
		},
		"bogus session token": {
			cfg: with(func(c *storage.Config) { c.SessionToken = "bogus" }), bucket: bucket,
			kind: storage.ErrBadCredentials,
		},
		"missing bucket": {
			cfg: root, bucket: "no-such-bucket-here",
			kind: storage.ErrNoSuchBucket, mention: []string{"no-such-bucket-here", "does not exist"},
		},
		"unreachable endpoint": {
			cfg: with(func(c *storage.Config) { c.Endpoint = closed; c.MaxRetries = 1 }), bucket: bucket,
			kind: storage.ErrUnavailable, unavailable: true, mention: []string{closed, "unavailable"},
		},
		"https against a plain HTTP server": {
			cfg: with(func(c *storage.Config) { c.Insecure = false; c.MaxRetries = 1 }), bucket: bucket,
			kind: storage.ErrTLS, mention: []string{"storage-insecure"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := newClient(t, tc.cfg).Archive(tc.bucket)
			ctx := testCtx(t)
			for op, err := range map[string]error{
				"check": a.Check(ctx),
				"list":  func() error { _, err := a.List(ctx); return err }(),
				"get":   func() error { _, _, err := a.Get(ctx, "2024-01", "report.pdf"); return err }(),
				"put":   func() error { _, err := a.PutDataset(ctx, "2024-01", []byte("{}")); return err }(),
			} {
				if !errors.Is(err, tc.kind) {
					t.Fatalf("%s: got %v, want %v", op, err, tc.kind)
				}
				if storage.IsUnavailable(err) != tc.unavailable {
					t.Fatalf("%s: IsUnavailable(%v) = %v", op, err, !tc.unavailable)
				}
				var se *storage.Error
				if !errors.As(err, &se) || se.Op == "" {
					t.Fatalf("%s: %v is not a *storage.Error naming the operation", op, err)
				}
				for _, m := range tc.mention {
					if !strings.Contains(err.Error(), m) {
						t.Fatalf("%s: %q does not mention %q", op, err, m)
					}
				}
			}
		})
	}
}

func TestStorageDownThenUp(t *testing.T) {
	srv := miniotest.Start(t)
	root := srv.RootConfig()
	bucket := srv.NewBucket(t)
	admin := newClient(t, root)
	a := admin.Archive(bucket)
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	arts := publish(t, a, "2024-01", "v1")

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for op, err := range map[string]error{
		"list":   func() error { _, err := a.List(ctx); return err }(),
		"ensure": admin.EnsureBucket(ctx, bucket, map[string]string{"county": "430423"}),
		"issue":  func() error { _, err := issuer.Issue(ctx, bucket, time.Hour); return err }(),
		"delete": admin.DeleteBucketAll(ctx, bucket),
	} {
		if !storage.IsUnavailable(err) {
			t.Fatalf("%s with MinIO down: %v, want unavailable", op, err)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The same clients recover without being rebuilt.
	if err := admin.EnsureBucket(ctx, bucket, map[string]string{"county": "430423"}); err != nil {
		t.Fatalf("ensure after restart: %v", err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatalf("issue after restart: %v", err)
	}
	if got := listed(t, newClient(t, creds.Config(root)).Archive(bucket)); !slices.Equal(got, []string{"2024-01"}) {
		t.Fatalf("list with fresh scoped credentials after restart: %v", got)
	}
	wantReport(t, a, "2024-01", arts)
}
