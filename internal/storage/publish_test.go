package storage_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

func TestPublishThenReadBack(t *testing.T) {
	srv := shared(t)
	bucket := srv.NewBucket(t)
	a := newClient(t, srv.RootConfig()).Archive(bucket)
	ctx := testCtx(t)

	arts, raw := fakeReport(t, "2024-01", "v1")
	start := time.Now().Add(-time.Minute)
	pub, err := a.Publish(ctx, "2024-01", arts, raw)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if len(pub.Artifacts) != 2 || pub.Artifacts[0].VersionID == "" {
		t.Fatalf("publish result %+v: want two artifacts with version IDs (bucket is versioned)", pub.Artifacts)
	}

	// List shows the period with its size, pages and time.
	rs, err := a.List(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(rs) != 1 {
		t.Fatalf("list: %d periods, want 1", len(rs))
	}
	r := rs[0]
	wantSize := int64(len(arts[0].Data) + len(arts[1].Data))
	if r.Period != "2024-01" || r.Pages != 4 || r.Size != wantSize || r.Time.Before(start) {
		t.Fatalf("list: got period %s pages %d size %d time %s; want 2024-01, 4, %d, after %s", r.Period, r.Pages, r.Size, r.Time, wantSize, start)
	}

	// The stored manifest lists every artifact with size and SHA-256.
	mraw, _, err := a.Get(ctx, "2024-01", storage.ManifestName)
	if err != nil {
		t.Fatalf("get manifest: %v", err)
	}
	m, err := manifest.Parse(mraw)
	if err != nil {
		t.Fatalf("stored manifest: %v", err)
	}
	for _, art := range arts {
		f, ok := m.Artifact(art.Name)
		if want := manifest.FileOf(art.Name, art.Data); !ok || f != want {
			t.Fatalf("manifest artifact %s = %+v, want %+v", art.Name, f, want)
		}
	}

	// Get, Open and a presigned link all give the published bytes.
	wantReport(t, a, "2024-01", arts)
	rc, o, err := a.Open(ctx, "2024-01", "bundle.zip")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, arts[1].Data) || o.SHA256 != manifest.FileOf("", arts[1].Data).SHA256 {
		t.Fatalf("open bundle.zip: err %v, %d bytes, object %+v", err, len(got), o)
	}
	u, err := a.PresignGet(ctx, "2024-01", "report.pdf", time.Minute)
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, arts[0].Data) {
		t.Fatalf("presigned GET: status %d, %d bytes", resp.StatusCode, len(body))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "2024-01-report.pdf") {
		t.Fatalf("presigned GET: Content-Disposition %q", cd)
	}

	// Publishing the identical report again writes nothing.
	mc := rawClient(t, srv.RootConfig())
	before := versions(t, mc, bucket, "reports/")
	if _, err := a.Publish(ctx, "2024-01", arts, raw); err != nil {
		t.Fatalf("republish identical: %v", err)
	}
	if after := versions(t, mc, bucket, "reports/"); !maps.Equal(before, after) {
		t.Fatalf("republishing the identical report wrote versions: %v -> %v", before, after)
	}

	// A new rendering replaces the period; the old one stays in history,
	// and an old presigned link still downloads the old bytes.
	arts2 := publish(t, a, "2024-01", "v2")
	wantReport(t, a, "2024-01", arts2)
	vs := versions(t, mc, bucket, "reports/2024-01/")
	for _, k := range []string{"report.pdf", "bundle.zip", "manifest.json"} {
		if vs["reports/2024-01/"+k] != 2 {
			t.Fatalf("versions after republish: %v, want 2 of each", vs)
		}
	}
	resp, err = http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, arts[0].Data) {
		t.Fatalf("old presigned link after republish: got %d bytes, want the v1 report", len(body))
	}
	if got := listed(t, a); !slices.Equal(got, []string{"2024-01"}) {
		t.Fatalf("list after republish: %v", got)
	}
}

