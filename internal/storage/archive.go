package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/countyreport/countyreport/internal/manifest"
)

// User metadata written with every object (x-amz-meta-*).
const (
	metaSHA256   = "Countyreport-Sha256"   // lower-case hex SHA-256 of the object's bytes
	metaVersions = "Countyreport-Versions" // on manifest.json: artifact name → object version ID
)

// Size limits of objects read whole into memory, and of one PUT (S3's).
const (
	maxSinglePut    = 5 << 30
	maxManifestSize = 4 << 20
	maxDatasetSize  = 256 << 20
)

// Presigned link lifetimes.
const (
	DefaultPresignExpiry = 15 * time.Minute
	MaxPresignExpiry     = 7 * 24 * time.Hour
)

// Archive is one county's bucket laid out as in docs/architecture.md
// ("Storage layout"). It is safe for concurrent use.
type Archive struct {
	c      *Client
	bucket string

	// beforePut, when set (tests only, see export_test.go), runs before every
	// object upload; an error fails that upload.
	beforePut func(key string) error
}

// Archive returns the archive in bucket. It does not contact the endpoint;
// call Check for that.
func (c *Client) Archive(bucket string) *Archive { return &Archive{c: c, bucket: bucket} }

// Bucket names the archive's bucket.
func (a *Archive) Bucket() string { return a.bucket }

// Check lists at most one key of the bucket, so that wrong credentials
// (ErrBadCredentials), a foreign bucket (ErrAccessDenied), a missing bucket
// (ErrNoSuchBucket) and an unreachable endpoint (ErrUnavailable) are told
// apart before any real work.
func (a *Archive) Check(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first answer is enough; cancel stops the listing behind it.
	if o, ok := <-a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{MaxKeys: 1}); ok && o.Err != nil {
		return a.wrap("list", "", o.Err)
	}
	return nil
}

// Artifact is one file published under reports/<period>/.
type Artifact struct {
	Name string // a plain file name such as "report.pdf"
	Data []byte
}

// Object is one stored object as the archive knows it.
type Object struct {
	Name      string // file name within its period ("report.pdf")
	Key       string // full object key
	VersionID string // empty when the bucket is not versioned
	Size      int64
	SHA256    string
}

// Report is one complete period: its manifest and the objects it lists, all
// present with the right size and SHA-256.
type Report struct {
	Period            string
	Time              time.Time // when the manifest was written
	Pages             int
	Size              int64 // bytes of all artifacts
	Manifest          *manifest.Manifest
	ManifestVersionID string
	Artifacts         []Object

	raw    []byte
	pinned bool // artifact versions come from the manifest's metadata
}

// ManifestJSON returns the manifest's bytes as stored.
func (r *Report) ManifestJSON() []byte { return slices.Clone(r.raw) }

// Artifact returns the listed object named name.
func (r *Report) Artifact(name string) (Object, bool) {
	for _, o := range r.Artifacts {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

func (a *Archive) wrap(op, key string, err error) error { return a.c.wrap(op, a.bucket, key, err) }

func (a *Archive) fail(kind error, op, key, format string, args ...any) error {
	return &Error{Op: op, Endpoint: a.c.cfg.Endpoint, Bucket: a.bucket, Key: key, Kind: kind, Err: fmt.Errorf(format, args...)}
}

func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf":
		return "application/pdf"
	case ".zip":
		return "application/zip"
	case ".json":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func metaGet(m map[string]string, key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) || strings.EqualFold(k, "X-Amz-Meta-"+key) {
			return v
		}
	}
	return ""
}

func (a *Archive) put(ctx context.Context, key string, data []byte, meta map[string]string) (Object, error) {
	return a.putSum(ctx, key, data, sha256Hex(data), meta)
}

