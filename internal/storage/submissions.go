package storage

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// Operations behind internal/submission: a period's dataset with its
// version history, the uploads and the submission records. Writes are
// conditional (If-Match / If-None-Match), so that two submissions of one
// period can never both believe they replaced the same version, and an
// upload or record is never overwritten.

// ErrConflict: a conditional write found the object changed (a dataset
// replaced since it was read) or already present (an upload or record key).
var ErrConflict = errors.New("changed meanwhile")

// Metadata keys of submission objects (x-amz-meta-*).
const (
	// MetaSubmission, on a dataset version and on its upload, is the id of
	// the submission that wrote it (its record is SubmissionRecordKey).
	MetaSubmission = "Countyreport-Submission"
	// MetaUploadedBy and MetaUploadedAt, on an upload, say who sent it and
	// when (RFC 3339, UTC). Values are URL query-escaped (UTF-8 user names).
	MetaUploadedBy = "Countyreport-Uploaded-By"
	MetaUploadedAt = "Countyreport-Uploaded-At"
)

// Size limits of submission objects read whole.
const (
	MaxUploadSize = 20 << 20
	maxRecordSize = 1 << 20
)

// Version is one version of an object.
type Version struct {
	Key       string
	VersionID string // empty when the bucket is not versioned
	ETag      string
	Latest    bool
	Time      time.Time // when it was written
	Size      int64
	SHA256    string            // as stored in metadata
	Meta      map[string]string // user metadata, keys as in the Meta* constants
}

func versionOf(key string, info minio.ObjectInfo) Version {
	meta := map[string]string{}
	for _, k := range []string{MetaSubmission, MetaUploadedBy, MetaUploadedAt} {
		if v := metaGet(info.UserMetadata, k); v != "" {
			meta[k] = v
		}
	}
	return Version{
		Key: key, VersionID: info.VersionID, ETag: strings.Trim(info.ETag, `"`), Latest: info.IsLatest,
		Time: info.LastModified, Size: info.Size, SHA256: metaGet(info.UserMetadata, metaSHA256), Meta: meta,
	}
}

