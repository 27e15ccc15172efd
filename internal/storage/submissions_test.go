package storage_test

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// The operations behind internal/submission, against MinIO: conditional
// dataset writes, create-only uploads and records, the version history with
// its metadata, and retention removing all of a period.
func TestSubmissionObjects(t *testing.T) {
	srv := shared(t)
	bucket := srv.NewBucket(t)
	a := newClient(t, srv.RootConfig()).Archive(bucket)
	ctx := testCtx(t)
	at := time.Date(2023, 2, 3, 4, 5, 6, 0, time.UTC)

	if _, err := a.DatasetCurrent(ctx, "2023-02"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("current dataset of an empty period: %v", err)
	}
	v1, err := a.PutDatasetIf(ctx, "2023-02", []byte(`{"v":1}`), "", "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutDatasetIf(ctx, "2023-02", []byte(`{"v":"x"}`), "", "sub-x"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("create-only dataset write over an existing one: %v, want ErrConflict", err)
	}
	cur, err := a.DatasetCurrent(ctx, "2023-02")
	if err != nil || cur.VersionID != v1.VersionID || cur.Meta[storage.MetaSubmission] != "sub-1" {
		t.Fatalf("current: %+v, %v", cur, err)
	}
	if _, err := a.PutDatasetIf(ctx, "2023-02", []byte(`{"v":"y"}`), "not-the-etag", "sub-y"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("dataset write against another ETag: %v, want ErrConflict", err)
	}
	v2, err := a.PutDatasetIf(ctx, "2023-02", []byte(`{"v":2}`), cur.ETag, "sub-2")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := a.DatasetVersions(ctx, "2023-02")
	if err != nil || len(vs) != 2 || vs[0].VersionID != v2.VersionID || !vs[0].Latest || vs[1].VersionID != v1.VersionID ||
		vs[0].Meta[storage.MetaSubmission] != "sub-2" || vs[1].Meta[storage.MetaSubmission] != "sub-1" {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	old, _, err := a.GetDatasetVersion(ctx, "2023-02", v1.VersionID)
	if err != nil || string(old) != `{"v":1}` {
		t.Fatalf("first version: %q, %v", old, err)
	}

	key, err := storage.SubmissionUploadKey("2023-02", at, "衡山县.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	up, err := a.PutSubmissionUpload(ctx, key, []byte("xlsx bytes"), "王 芳", at, "sub-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutSubmissionUpload(ctx, key, []byte("other"), "li", at, "sub-3"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("a second upload at the same key: %v, want ErrConflict", err)
	}
	data, v, err := a.GetUploadVersion(ctx, key, up.VersionID)
	by, _ := url.QueryUnescape(v.Meta[storage.MetaUploadedBy])
	if err != nil || !bytes.Equal(data, []byte("xlsx bytes")) || by != "王 芳" || v.Meta[storage.MetaUploadedAt] != "2023-02-03T04:05:06Z" {
		t.Fatalf("upload: %q, %+v, %v", data, v, err)
	}
	if _, _, err := a.GetUploadVersion(ctx, "data/2023-02/dataset.json", ""); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("GetUploadVersion of a dataset key: %v, want ErrInvalid", err)
	}
	if _, err := a.PutSubmissionRecord(ctx, "2023-02", "sub-2", []byte(`{"id":"sub-2"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutSubmissionRecord(ctx, "2023-02", "sub-2", []byte(`{"id":"forged"}`)); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("overwriting a record: %v, want ErrConflict", err)
	}
	if rec, err := a.GetSubmissionRecord(ctx, "2023-02", "sub-2"); err != nil || string(rec) != `{"id":"sub-2"}` {
		t.Fatalf("record: %q, %v", rec, err)
	}
	if ps, err := a.Datasets(ctx); err != nil || len(ps) != 1 || ps[0] != "2023-02" {
		t.Fatalf("Datasets: %v, %v", ps, err)
	}

	// Retention takes the whole period: dataset versions, uploads, records.
	mc := rawClient(t, srv.RootConfig())
	if _, err := a.Retain(ctx, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if left := versions(t, mc, bucket, ""); len(left) != 0 {
		t.Fatalf("left after retention: %v", left)
	}
}