// putSum is put for data whose SHA-256 (hex) the caller computed already.
// Each opt adjusts the request (conditional writes: see submissions.go).
func (a *Archive) putSum(ctx context.Context, key string, data []byte, sum string, meta map[string]string, opt ...func(*minio.PutObjectOptions)) (Object, error) {
	if a.beforePut != nil {
		if err := a.beforePut(key); err != nil {
			return Object{}, a.wrap("put", key, err)
		}
	}
	um := map[string]string{metaSHA256: sum}
	for k, v := range meta {
		um[k] = v
	}
	// One single-part PUT whose signature covers the SHA-256 computed above
	// (X-Amz-Content-Sha256: the server rejects a body that does not match):
	// the bytes are in memory, so minio-go's default (streaming chunk
	// signatures over plain HTTP, multipart above 16 MiB) would only hash
	// them again.
	opts := minio.PutObjectOptions{ContentType: contentType(key), UserMetadata: um, DisableContentSha256: true}
	for _, o := range opt {
		o(&opts)
	}
	var info minio.UploadInfo
	var err error
	if int64(len(data)) <= maxSinglePut {
		info, err = minio.Core{Client: a.c.mc}.PutObject(ctx, a.bucket, key, bytes.NewReader(data), int64(len(data)), "", sum, opts)
	} else {
		opts.DisableContentSha256 = false
		info, err = a.c.mc.PutObject(ctx, a.bucket, key, bytes.NewReader(data), int64(len(data)), opts)
	}
	if err != nil {
		return Object{}, a.wrap("put", key, err)
	}
	if info.Size != int64(len(data)) {
		return Object{}, a.fail(ErrCorrupt, "put", key, "server stored %d bytes, sent %d", info.Size, len(data))
	}
	return Object{Name: path.Base(key), Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: sum}, nil
}

// readAll downloads key (at versionID when set) with at most limit bytes.
func (a *Archive) readAll(ctx context.Context, key, versionID string, limit int64) ([]byte, minio.ObjectInfo, error) {
	obj, err := a.c.mc.GetObject(ctx, a.bucket, key, minio.GetObjectOptions{VersionID: versionID})
	if err != nil {
		return nil, minio.ObjectInfo{}, a.wrap("get", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, limit+1))
	if err != nil {
		return nil, minio.ObjectInfo{}, a.wrap("get", key, err)
	}
	if int64(len(data)) > limit {
		return nil, minio.ObjectInfo{}, a.fail(ErrCorrupt, "get", key, "larger than %d bytes", limit)
	}
	info, err := obj.Stat()
	if err != nil {
		return nil, minio.ObjectInfo{}, a.wrap("get", key, err)
	}
	return data, info, nil
}

// readManifest downloads and checks reports/<period>/manifest.json.
func (a *Archive) readManifest(ctx context.Context, period string) (*Report, map[string]string, error) {
	key := reportKey(period, ManifestName)
	if err := checkPeriod(period); err != nil {
		return nil, nil, a.fail(ErrInvalid, "read manifest", key, "%v", err)
	}
	data, info, err := a.readAll(ctx, key, "", maxManifestSize)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, a.fail(ErrNotFound, "read manifest", key, "period %s has no report", period)
		}
		return nil, nil, err
	}
	if want := metaGet(info.UserMetadata, metaSHA256); want != "" && want != sha256Hex(data) {
		return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "content does not match its stored SHA-256")
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "%v", err)
	}
	if m.Period != period {
		return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "manifest is for period %q", m.Period)
	}
	if len(m.Artifacts) == 0 {
		return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "manifest lists no artifacts")
	}
	var versions map[string]string
	if enc := metaGet(info.UserMetadata, metaVersions); enc != "" {
		if versions, err = decodeVersions(enc); err != nil {
			return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "%v", err)
		}
		for _, f := range m.Artifacts {
			if versions[f.Name] == "" {
				return nil, nil, a.fail(ErrCorrupt, "read manifest", key, "no object version recorded for %s", f.Name)
			}
		}
	}
	r := &Report{
		Period: period, Time: info.LastModified, Pages: m.Pages, Manifest: m,
		ManifestVersionID: info.VersionID, raw: data, pinned: versions != nil,
	}
	for _, f := range m.Artifacts {
		r.Artifacts = append(r.Artifacts, Object{Name: f.Name, Key: reportKey(period, f.Name), VersionID: versions[f.Name], Size: f.Size, SHA256: f.SHA256})
		r.Size += f.Size
	}
	return r, versions, nil
}

// statArtifact checks that o is present with its size and stored SHA-256.
func (a *Archive) statArtifact(ctx context.Context, o Object) error {
	info, err := a.c.mc.StatObject(ctx, a.bucket, o.Key, minio.StatObjectOptions{VersionID: o.VersionID})
	if err != nil {
		if errors.Is(classify(err), ErrNotFound) {
			return a.fail(ErrIncomplete, "check", o.Key, "listed in the manifest but missing (version %q)", o.VersionID)
		}
		return a.wrap("check", o.Key, err)
	}
	if info.IsDeleteMarker {
		return a.fail(ErrIncomplete, "check", o.Key, "listed in the manifest but deleted")
	}
	if info.Size != o.Size {
		return a.fail(ErrCorrupt, "check", o.Key, "size %d, manifest says %d", info.Size, o.Size)
	}
	if got := metaGet(info.UserMetadata, metaSHA256); got != o.SHA256 {
		return a.fail(ErrCorrupt, "check", o.Key, "stored SHA-256 %q, manifest says %s", got, o.SHA256)
	}
	return nil
}