// Datasets names the periods that have a data/<period>/ folder, oldest first.
func (a *Archive) Datasets(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []string
	n := 0
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixData}) {
		if o.Err != nil {
			return nil, a.wrap("list", prefixData, o.Err)
		}
		if n++; n > maxListed {
			return nil, a.tooMany("list", prefixData)
		}
		p := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefixData), "/")
		if checkPeriod(p) == nil && strings.HasSuffix(o.Key, "/") {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// DatasetCurrent stats the current dataset of period (ErrNotFound when
// there is none or its latest version is a delete marker).
func (a *Archive) DatasetCurrent(ctx context.Context, period string) (Version, error) {
	if err := checkPeriod(period); err != nil {
		return Version{}, a.fail(ErrInvalid, "stat dataset", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Version{}, a.wrap("stat dataset", key, err)
	}
	v := versionOf(key, info)
	v.Latest = true
	return v, nil
}

// DatasetVersions lists every version of data/<period>/dataset.json, newest
// first, with its metadata; delete markers are left out.
func (a *Archive) DatasetVersions(ctx context.Context, period string) ([]Version, error) {
	if err := checkPeriod(period); err != nil {
		return nil, a.fail(ErrInvalid, "list dataset versions", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	var listed []minio.ObjectInfo
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	for o := range a.c.mc.ListObjects(lctx, a.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if o.Err != nil {
			return nil, a.wrap("list dataset versions", key, o.Err)
		}
		if n++; n > maxListed {
			return nil, a.tooMany("list dataset versions", key)
		}
		if o.Key == key && !o.IsDeleteMarker {
			listed = append(listed, o)
		}
	}
	// Listings carry no user metadata on plain S3: one stat per version.
	out := make([]Version, 0, len(listed))
	for _, o := range listed {
		info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{VersionID: o.VersionID})
		if err != nil {
			return nil, a.wrap("stat dataset version", key, err)
		}
		v := versionOf(key, info)
		v.Latest, v.Time = o.IsLatest, o.LastModified
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

// GetDatasetVersion downloads one version of period's dataset (the current
// one when versionID is empty), checked against its stored SHA-256.
func (a *Archive) GetDatasetVersion(ctx context.Context, period, versionID string) ([]byte, Version, error) {
	if err := checkPeriod(period); err != nil {
		return nil, Version{}, a.fail(ErrInvalid, "get dataset", datasetKey(period), "%v", err)
	}
	return a.getChecked(ctx, "get dataset", datasetKey(period), versionID, maxDatasetSize)
}

// GetUploadVersion downloads an upload kept under uploads/ (key as recorded),
// checked against its stored SHA-256.
func (a *Archive) GetUploadVersion(ctx context.Context, key, versionID string) ([]byte, Version, error) {
	if k, err := ParseKey(key); err != nil || k.Kind != KindUpload {
		return nil, Version{}, a.fail(ErrInvalid, "get upload", key, "not an upload key")
	}
	return a.getChecked(ctx, "get upload", key, versionID, MaxUploadSize)
}

func (a *Archive) getChecked(ctx context.Context, op, key, versionID string, limit int64) ([]byte, Version, error) {
	data, info, err := a.readAll(ctx, key, versionID, limit)
	if err != nil {
		return nil, Version{}, err
	}
	v := versionOf(key, info)
	if v.SHA256 != "" && v.SHA256 != sha256Hex(data) {
		return nil, Version{}, a.fail(ErrCorrupt, op, key, "content does not match its stored SHA-256")
	}
	return data, v, nil
}

// PutSubmissionUpload keeps an upload at key (from SubmissionUploadKey),
// never over an existing object (ErrConflict), with who sent it and when.
func (a *Archive) PutSubmissionUpload(ctx context.Context, key string, data []byte, by string, at time.Time, submission string) (Object, error) {
	if k, err := ParseKey(key); err != nil || k.Kind != KindUpload {
		return Object{}, a.fail(ErrInvalid, "put upload", key, "not an upload key")
	}
	if len(data) > MaxUploadSize {
		return Object{}, a.fail(ErrInvalid, "put upload", key, "%d bytes, more than %d", len(data), MaxUploadSize)
	}
	meta := map[string]string{
		MetaUploadedBy: url.QueryEscape(by),
		MetaUploadedAt: at.UTC().Format(time.RFC3339Nano),
	}
	if submission != "" {
		meta[MetaSubmission] = submission
	}
	return a.putNew(ctx, "put upload", key, data, meta)
}

// PutSubmissionRecord writes a submission's record, never over an existing
// one (ErrConflict).
func (a *Archive) PutSubmissionRecord(ctx context.Context, period, id string, data []byte) (Object, error) {
	key, err := SubmissionRecordKey(period, id)
	if err != nil {
		return Object{}, a.fail(ErrInvalid, "put submission record", key, "%v", err)
	}
	if len(data) > maxRecordSize {
		return Object{}, a.fail(ErrInvalid, "put submission record", key, "%d bytes, more than %d", len(data), maxRecordSize)
	}
	return a.putNew(ctx, "put submission record", key, data, nil)
}

// GetSubmissionRecord reads a submission's record.
func (a *Archive) GetSubmissionRecord(ctx context.Context, period, id string) ([]byte, error) {
	key, err := SubmissionRecordKey(period, id)
	if err != nil {
		return nil, a.fail(ErrInvalid, "get submission record", key, "%v", err)
	}
	data, _, err := a.getChecked(ctx, "get submission record", key, "", maxRecordSize)
	return data, err
}

// PutDatasetIf writes period's dataset only if the current one is still the
// version with ETag ifETag (or, when ifETag is "", only if there is none),
// else ErrConflict. submission names the record of the submission writing it.
func (a *Archive) PutDatasetIf(ctx context.Context, period string, data []byte, ifETag, submission string) (Object, error) {
	const op = "put dataset"
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, op, datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	meta := map[string]string{}
	if submission != "" {
		if err := CheckSubmissionID(submission); err != nil {
			return Object{}, a.fail(ErrInvalid, op, key, "%v", err)
		}
		meta[MetaSubmission] = submission
	}
	cond := func(o *minio.PutObjectOptions) {
		if ifETag == "" {
			o.SetMatchETagExcept("*")
		} else {
			o.SetMatchETag(ifETag)
		}
	}
	o, err := a.putSum(ctx, key, data, sha256Hex(data), meta, cond)
	return o, a.conflict(op, key, err)
}

func (a *Archive) putNew(ctx context.Context, op, key string, data []byte, meta map[string]string) (Object, error) {
	o, err := a.putSum(ctx, key, data, sha256Hex(data), meta, func(o *minio.PutObjectOptions) { o.SetMatchETagExcept("*") })
	return o, a.conflict(op, key, err)
}

// conflict turns a failed precondition into ErrConflict.
func (a *Archive) conflict(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var r minio.ErrorResponse
	if errors.As(err, &r) && (r.Code == "PreconditionFailed" || r.StatusCode == http.StatusPreconditionFailed) {
		return a.fail(ErrConflict, op, key, "%v", err)
	}
	return err
}
