package storage_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

func TestDatasetsUploadsAssets(t *testing.T) {
	srv := shared(t)
	bucket := srv.NewBucket(t)
	a := newClient(t, srv.RootConfig()).Archive(bucket)
	mc := rawClient(t, srv.RootConfig())
	ctx := testCtx(t)

	if _, err := a.GetDataset(ctx, "2024-01"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("get missing dataset: %v, want ErrNotFound", err)
	}
	ds := []byte(`{"county":"衡山县","period":"2024-01"}`)
	o, err := a.PutDataset(ctx, "2024-01", ds)
	if err != nil || o.Key != "data/2024-01/dataset.json" {
		t.Fatalf("put dataset: %+v, %v", o, err)
	}
	if _, err := a.PutDataset(ctx, "2024-01", ds); err != nil { // same bytes: no new version
		t.Fatal(err)
	}
	if n := versions(t, mc, bucket, "data/")["data/2024-01/dataset.json"]; n != 1 {
		t.Fatalf("dataset versions after storing the same bytes twice: %d, want 1", n)
	}
	got, err := a.GetDataset(ctx, "2024-01")
	if err != nil || string(got) != string(ds) {
		t.Fatalf("get dataset: %q, %v", got, err)
	}
	if _, err := a.PutDataset(ctx, "2024-1", ds); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("put dataset with a bad period: %v", err)
	}
	// A Stat tells whether there is data without downloading it.
	if st, err := a.StatDataset(ctx, "2024-01"); err != nil || st.Key != o.Key || st.Size != o.Size || st.SHA256 != o.SHA256 {
		t.Fatalf("stat dataset: %+v, %v; want %+v", st, err, o)
	}
	if _, err := a.StatDataset(ctx, "2024-02"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("stat missing dataset: %v, want ErrNotFound", err)
	}
	if _, err := a.StatDataset(ctx, "2024-1"); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("stat dataset with a bad period: %v, want ErrInvalid", err)
	}

	at := time.Date(2024, 2, 3, 4, 5, 6, 7e6, time.FixedZone("CST", 8*3600))
	up, err := a.PutUpload(ctx, "2024-01", "衡山县 1月.xlsx", []byte("xlsx"), at)
	if err != nil {
		t.Fatal(err)
	}
	if want := "uploads/2024-01/20240202T200506.007Z-衡山县 1月.xlsx"; up.Key != want {
		t.Fatalf("upload key %q, want %q", up.Key, want)
	}
	for _, bad := range []string{"", "..", "a/b.xlsx", "a\\b", "a\x00b"} {
		if _, err := a.PutUpload(ctx, "2024-01", bad, []byte("x"), at); !errors.Is(err, storage.ErrInvalid) {
			t.Fatalf("upload named %q: %v, want ErrInvalid", bad, err)
		}
	}

	asset, err := a.PutAsset(ctx, ".PNG", []byte("png bytes"))
	if err != nil || !regexp.MustCompile(`^assets/[0-9a-f]{64}\.png$`).MatchString(asset.Key) {
		t.Fatalf("put asset: %+v, %v", asset, err)
	}
	if _, err := a.PutAsset(ctx, "png", []byte("png bytes")); err != nil {
		t.Fatal(err)
	}
	if n := versions(t, mc, bucket, "assets/")[asset.Key]; n != 1 {
		t.Fatalf("asset versions after storing it twice: %d, want 1", n)
	}
	if got, err := a.GetAsset(ctx, asset.Name); err != nil || string(got) != "png bytes" {
		t.Fatalf("get asset: %q, %v", got, err)
	}
}