// Report returns period's report if it is complete: the manifest exists and
// parses, and every artifact it lists is present with the manifest's size and
// SHA-256 (from object metadata; Verify re-hashes the bytes). Otherwise the
// error is ErrNotFound (no manifest), ErrIncomplete (an artifact missing) or
// ErrCorrupt (a mismatch).
func (a *Archive) Report(ctx context.Context, period string) (*Report, error) {
	return retryUnpinned(func() (*Report, bool, error) {
		r, _, err := a.readManifest(ctx, period)
		if err != nil {
			return nil, false, err
		}
		for _, o := range r.Artifacts {
			if err := a.statArtifact(ctx, o); err != nil {
				return nil, !r.pinned, err
			}
		}
		return r, false, nil
	})
}

// retryUnpinned runs f again once when it failed on a report whose artifacts
// are not pinned to versions (an unversioned bucket): a concurrent
// re-publish may have replaced the artifacts before its manifest.
func retryUnpinned[T any](f func() (T, bool, error)) (T, error) {
	v, again, err := f()
	if err != nil && again && (errors.Is(err, ErrIncomplete) || errors.Is(err, ErrCorrupt)) {
		v, _, err = f()
	}
	return v, err
}

// Scan lists every period under reports/: complete ones as reports, the
// others with the reason they are not complete. Only failures to list (or to
// reach the server) are returned as the error.
func (a *Archive) Scan(ctx context.Context) ([]*Report, map[string]error, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var periods []string
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixReports}) {
		if o.Err != nil {
			return nil, nil, a.wrap("list", prefixReports, o.Err)
		}
		p := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefixReports), "/")
		if checkPeriod(p) == nil && strings.HasSuffix(o.Key, "/") {
			periods = append(periods, p)
		}
	}
	sort.Strings(periods)
	reports := make([]*Report, len(periods))
	errs := make([]error, len(periods))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, p := range periods {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			reports[i], errs[i] = a.Report(ctx, p)
		}()
	}
	wg.Wait()
	var out []*Report
	bad := map[string]error{}
	for i, p := range periods {
		switch err := errs[i]; {
		case err == nil:
			out = append(out, reports[i])
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrIncomplete), errors.Is(err, ErrCorrupt):
			bad[p] = err
		default:
			return nil, nil, err
		}
	}
	return out, bad, nil
}

// List returns the complete periods, oldest first.
func (a *Archive) List(ctx context.Context) ([]*Report, error) {
	out, _, err := a.Scan(ctx)
	return out, err
}

// Get downloads one file of a complete period ("report.pdf", "bundle.zip" or
// "manifest.json") and checks its bytes against the manifest's size and
// SHA-256 (always re-hashed; a mismatch is ErrCorrupt).
func (a *Archive) Get(ctx context.Context, period, name string) ([]byte, Object, error) {
	type result struct {
		data []byte
		o    Object
	}
	res, err := retryUnpinned(func() (result, bool, error) {
		r, _, err := a.readManifest(ctx, period)
		if err != nil {
			return result{}, false, err
		}
		if name == ManifestName {
			return result{r.raw, Object{Name: name, Key: reportKey(period, name), VersionID: r.ManifestVersionID, Size: int64(len(r.raw)), SHA256: sha256Hex(r.raw)}}, false, nil
		}
		o, ok := r.Artifact(name)
		if !ok {
			return result{}, false, a.fail(ErrNotFound, "get", reportKey(period, name), "the manifest of %s lists no %q", period, name)
		}
		data, _, err := a.readAll(ctx, o.Key, o.VersionID, o.Size)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				err = a.fail(ErrIncomplete, "get", o.Key, "listed in the manifest but missing (version %q)", o.VersionID)
			}
			return result{}, !r.pinned, err
		}
		if int64(len(data)) != o.Size || sha256Hex(data) != o.SHA256 {
			return result{}, !r.pinned, a.fail(ErrCorrupt, "get", o.Key, "downloaded %d bytes with SHA-256 %s, manifest says %d bytes with %s", len(data), sha256Hex(data), o.Size, o.SHA256)
		}
		return result{data, o}, false, nil
	})
	return res.data, res.o, err
}

