package storage_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/countyreport/countyreport/internal/storage"
)

// Objects changed behind the archive's back are detected by their checksums.
func TestCorruptionDetected(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	mc := rawClient(t, root)
	const period, key = "2024-03", "reports/2024-03/report.pdf"

	overwrite := func(t *testing.T, bucket string, data []byte, meta map[string]string) minio.UploadInfo {
		t.Helper()
		info, err := mc.PutObject(testCtx(t), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{UserMetadata: meta})
		if err != nil {
			t.Fatalf("tamper: %v", err)
		}
		return info
	}
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)/2] ^= 0xff; return c }

	cases := map[string]struct {
		versioned bool
		tamper    func(t *testing.T, bucket string, orig []byte)
		report    error // from Report (size and stored checksum)
		get       error // from Get, Verify and Open (bytes re-hashed)
	}{
		"unversioned: other bytes, other size": {
			tamper: func(t *testing.T, b string, orig []byte) { overwrite(t, b, append(orig, 'x'), nil) },
			report: storage.ErrCorrupt, get: storage.ErrCorrupt,
		},
		"unversioned: same size, checksum metadata forged": {
			tamper: func(t *testing.T, b string, orig []byte) {
				overwrite(t, b, flip(orig), map[string]string{storage.MetaSHA256: sha(orig)})
			},
			report: nil, get: storage.ErrCorrupt,
		},
		"unversioned: same size, no checksum metadata": {
			tamper: func(t *testing.T, b string, orig []byte) { overwrite(t, b, flip(orig), nil) },
			report: storage.ErrCorrupt, get: storage.ErrCorrupt,
		},
		"unversioned: artifact deleted": {
			tamper: func(t *testing.T, b string, _ []byte) {
				if err := mc.RemoveObject(testCtx(t), b, key, minio.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			report: storage.ErrIncomplete, get: storage.ErrIncomplete,
		},
		"versioned: latest overwritten, the manifest's version still served": {
			versioned: true,
			tamper:    func(t *testing.T, b string, orig []byte) { overwrite(t, b, flip(orig), nil) },
			report:    nil, get: nil,
		},
		"versioned: manifest repointed at a tampered version": {
			versioned: true,
			tamper: func(t *testing.T, b string, orig []byte) {
				bad := overwrite(t, b, flip(orig), map[string]string{storage.MetaSHA256: sha(orig)})
				repoint(t, mc, b, period, "report.pdf", bad.VersionID)
			},
			report: nil, get: storage.ErrCorrupt,
		},
		"versioned: manifest garbled": {
			versioned: true,
			tamper: func(t *testing.T, b string, _ []byte) {
				m := []byte(`{"schema":"countyreport.io/manifest/v1","period":"2024-03","artifacts":[]}`)
				if _, err := mc.PutObject(testCtx(t), b, "reports/2024-03/manifest.json", bytes.NewReader(m), int64(len(m)), minio.PutObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			report: storage.ErrCorrupt, get: storage.ErrCorrupt,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			var bucket string
			if tc.versioned {
				bucket = srv.NewBucket(t)
			} else {
				bucket = srv.NewBucket(t) + "-u"
				if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			a := newClient(t, root).Archive(bucket)
			arts := publish(t, a, period, "orig")
			tc.tamper(t, bucket, arts[0].Data)

			if _, err := a.Report(ctx, period); !errIs(err, tc.report) {
				t.Fatalf("report: got %v, want %v", err, tc.report)
			}
			got, _, err := a.Get(ctx, period, "report.pdf")
			if !errIs(err, tc.get) {
				t.Fatalf("get: got %v, want %v", err, tc.get)
			}
			if err == nil && !bytes.Equal(got, arts[0].Data) {
				t.Fatal("get returned other bytes than published without an error")
			}
			if _, err := a.Verify(ctx, period); !errIs(err, firstErr(tc.report, tc.get)) {
				t.Fatalf("verify: got %v, want %v", err, firstErr(tc.report, tc.get))
			}
			if tc.report == nil {
				rc, _, err := a.Open(ctx, period, "report.pdf")
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				_, err = io.ReadAll(rc)
				rc.Close()
				if !errIs(err, tc.get) {
					t.Fatalf("open and read: got %v, want %v", err, tc.get)
				}
			}
			// A period that does not verify by Stat is not listed.
			ps := listed(t, a)
			if want := tc.report == nil; (len(ps) == 1) != want {
				t.Fatalf("list: %v (listed should be %v)", ps, want)
			}
			// A fresh publish repairs it.
			arts2 := publish(t, a, period, "repaired")
			wantReport(t, a, period, arts2)
		})
	}
}

// repoint rewrites the manifest object with the same bytes but the artifact
// name pointed at another object version.
func repoint(t *testing.T, mc *minio.Client, bucket, period, name, versionID string) {
	t.Helper()
	ctx := testCtx(t)
	key := "reports/" + period + "/manifest.json"
	obj, err := mc.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	info, err := obj.Stat()
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	vs := map[string]string{}
	for _, n := range []string{"report.pdf", "bundle.zip"} {
		st, err := mc.StatObject(ctx, bucket, "reports/"+period+"/"+n, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		vs[n] = st.VersionID
	}
	if info.UserMetadata[storage.MetaVersions] == "" {
		t.Fatalf("manifest has no %s metadata: %v", storage.MetaVersions, info.UserMetadata)
	}
	vs[name] = versionID
	meta := map[string]string{storage.MetaSHA256: info.UserMetadata[storage.MetaSHA256], storage.MetaVersions: storage.EncodeVersions(vs)}
	if _, err := mc.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{UserMetadata: meta}); err != nil {
		t.Fatal(err)
	}
}

func errIs(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
