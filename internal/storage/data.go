package storage

// The inputs of a report: each period's validated dataset, the files staff
// uploaded, and the shared content-addressed assets.

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// PutDataset stores the validated dataset of period at
// data/<period>/dataset.json. Storing the bytes already there writes nothing.
func (a *Archive) PutDataset(ctx context.Context, period string, data []byte) (Object, error) {
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, "put dataset", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	if info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{}); err == nil &&
		info.Size == int64(len(data)) && metaGet(info.UserMetadata, metaSHA256) == sha256Hex(data) {
		return Object{Name: DatasetName, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: sha256Hex(data)}, nil
	}
	return a.put(ctx, key, data, nil)
}

// GetDataset returns data/<period>/dataset.json, checked against the SHA-256
// stored with it (ErrNotFound when the period has no dataset).
func (a *Archive) GetDataset(ctx context.Context, period string) ([]byte, error) {
	if err := checkPeriod(period); err != nil {
		return nil, a.fail(ErrInvalid, "get dataset", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	data, info, err := a.readAll(ctx, key, "", maxDatasetSize)
	if err != nil {
		return nil, err
	}
	if want := metaGet(info.UserMetadata, metaSHA256); want != "" && want != sha256Hex(data) {
		return nil, a.fail(ErrCorrupt, "get dataset", key, "content does not match its stored SHA-256")
	}
	return data, nil
}

// StatDataset checks that data/<period>/dataset.json exists without
// downloading it (ErrNotFound when it does not): enough for a caller that
// only decides whether there is data, such as the Job executor before it
// starts a Job that reads the dataset itself.
func (a *Archive) StatDataset(ctx context.Context, period string) (Object, error) {
	key := datasetKey(period)
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, "stat dataset", key, "%v", err)
	}
	info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, a.wrap("stat", key, err)
	}
	return Object{Name: DatasetName, Key: key, VersionID: info.VersionID, Size: info.Size,
		SHA256: metaGet(info.UserMetadata, metaSHA256)}, nil
}

// PutUpload keeps a file staff uploaded, as uploaded, at
// uploads/<period>/<time>-<name> (time in UTC, millisecond precision).
func (a *Archive) PutUpload(ctx context.Context, period, name string, data []byte, at time.Time) (Object, error) {
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, "put upload", prefixUploads+period, "%v", err)
	}
	if err := checkFileName(name); err != nil {
		return Object{}, a.fail(ErrInvalid, "put upload", prefixUploads+period, "%v", err)
	}
	return a.put(ctx, prefixUploads+period+"/"+uploadName(at, name), data, nil)
}

// PutAsset stores data at assets/<sha256>.<ext> unless it is already there.
func (a *Archive) PutAsset(ctx context.Context, ext string, data []byte) (Object, error) {
	ext = strings.ToLower(strings.TrimPrefix(ext, "."))
	if err := checkExt(ext); err != nil {
		return Object{}, a.fail(ErrInvalid, "put asset", prefixAssets, "%v", err)
	}
	sum := sha256Hex(data)
	key := prefixAssets + sum + "." + ext
	if info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{}); err == nil && info.Size == int64(len(data)) {
		return Object{Name: path.Base(key), Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: sum}, nil
	}
	return a.put(ctx, key, data, nil)
}

// GetAsset returns assets/<name>, checked against the SHA-256 in its name.
func (a *Archive) GetAsset(ctx context.Context, name string) ([]byte, error) {
	if err := checkAssetName(name); err != nil {
		return nil, a.fail(ErrInvalid, "get asset", prefixAssets+name, "%v", err)
	}
	data, _, err := a.readAll(ctx, prefixAssets+name, "", maxAssetSize)
	if err != nil {
		return nil, err
	}
	if sum, _, _ := strings.Cut(name, "."); sha256Hex(data) != sum {
		return nil, a.fail(ErrCorrupt, "get asset", prefixAssets+name, "content does not match the SHA-256 in its name")
	}
	return data, nil
}