// Open streams one artifact of a complete period. The reader checks size and
// SHA-256 as it goes: a mismatch turns the final read's io.EOF into an
// ErrCorrupt error (bytes already read have then been handed out).
func (a *Archive) Open(ctx context.Context, period, name string) (io.ReadCloser, Object, error) {
	r, _, err := a.readManifest(ctx, period)
	if err != nil {
		return nil, Object{}, err
	}
	o, ok := r.Artifact(name)
	if !ok {
		return nil, Object{}, a.fail(ErrNotFound, "open", reportKey(period, name), "the manifest of %s lists no %q", period, name)
	}
	if err := a.statArtifact(ctx, o); err != nil {
		return nil, Object{}, err
	}
	obj, err := a.c.mc.GetObject(ctx, a.bucket, o.Key, minio.GetObjectOptions{VersionID: o.VersionID})
	if err != nil {
		return nil, Object{}, a.wrap("open", o.Key, err)
	}
	return &verifyingReader{a: a, o: o, rc: obj, h: sha256.New()}, o, nil
}

type verifyingReader struct {
	a  *Archive
	o  Object
	rc io.ReadCloser
	h  hash.Hash
	n  int64
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.o.Size {
		return n, v.a.fail(ErrCorrupt, "read", v.o.Key, "more than the %d bytes the manifest says", v.o.Size)
	}
	if err == io.EOF {
		if sum := hex.EncodeToString(v.h.Sum(nil)); v.n != v.o.Size || sum != v.o.SHA256 {
			return n, v.a.fail(ErrCorrupt, "read", v.o.Key, "read %d bytes with SHA-256 %s, manifest says %d bytes with %s", v.n, sum, v.o.Size, v.o.SHA256)
		}
	} else if err != nil {
		err = v.a.wrap("read", v.o.Key, err)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

// Verify checks period like Report and then downloads and re-hashes every
// artifact.
func (a *Archive) Verify(ctx context.Context, period string) (*Report, error) {
	r, err := a.Report(ctx, period)
	if err != nil {
		return nil, err
	}
	for _, o := range r.Artifacts {
		data, _, err := a.readAll(ctx, o.Key, o.VersionID, o.Size)
		if err != nil {
			return nil, err
		}
		if int64(len(data)) != o.Size || sha256Hex(data) != o.SHA256 {
			return nil, a.fail(ErrCorrupt, "verify", o.Key, "downloaded %d bytes with SHA-256 %s, manifest says %d bytes with %s", len(data), sha256Hex(data), o.Size, o.SHA256)
		}
	}
	return r, nil
}

// PresignGet returns a link that downloads one file of a complete period
// without credentials until expiry (0: DefaultPresignExpiry; at most
// MaxPresignExpiry). The link names the exact object version the manifest
// lists, so a later re-publish does not change what it downloads.
func (a *Archive) PresignGet(ctx context.Context, period, name string, expiry time.Duration) (*url.URL, error) {
	if expiry == 0 {
		expiry = DefaultPresignExpiry
	}
	if expiry < time.Second || expiry > MaxPresignExpiry {
		return nil, a.fail(ErrInvalid, "presign", reportKey(period, name), "expiry %s outside 1s..%s", expiry, MaxPresignExpiry)
	}
	r, _, err := a.readManifest(ctx, period)
	if err != nil {
		return nil, err
	}
	o := Object{Name: name, Key: reportKey(period, name), VersionID: r.ManifestVersionID, Size: int64(len(r.raw)), SHA256: sha256Hex(r.raw)}
	if name != ManifestName {
		var ok bool
		if o, ok = r.Artifact(name); !ok {
			return nil, a.fail(ErrNotFound, "presign", reportKey(period, name), "the manifest of %s lists no %q", period, name)
		}
		if err := a.statArtifact(ctx, o); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	if o.VersionID != "" {
		q.Set("versionId", o.VersionID)
	}
	q.Set("response-content-disposition", fmt.Sprintf("attachment; filename=%q", period+"-"+name))
	u, err := a.c.mc.PresignedGetObject(ctx, a.bucket, o.Key, expiry, q)
	if err != nil {
		return nil, a.wrap("presign", o.Key, err)
	}
	return u, nil
}
