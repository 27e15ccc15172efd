package storage_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/internal/storage"
)

// County A's scoped credentials reach A's bucket and nothing of B's.
func TestScopedCredentialsIsolation(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	bucketA, bucketB := srv.NewBucket(t), srv.NewBucket(t)
	ctx := testCtx(t)

	admin := newClient(t, root)
	artsB := publish(t, admin.Archive(bucketB), "2024-01", "B")
	publish(t, admin.Archive(bucketA), "2024-01", "A")

	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	credsA, err := issuer.Issue(ctx, bucketA, time.Hour)
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	if credsA.SessionToken == "" || time.Until(credsA.Expiration) < 50*time.Minute || time.Until(credsA.Expiration) > 61*time.Minute {
		t.Fatalf("issued credentials: token %q, expiry %s", credsA.SessionToken, credsA.Expiration)
	}
	cfgA := credsA.Config(root)
	clientA := newClient(t, cfgA)
	rawA := rawClient(t, cfgA)

	// ListBuckets shows A's bucket alone.
	bs, err := clientA.ListBuckets(ctx)
	if err != nil || !slices.Equal(bs, []string{bucketA}) {
		t.Fatalf("ListBuckets with A's credentials: %v, %v; want [%s]", bs, err, bucketA)
	}

	keyB := "reports/2024-01/report.pdf"
	ops := map[string]func(bucket string) error{
		"archive check": func(b string) error { return clientA.Archive(b).Check(ctx) },
		"archive list":  func(b string) error { _, err := clientA.Archive(b).List(ctx); return err },
		"archive get": func(b string) error {
			_, _, err := clientA.Archive(b).Get(ctx, "2024-01", "report.pdf")
			return err
		},
		"archive presign": func(b string) error {
			_, err := clientA.Archive(b).PresignGet(ctx, "2024-01", "report.pdf", time.Minute)
			return err
		},
		"archive put dataset": func(b string) error {
			_, err := clientA.Archive(b).PutDataset(ctx, "2024-02", []byte(`{}`))
			return err
		},
		"archive publish": func(b string) error {
			arts, m := fakeReport(t, "2024-03", "by A")
			_, err := clientA.Archive(b).Publish(ctx, "2024-03", arts, m)
			return err
		},
		"archive retain": func(b string) error {
			_, err := clientA.Archive(b).Retain(ctx, 1, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			return err
		},
		"raw get": func(b string) error {
			o, err := rawA.GetObject(ctx, b, keyB, minio.GetObjectOptions{})
			if err == nil {
				_, err = o.Stat()
			}
			return err
		},
		"raw put": func(b string) error {
			_, err := rawA.PutObject(ctx, b, "x/put-by-a", bytes.NewReader([]byte("a")), 1, minio.PutObjectOptions{})
			return err
		},
		"raw list": func(b string) error {
			for o := range rawA.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
				return o.Err
			}
			return nil
		},
		"raw delete": func(b string) error {
			return rawA.RemoveObject(ctx, b, keyB, minio.RemoveObjectOptions{})
		},
		"raw presign then GET": func(b string) error {
			u, err := rawA.PresignedGetObject(ctx, b, keyB, time.Minute, nil)
			if err != nil {
				return err
			}
			resp, err := http.Get(u.String())
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				return storage.ErrAccessDenied
			}
			if resp.StatusCode != http.StatusOK {
				return errors.New(resp.Status)
			}
			return nil
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			err := op(bucketB)
			if !errors.Is(err, storage.ErrAccessDenied) && minio.ToErrorResponse(err).Code != "AccessDenied" {
				t.Fatalf("on county B's bucket: got %v, want AccessDenied", err)
			}
			if storage.IsUnavailable(err) {
				t.Fatalf("access denied classified as unavailable: %v", err)
			}
			if name == "raw delete" || name == "archive retain" {
				return // would destroy A's own test data below; allowed on A by design
			}
			if err := op(bucketA); err != nil {
				t.Fatalf("on county A's own bucket: %v", err)
			}
		})
	}

	// B's report is untouched and nothing was written to B.
	wantReport(t, admin.Archive(bucketB), "2024-01", artsB)
	vs := versions(t, rawClient(t, root), bucketB, "")
	if len(vs) != 3 {
		t.Fatalf("objects in B after A's attempts: %v, want only B's report", vs)
	}

	// A cannot administer its own bucket: no switching off versioning, no deleting it.
	if err := rawA.SuspendVersioning(ctx, bucketA); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("suspend versioning with A's credentials: %v, want AccessDenied", err)
	}
	if err := rawA.RemoveBucket(ctx, bucketA); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("delete bucket with A's credentials: %v, want AccessDenied", err)
	}

	// Nor erase its own history: deleting a version needs the admin.
	listCtx, stopList := context.WithCancel(ctx)
	v, ok := <-rawA.ListObjects(listCtx, bucketA, minio.ListObjectsOptions{Recursive: true, WithVersions: true})
	stopList()
	if !ok {
		t.Fatal("A's bucket lists no object version to try deleting")
	}
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	err = rawA.RemoveObject(ctx, bucketA, v.Key, minio.RemoveObjectOptions{VersionID: v.VersionID})
	if minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("delete version %s of %s with A's credentials: %v, want AccessDenied", v.VersionID, v.Key, err)
	}

	// A chained AssumeRole asking for every bucket is denied.
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}`
	chained, err := credentials.NewSTSAssumeRole(root.URL(), credentials.STSAssumeRoleOptions{
		AccessKey: cfgA.AccessKey, SecretKey: cfgA.SecretKey, SessionToken: cfgA.SessionToken,
		Policy: wide, DurationSeconds: 900, Location: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := chained.GetWithContext(&credentials.CredContext{Client: http.DefaultClient, Context: ctx}); err == nil {
		// If a server ever grants it, the result must still not reach B.
		wideCfg := root
		wideCfg.AccessKey, wideCfg.SecretKey, wideCfg.SessionToken = v.AccessKeyID, v.SecretAccessKey, v.SessionToken
		t.Fatalf("chained AssumeRole with a wider policy was granted (check on B: %v)", newClient(t, wideCfg).Archive(bucketB).Check(ctx))
	}
	// The same through the issuer, acting with A's credentials.
	chainIssuer, err := storage.NewSTSIssuer(cfgA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chainIssuer.Issue(ctx, bucketB, time.Hour); err == nil {
		t.Fatal("A's credentials minted credentials for B")
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	srv := shared(t)
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		bucket string
		ttl    time.Duration
	}{
		"ttl below 15 minutes": {"countyreport-430423", 14 * time.Minute},
		"ttl above a year":     {"countyreport-430423", 366 * 24 * time.Hour},
		"invalid bucket name":  {"Not_A_Bucket", time.Hour},
		"wildcard bucket":      {"*", time.Hour},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := issuer.Issue(context.Background(), tc.bucket, tc.ttl); !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("issue: got %v, want ErrInvalid", err)
			}
		})
	}
}
