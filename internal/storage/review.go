package storage

import (
	"context"
	"time"

	"github.com/minio/minio-go/v7"
)

// The review log, review/<period>/review.json, is the city's: its format
// and rules are internal/review's. Storage keeps its bytes, read and
// written conditionally so that two verdicts given at once both stay.

// maxReviewSize bounds a review log (and a ranking) read whole.
const maxReviewSize = 1 << 20

// DatasetInfo describes the stored dataset of a period. Object.SHA256 is
// the county's own claim (its object metadata); ContentSHA256 is computed by
// the reader from the bytes, and set only when it read them.
type DatasetInfo struct {
	Object
	// Modified is when the current version was written.
	Modified      time.Time
	ContentSHA256 string
}

// DescribeDataset describes data/<period>/dataset.json with its time and
// version (ErrNotFound when none). On a server that keeps no versions it
// reads the bytes to compute their SHA-256 (ContentID needs one or the other).
func (a *Archive) DescribeDataset(ctx context.Context, period string) (DatasetInfo, error) {
	if err := checkPeriod(period); err != nil {
		return DatasetInfo{}, a.fail(ErrInvalid, "stat dataset", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return DatasetInfo{}, a.wrap("stat", key, err)
	}
	if !RealVersion(info.VersionID) {
		// No server version to bind a verdict to: the bytes' own SHA-256,
		// computed here, is the dataset's identity.
		_, d, err := a.ReadDataset(ctx, period, "")
		return d, err
	}
	return DatasetInfo{
		Object:   Object{Name: DatasetName, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: metaGet(info.UserMetadata, metaSHA256)},
		Modified: info.LastModified.UTC(),
	}, nil
}

// GetReviewLog reads period's review log, checked against its stored
// SHA-256 and by check (a failure of either is ErrCorrupt), with its
// version: its ETag is the condition PutReviewLogIf takes. ErrNotFound when
// the period was never reviewed.
func (a *Archive) GetReviewLog(ctx context.Context, period string, check func(data []byte) error) ([]byte, Version, error) {
	const op = "get review"
	if err := checkPeriod(period); err != nil {
		return nil, Version{}, a.fail(ErrInvalid, op, reviewKey(period), "%v", err)
	}
	key := reviewKey(period)
	data, v, err := a.getChecked(ctx, op, key, "", maxReviewSize)
	if err != nil {
		return nil, Version{}, err
	}
	if err := check(data); err != nil {
		return nil, Version{}, a.fail(ErrCorrupt, op, key, "%v", err)
	}
	return data, v, nil
}

// PutReviewLogIf writes period's review log only if the current one is
// still the version with ETag ifETag (when ifETag is "", only if there is
// none), else ErrConflict.
func (a *Archive) PutReviewLogIf(ctx context.Context, period string, data []byte, ifETag string) (Object, error) {
	const op = "append review"
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, op, reviewKey(period), "%v", err)
	}
	if len(data) > maxReviewSize {
		return Object{}, a.fail(ErrInvalid, op, reviewKey(period), "%d bytes, more than %d", len(data), maxReviewSize)
	}
	key := reviewKey(period)
	o, err := a.putSum(ctx, key, data, sha256Hex(data), nil, func(o *minio.PutObjectOptions) {
		if ifETag == "" {
			o.SetMatchETagExcept("*")
		} else {
			o.SetMatchETag(ifETag)
		}
	})
	return o, a.conflict(op, key, err)
}
