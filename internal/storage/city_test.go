package storage_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// denied says whether err is the server's refusal (and not, say, a missing key).
func denied(err error) bool {
	return errors.Is(err, storage.ErrAccessDenied) || minio.ToErrorResponse(err).Code == "AccessDenied"
}

func statRaw(ctx context.Context, mc *minio.Client, bucket, key, version string) error {
	o, err := mc.GetObject(ctx, bucket, key, minio.GetObjectOptions{VersionID: version})
	if err == nil {
		_, err = o.Stat()
		o.Close()
	}
	return err
}

func listRaw(ctx context.Context, mc *minio.Client, bucket, prefix string) ([]string, error) {
	var keys []string
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return keys, o.Err
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

// A city's credentials for a member county read that county's reports/ and
// data/, write its review/, and reach nothing else: not uploads/ or assets/,
// no writes outside review/, no deletes, no other county.
func TestMemberCredentialsReachOnlyPublishedObjectsOfOneCounty(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	member, other := srv.NewBucket(t), srv.NewBucket(t)
	ctx := testCtx(t)
	admin := newClient(t, root)
	raw := rawClient(t, root)

	for _, b := range []string{member, other} {
		publish(t, admin.Archive(b), "2024-01", b)
		if _, err := admin.Archive(b).PutDataset(ctx, "2024-01", []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Archive(b).PutDataset(ctx, "2024-01", []byte(`{"v":2}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Archive(b).PutUpload(ctx, "2024-01", "draft.xlsx", []byte("draft"), time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Archive(b).PutAsset(ctx, "png", []byte("photo of "+b)); err != nil {
			t.Fatal(err)
		}
	}
	uploads, err := listRaw(ctx, raw, member, "uploads/")
	if err != nil || len(uploads) != 1 {
		t.Fatalf("uploads in the member's bucket: %v, %v", uploads, err)
	}
	assets, err := listRaw(ctx, raw, member, "assets/")
	if err != nil || len(assets) != 1 {
		t.Fatalf("assets in the member's bucket: %v, %v", assets, err)
	}
	var oldDataset string
	for v := range raw.ListObjects(ctx, member, minio.ListObjectsOptions{Prefix: "data/", Recursive: true, WithVersions: true}) {
		if !v.IsLatest {
			oldDataset = v.VersionID
		}
	}

	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.IssueMember(ctx, member, time.Hour)
	if err != nil {
		t.Fatalf("issue member credentials: %v", err)
	}
	city := newClient(t, creds.Config(root))
	cityRaw := rawClient(t, creds.Config(root))
	sum := sha([]byte(`{"v":2}`))

	// What the city may do on its member.
	if got := listed(t, city.Archive(member)); len(got) != 1 || got[0] != "2024-01" {
		t.Fatalf("city lists the member's reports: %v", got)
	}
	if _, err := city.Archive(member).Verify(ctx, "2024-01"); err != nil {
		t.Fatalf("city verifies the member's report: %v", err)
	}
	if d, err := city.Archive(member).GetDataset(ctx, "2024-01"); err != nil || string(d) != `{"v":2}` {
		t.Fatalf("city reads the member's dataset: %q, %v", d, err)
	}
	if info, err := city.Archive(member).DescribeDataset(ctx, "2024-01"); err != nil || info.SHA256 != sum {
		t.Fatalf("city stats the member's dataset: %+v, %v", info, err)
	}
	if err := statRaw(ctx, cityRaw, member, "data/2024-01/dataset.json", oldDataset); err != nil {
		t.Fatalf("city reads an earlier version of the member's dataset: %v", err)
	}
	entry := review.Entry{Verdict: review.VerdictReturned, By: "reviewer", At: reviewedAt, Comment: "请核实", DatasetSHA256: sum}
	if _, err := review.Append(ctx, city.Archive(member), "2024-01", entry); err != nil {
		t.Fatalf("city records a verdict: %v", err)
	}
	entry.Verdict, entry.Comment = review.VerdictAccepted, ""
	log, err := review.Append(ctx, city.Archive(member), "2024-01", entry)
	if err != nil || len(log.Entries) != 2 {
		t.Fatalf("second verdict: %+v, %v", log, err)
	}
	if got, err := review.Read(ctx, city.Archive(member), "2024-01"); err != nil || len(got.Entries) != 2 || got.Entries[0].Verdict != review.VerdictReturned {
		t.Fatalf("city reads its verdicts back: %+v, %v", got, err)
	}

	// What it may not do on its member.
	attacks := map[string]func() error{
		"list the whole bucket": func() error { return city.Archive(member).Check(ctx) },
		"list uploads/":         func() error { _, err := listRaw(ctx, cityRaw, member, "uploads/"); return err },
		"list assets/":          func() error { _, err := listRaw(ctx, cityRaw, member, "assets/"); return err },
		"list a prefix of no area": func() error {
			_, err := listRaw(ctx, cityRaw, member, "u")
			return err
		},
		"read an upload":  func() error { return statRaw(ctx, cityRaw, member, uploads[0], "") },
		"read an asset":   func() error { return statRaw(ctx, cityRaw, member, assets[0], "") },
		"list buckets":    func() error { _, err := city.ListBuckets(ctx); return err },
		"write a dataset": func() error { _, err := city.Archive(member).PutDataset(ctx, "2024-02", []byte(`{}`)); return err },
		"overwrite a report": func() error {
			arts, m := fakeReport(t, "2024-01", "forged by the city")
			_, err := city.Archive(member).Publish(ctx, "2024-01", arts, m)
			return err
		},
		"write an upload": func() error {
			_, err := city.Archive(member).PutUpload(ctx, "2024-01", "x.xlsx", []byte("x"), time.Now())
			return err
		},
		"write outside the layout": func() error {
			_, err := cityRaw.PutObject(ctx, member, "x/by-city", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
			return err
		},
		"copy a dataset into review/": func() error {
			_, err := cityRaw.CopyObject(ctx, minio.CopyDestOptions{Bucket: member, Object: "review/2024-03/review.json"},
				minio.CopySrcOptions{Bucket: member, Object: uploads[0]})
			return err
		},
		"delete a report": func() error {
			return cityRaw.RemoveObject(ctx, member, "reports/2024-01/report.pdf", minio.RemoveObjectOptions{})
		},
		"delete a dataset": func() error {
			return cityRaw.RemoveObject(ctx, member, "data/2024-01/dataset.json", minio.RemoveObjectOptions{})
		},
		"delete a verdict": func() error {
			return cityRaw.RemoveObject(ctx, member, "review/2024-01/review.json", minio.RemoveObjectOptions{})
		},
		"retain": func() error {
			_, err := city.Archive(member).Retain(ctx, 1, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			return err
		},
		"suspend versioning": func() error { return cityRaw.SuspendVersioning(ctx, member) },
		"mint wider credentials": func() error {
			chain, err := storage.NewSTSIssuer(creds.Config(root))
			if err != nil {
				return err
			}
			_, err = chain.IssueMember(ctx, other, time.Hour)
			if err != nil {
				return storage.ErrAccessDenied
			}
			return nil
		},
		// The other county, which these credentials are not for.
		"list another county's reports": func() error { _, err := city.Archive(other).List(ctx); return err },
		"read another county's report": func() error {
			_, _, err := city.Archive(other).Get(ctx, "2024-01", "report.pdf")
			return err
		},
		"read another county's dataset": func() error { _, err := city.Archive(other).GetDataset(ctx, "2024-01"); return err },
		"review another county": func() error {
			_, err := review.Append(ctx, city.Archive(other), "2024-01", entry)
			return err
		},
	}
	for name, attack := range attacks {
		t.Run(name, func(t *testing.T) {
			if err := attack(); !denied(err) {
				t.Fatalf("got %v, want AccessDenied", err)
			}
		})
	}
	// Nothing the city attempted changed either bucket.
	if _, err := admin.Archive(member).Verify(ctx, "2024-01"); err != nil {
		t.Fatalf("the member's report after the city's attempts: %v", err)
	}
	for _, b := range []string{member, other} {
		vs := versions(t, raw, b, "")
		for k := range vs {
			if strings.HasPrefix(k, "x/") || strings.HasPrefix(k, "review/2024-03") || k == "data/2024-02/dataset.json" {
				t.Fatalf("the city wrote %s in %s", k, b)
			}
		}
	}
	if _, err := review.Read(ctx, admin.Archive(other), "2024-01"); err != nil {
		t.Fatal(err)
	}
	if vs := versions(t, raw, other, "review/"); len(vs) != 0 {
		t.Fatalf("verdicts in the other county's bucket: %v", vs)
	}
}

// A county reads the city's verdicts on its own submissions and cannot write,
// forge or remove them: it cannot mark its own data accepted.
func TestCountyCannotWriteItsOwnReview(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	bucket := srv.NewBucket(t)
	ctx := testCtx(t)
	admin := newClient(t, root)
	if _, err := admin.Archive(bucket).PutDataset(ctx, "2024-01", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	returned := review.Entry{Verdict: review.VerdictReturned, By: "city", At: reviewedAt, Comment: "数据有误", DatasetSHA256: sha([]byte(`{"v":1}`))}
	if _, err := review.Append(ctx, admin.Archive(bucket), "2024-01", returned); err != nil {
		t.Fatal(err)
	}
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	county := newClient(t, creds.Config(root))
	countyRaw := rawClient(t, creds.Config(root))

	if log, err := review.Read(ctx, county.Archive(bucket), "2024-01"); err != nil || len(log.Entries) != 1 || log.Entries[0].Comment != "数据有误" {
		t.Fatalf("county reads the city's verdict: %+v, %v", log, err)
	}
	// The county's own work is unaffected.
	if _, err := county.Archive(bucket).PutDataset(ctx, "2024-01", []byte(`{"v":2}`)); err != nil {
		t.Fatalf("county resubmits: %v", err)
	}
	accept := returned
	accept.Verdict, accept.Comment = review.VerdictAccepted, ""
	attacks := map[string]func() error{
		"accept its own submission": func() error { _, err := review.Append(ctx, county.Archive(bucket), "2024-01", accept); return err },
		"write a verdict for a new period": func() error {
			_, err := review.Append(ctx, county.Archive(bucket), "2024-02", accept)
			return err
		},
		"delete the verdict": func() error {
			return countyRaw.RemoveObject(ctx, bucket, "review/2024-01/review.json", minio.RemoveObjectOptions{})
		},
		"copy over the verdict": func() error {
			_, err := countyRaw.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "review/2024-01/review.json"},
				minio.CopySrcOptions{Bucket: bucket, Object: "data/2024-01/dataset.json"})
			return err
		},
		"multipart upload into review/": func() error {
			_, err := minio.Core{Client: countyRaw}.NewMultipartUpload(ctx, bucket, "review/2024-01/review.json", minio.PutObjectOptions{})
			return err
		},
	}
	for name, attack := range attacks {
		t.Run(name, func(t *testing.T) {
			if err := attack(); !denied(err) {
				t.Fatalf("got %v, want AccessDenied", err)
			}
		})
	}
	log, err := review.Read(ctx, admin.Archive(bucket), "2024-01")
	if err != nil || len(log.Entries) != 1 || log.Entries[0].Verdict != review.VerdictReturned {
		t.Fatalf("verdicts after the county's attempts: %+v, %v", log, err)
	}
	if vs := versions(t, rawClient(t, root), bucket, "review/"); len(vs) != 1 || vs["review/2024-01/review.json"] != 1 {
		t.Fatalf("review/ after the county's attempts: %v", vs)
	}
}

func TestReviewEntriesAreChecked(t *testing.T) {
	ok := review.Entry{Verdict: review.VerdictAccepted, By: "r", At: reviewedAt, DatasetSHA256: strings.Repeat("a", 64)}
	cases := map[string]func(e *review.Entry){
		"unknown verdict":        func(e *review.Entry) { e.Verdict = "approved" },
		"no reviewer":            func(e *review.Entry) { e.By = "" },
		"no time":                func(e *review.Entry) { e.At = time.Time{} },
		"short checksum":         func(e *review.Entry) { e.DatasetSHA256 = "abc" },
		"returned with no words": func(e *review.Entry) { e.Verdict = review.VerdictReturned },
		"comment too long":       func(e *review.Entry) { e.Comment = strings.Repeat("长", 2001) },
	}
	if err := ok.Check(); err != nil {
		t.Fatalf("valid entry refused: %v", err)
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := ok
			mutate(&e)
			if e.Check() == nil {
				t.Fatalf("accepted %+v", e)
			}
		})
	}
}

// reviewedAt is when the made-up verdicts of these tests were given: a
// fixed instant, so the tests read no clock.
var reviewedAt = time.Date(2023, 2, 10, 9, 30, 0, 0, time.UTC)
