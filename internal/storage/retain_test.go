package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/countyreport/countyreport/internal/storage"
)

func TestExpired(t *testing.T) {
	june := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		period string
		months int
		now    time.Time
		want   bool
	}{
		"last month kept":                 {"2024-05", 12, june, false},
		"twelfth month back kept":         {"2023-06", 12, june, false},
		"thirteenth month back removed":   {"2023-05", 12, june, true},
		"years back removed":              {"2019-01", 12, june, true},
		"current month kept":              {"2024-06", 1, june, false},
		"future kept":                     {"2025-01", 1, june, false},
		"one month: previous kept":        {"2024-05", 1, june, false},
		"one month: two back removed":     {"2024-04", 1, june, true},
		"across new year":                 {"2023-12", 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false},
		"across new year, removed":        {"2023-11", 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		"zero months never expires":       {"2000-01", 0, june, false},
		"malformed period never expires":  {"2000-1", 1, june, false},
		"month from now's location, kept": {"2024-05", 1, time.Date(2024, 6, 1, 1, 0, 0, 0, time.FixedZone("CST", 8*3600)), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := storage.Expired(tc.period, tc.months, tc.now); got != tc.want {
				t.Fatalf("Expired(%s, %d, %s) = %v, want %v", tc.period, tc.months, tc.now, got, tc.want)
			}
		})
	}
}

// Retain removes every version of the old periods (reports, datasets,
// uploads) and nothing else.
func TestRetainRemovesExactlyOldPeriods(t *testing.T) {
	srv := shared(t)
	bucket := srv.NewBucket(t)
	root := srv.RootConfig()
	a := newClient(t, root).Archive(bucket)
	mc := rawClient(t, root)
	ctx := testCtx(t)

	all := []string{"2022-12", "2023-05", "2023-06", "2024-05"}
	for _, p := range all {
		publish(t, a, p, "v1")
		publish(t, a, p, "v2") // two versions of each file
		if _, err := a.PutDataset(ctx, p, []byte(`{"period":"`+p+`"}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutUpload(ctx, p, "衡山县数据.xlsx", []byte("xlsx "+p), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// A deleted upload leaves a delete marker behind; it goes too.
	if err := mc.RemoveObject(ctx, bucket, "data/2022-12/dataset.json", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutAsset(ctx, "png", []byte("png")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"notes/readme.txt", "reports/latest.txt", "reports/2020-01-extra/x", "uploads/old/x"} {
		if _, err := mc.PutObject(ctx, bucket, k, bytes.NewReader([]byte("keep")), 4, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before := versions(t, mc, bucket, "")

	res, err := a.Retain(ctx, 12, time.Date(2024, 6, 15, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("retain: %v", err)
	}
	removed := []string{"2022-12", "2023-05"}
	if !slices.Equal(res.Periods, removed) {
		t.Fatalf("retain removed periods %v, want %v", res.Periods, removed)
	}
	after := versions(t, mc, bucket, "")
	wantAfter, wantRemoved := map[string]int{}, 0
	for k, n := range before {
		old := false
		for _, p := range removed {
			old = old || strings.Contains(k, "/"+p+"/")
		}
		if old {
			wantRemoved += n
		} else {
			wantAfter[k] = n
		}
	}
	if !maps.Equal(after, wantAfter) {
		t.Fatalf("versions after retain:\n got %v\nwant %v", sorted(after), sorted(wantAfter))
	}
	if res.Versions != wantRemoved {
		t.Fatalf("retain counted %d removed versions, want %d", res.Versions, wantRemoved)
	}
	if got := listed(t, a); !slices.Equal(got, []string{"2023-06", "2024-05"}) {
		t.Fatalf("list after retain: %v", got)
	}
	// Running it again finds nothing to do.
	if res, err := a.Retain(ctx, 12, time.Date(2024, 6, 15, 8, 0, 0, 0, time.UTC)); err != nil || res.Versions != 0 {
		t.Fatalf("second retain: %+v, %v", res, err)
	}
	if _, err := a.Retain(ctx, 0, time.Now()); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("retain 0 months: %v, want ErrInvalid", err)
	}
}

func sorted(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestEnsureAndDeleteBucket(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	admin := newClient(t, root)
	mc := rawClient(t, root)
	ctx := testCtx(t)
	bucket := fmt.Sprintf("countyreport-%d", time.Now().UnixNano())

	tags := map[string]string{"reporting.countyreport.io/county": "430423", "app.kubernetes.io/managed-by": "countyreport"}
	for range 2 { // the second call finds everything in place
		if err := admin.EnsureBucket(ctx, bucket, tags); err != nil {
			t.Fatalf("ensure bucket: %v", err)
		}
		on, err := admin.BucketVersioning(ctx, bucket)
		if err != nil || !on {
			t.Fatalf("versioning: %v, %v", on, err)
		}
		got, err := admin.BucketTags(ctx, bucket)
		if err != nil || !maps.Equal(got, tags) {
			t.Fatalf("tags: %v, %v; want %v", got, err, tags)
		}
	}
	tags2 := map[string]string{"reporting.countyreport.io/county": "430424"}
	if err := admin.EnsureBucket(ctx, bucket, tags2); err != nil {
		t.Fatal(err)
	}
	if err := admin.EnsureBucket(ctx, bucket, nil); err != nil { // nil leaves tags alone
		t.Fatal(err)
	}
	if got, _ := admin.BucketTags(ctx, bucket); !maps.Equal(got, tags2) {
		t.Fatalf("tags after update: %v, want %v", got, tags2)
	}
	if err := admin.EnsureBucket(ctx, "Bad_Name", nil); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("ensure bad name: %v, want ErrInvalid", err)
	}

	// Fill it with versions, delete markers and an unfinished multipart upload.
	a := admin.Archive(bucket)
	publish(t, a, "2024-01", "v1")
	publish(t, a, "2024-01", "v2")
	if err := mc.RemoveObject(ctx, bucket, "reports/2024-01/bundle.zip", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: mc}
	if _, err := core.NewMultipartUpload(ctx, bucket, "uploads/2024-01/big.bin", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := admin.DeleteBucketAll(ctx, bucket); err != nil {
		t.Fatalf("delete bucket: %v", err)
	}
	if ok, err := mc.BucketExists(ctx, bucket); err != nil || ok {
		t.Fatalf("bucket exists after DeleteBucketAll: %v, %v", ok, err)
	}
	if err := admin.DeleteBucketAll(ctx, bucket); err != nil {
		t.Fatalf("delete a bucket already gone: %v", err)
	}
}
