package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// Storage behind a private CA: every client built from a Config that
// carries the CA bundle reaches it (admin, STS, scoped archive); one without
// the bundle is refused with ErrTLS, not silently downgraded.
func TestPrivateCA(t *testing.T) {
	srv := miniotest.StartTLS(t)
	ctx := testCtx(t)
	root := srv.RootConfig()
	if root.Insecure || len(root.CABundle) == 0 {
		t.Fatalf("TLS server config: %+v", root)
	}

	admin := newClient(t, root)
	bucket := "private-ca-county"
	if err := admin.ClaimBucket(ctx, bucket, storage.Owner{UID: "uid-tls", Name: "tls/tls", County: "990001"}); err != nil {
		t.Fatalf("claim over TLS with the CA: %v", err)
	}
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatalf("STS over TLS with the CA: %v", err)
	}
	scoped := newClient(t, creds.Config(root)).Archive(bucket)
	if _, err := scoped.PutDataset(ctx, "2026-09", []byte(`{}`)); err != nil {
		t.Fatalf("scoped put over TLS: %v", err)
	}

	noCA := root
	noCA.CABundle = nil
	if _, err := newClient(t, noCA).ListBuckets(ctx); !errors.Is(err, storage.ErrTLS) {
		t.Fatalf("without the CA: %v, want ErrTLS", err)
	}
	if _, err := mustIssuer(t, noCA).Issue(ctx, bucket, time.Hour); !errors.Is(err, storage.ErrTLS) {
		t.Fatalf("STS without the CA: %v, want ErrTLS", err)
	}
	plain := root
	plain.CABundle, plain.Insecure = nil, true
	if _, err := newClient(t, plain).ListBuckets(ctx); err == nil {
		t.Fatal("plain HTTP to a TLS endpoint answered")
	}
}

func mustIssuer(t *testing.T, cfg storage.Config) *storage.STSIssuer {
	t.Helper()
	s, err := storage.NewSTSIssuer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