func TestPublishRefusesBadInput(t *testing.T) {
	srv := shared(t)
	bucket := srv.NewBucket(t)
	a := newClient(t, srv.RootConfig()).Archive(bucket)
	arts, raw := fakeReport(t, "2024-02", "x")
	other, _ := fakeReport(t, "2024-02", "y")
	m, _ := manifest.Parse(raw)
	m.Artifacts = []manifest.File{manifest.FileOf("report.pdf", other[0].Data), manifest.FileOf("bundle.zip", arts[1].Data)}
	wrongList, _ := m.Marshal()
	_, rawMarch := fakeReport(t, "2024-03", "x")

	cases := map[string]struct {
		period   string
		arts     []storage.Artifact
		manifest []byte
	}{
		"bad period":                   {"2024-13", arts, raw},
		"period without zero":          {"2024-2", arts, raw},
		"no artifacts":                 {"2024-02", nil, raw},
		"manifest of another period":   {"2024-02", arts, rawMarch},
		"manifest lists other sha":     {"2024-02", arts, wrongList},
		"manifest not json":            {"2024-02", arts, []byte("{")},
		"artifact named manifest":      {"2024-02", []storage.Artifact{{Name: "manifest.json", Data: []byte("x")}}, raw},
		"artifact named twice":         {"2024-02", []storage.Artifact{arts[0], arts[0]}, raw},
		"artifact name with a slash":   {"2024-02", []storage.Artifact{{Name: "../x.pdf", Data: []byte("x")}}, raw},
		"artifact name with a newline": {"2024-02", []storage.Artifact{{Name: "a\nb", Data: []byte("x")}}, raw},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := a.Publish(testCtx(t), tc.period, tc.arts, tc.manifest)
			if !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("publish: got %v, want ErrInvalid", err)
			}
		})
	}
	if vs := versions(t, rawClient(t, srv.RootConfig()), bucket, ""); len(vs) != 0 {
		t.Fatalf("refused publishes wrote objects: %v", vs)
	}
}

// A failure in the middle of a publish leaves no manifest: a first publish is
// not listed, a re-publish leaves the previous report intact, and a retry
// succeeds.
func TestPublishFailsMidway(t *testing.T) {
	srv := shared(t)
	injected := errors.New("injected upload failure")
	for _, republish := range []bool{false, true} {
		for failAt := 1; failAt <= 3; failAt++ { // either artifact (uploaded concurrently), then manifest.json
			name := map[bool]string{false: "first", true: "republish"}[republish] + "/fail upload " + string(rune('0'+failAt))
			t.Run(name, func(t *testing.T) {
				a := newClient(t, srv.RootConfig()).Archive(srv.NewBucket(t))
				var v1 []storage.Artifact
				if republish {
					v1 = publish(t, a, "2024-05", "v1")
				}
				var n atomic.Int32
				storage.SetBeforePut(a, func(key string) error {
					if n.Add(1) == int32(failAt) {
						return injected
					}
					return nil
				})
				arts, raw := fakeReport(t, "2024-05", "v2")
				if _, err := a.Publish(testCtx(t), "2024-05", arts, raw); !errors.Is(err, injected) {
					t.Fatalf("publish with upload %d failing: got %v", failAt, err)
				}
				storage.SetBeforePut(a, nil)
				if republish {
					if got := listed(t, a); !slices.Equal(got, []string{"2024-05"}) {
						t.Fatalf("list after failed republish: %v", got)
					}
					wantReport(t, a, "2024-05", v1)
				} else {
					if got := listed(t, a); len(got) != 0 {
						t.Fatalf("list after failed first publish: %v, want nothing", got)
					}
					if _, err := a.Report(testCtx(t), "2024-05"); !errors.Is(err, storage.ErrNotFound) {
						t.Fatalf("report after failed first publish: %v, want ErrNotFound", err)
					}
				}
				if _, err := a.Publish(testCtx(t), "2024-05", arts, raw); err != nil {
					t.Fatalf("retry: %v", err)
				}
				wantReport(t, a, "2024-05", arts)
			})
		}
	}
}

// MinIO stops in the middle of a publish: the publish fails as
// "unavailable", and once the server is back the previous report is intact,
// an interrupted first publish is not listed, and retries succeed.
func TestPublishServerStopsMidway(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	a := newClient(t, srv.RootConfig()).Archive(bucket)
	v1 := publish(t, a, "2024-05", "v1")

	for _, period := range []string{"2024-05", "2024-06"} {
		var n atomic.Int32
		storage.SetBeforePut(a, func(key string) error {
			if n.Add(1) == 2 { // one artifact may be up, the other not
				if err := srv.Stop(); err != nil {
					t.Errorf("stop: %v", err)
				}
			}
			return nil
		})
		arts, raw := fakeReport(t, period, "v2")
		_, err := a.Publish(testCtx(t), period, arts, raw)
		if !storage.IsUnavailable(err) {
			t.Fatalf("publish %s with the server stopped: got %v, want an unavailable error", period, err)
		}
		storage.SetBeforePut(a, nil)
		if err := srv.Restart(); err != nil {
			t.Fatalf("restart: %v", err)
		}
		if got := listed(t, a); !slices.Equal(got, []string{"2024-05"}) {
			t.Fatalf("list after interrupted publish of %s: %v, want only 2024-05", period, got)
		}
		if period == "2024-05" {
			wantReport(t, a, "2024-05", v1)
		}
		if _, err := a.Publish(testCtx(t), period, arts, raw); err != nil {
			t.Fatalf("retry %s: %v", period, err)
		}
		wantReport(t, a, period, arts)
	}
	if got := listed(t, a); !slices.Equal(got, []string{"2024-05", "2024-06"}) {
		t.Fatalf("list at the end: %v", got)
	}
}
