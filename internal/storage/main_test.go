package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// One MinIO server serves the tests that do not stop it; each test gets its
// own bucket. Tests that stop the server start their own.
var (
	sharedOnce sync.Once
	sharedSrv  *miniotest.Server
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedSrv != nil {
		if err := sharedSrv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stop MinIO:", err)
		}
	}
	os.Exit(code)
}

func shared(t *testing.T) *miniotest.Server {
	t.Helper()
	sharedOnce.Do(func() { sharedSrv, sharedErr = miniotest.StartServer("") })
	if sharedErr != nil {
		t.Fatalf("start MinIO (bin/minio, built by `make tools`): %v", sharedErr)
	}
	return sharedSrv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newClient(t *testing.T, cfg storage.Config) *storage.Client {
	t.Helper()
	c, err := storage.New(cfg)
	if err != nil {
		t.Fatalf("storage.New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// rawClient is a plain minio-go client, for doing what the archive never
// does (tampering, raw presigning) and for looking behind its back.
func rawClient(t *testing.T, cfg storage.Config) *minio.Client {
	t.Helper()
	mc, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Region:     "us-east-1",
		MaxRetries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// fakeReport is a small report: a PDF-looking file, a zip-looking bundle and
// a manifest without Artifacts (Publish fills them in).
func fakeReport(t *testing.T, period, tag string) ([]storage.Artifact, []byte) {
	t.Helper()
	pdf := []byte("%PDF-1.7\n" + period + " " + tag + "\n" + string(bytes.Repeat([]byte("页"), 300)))
	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte(tag), 500)...)
	m := manifest.Manifest{
		Schema: manifest.Schema, Generator: "test", CountyCode: "430423", CountyName: "衡山县",
		Period: period, Title: "衡山县 " + period, Pages: 4,
		DatasetSHA256: manifest.FileOf("d", []byte(tag)).SHA256,
		Files:         []manifest.File{manifest.FileOf("report.pdf", pdf)},
	}
	raw, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return []storage.Artifact{{Name: "report.pdf", Data: pdf}, {Name: "bundle.zip", Data: zip}}, raw
}

func publish(t *testing.T, a *storage.Archive, period, tag string) []storage.Artifact {
	t.Helper()
	arts, m := fakeReport(t, period, tag)
	if _, err := a.Publish(testCtx(t), period, arts, m); err != nil {
		t.Fatalf("publish %s (%s): %v", period, tag, err)
	}
	return arts
}

// wantReport asserts that period is complete and serves exactly arts.
func wantReport(t *testing.T, a *storage.Archive, period string, arts []storage.Artifact) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := a.Verify(ctx, period); err != nil {
		t.Fatalf("verify %s: %v", period, err)
	}
	for _, art := range arts {
		got, _, err := a.Get(ctx, period, art.Name)
		if err != nil {
			t.Fatalf("get %s/%s: %v", period, art.Name, err)
		}
		if !bytes.Equal(got, art.Data) {
			t.Fatalf("get %s/%s: got %d bytes, want the %d published", period, art.Name, len(got), len(art.Data))
		}
	}
}

func listed(t *testing.T, a *storage.Archive) []string {
	t.Helper()
	rs, err := a.List(testCtx(t))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Period)
	}
	return out
}

// versions lists every version and delete marker under prefix as
// "key@n" counts.
func versions(t *testing.T, mc *minio.Client, bucket, prefix string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for o := range mc.ListObjects(testCtx(t), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatalf("list versions: %v", o.Err)
		}
		out[o.Key]++
	}
	return out
}

func sha(b []byte) string { return manifest.FileOf("", b).SHA256 }
