package storage

import (
	"context"
)

// ContentID is an identity of a stored dataset that its county cannot
// forge: the server's version id when the server keeps versions, else
// "sha256:" and the SHA-256 the reader computed from the bytes ("" when
// neither is known).
func (d DatasetInfo) ContentID() string {
	if RealVersion(d.VersionID) {
		return d.VersionID
	}
	if d.ContentSHA256 != "" {
		return "sha256:" + d.ContentSHA256
	}
	return ""
}

// RealVersion reports whether id names one version of an object: a server
// without versioning answers "" or "null" for every write.
func RealVersion(id string) bool { return id != "" && id != "null" }

// ReadDataset reads one version of period's dataset (the current one when
// versionID is empty) as a reviewer must: the bytes, the version id the
// server gave, and a SHA-256 computed here from the bytes. The county's own
// SHA-256 metadata is neither trusted nor needed.
func (a *Archive) ReadDataset(ctx context.Context, period, versionID string) ([]byte, DatasetInfo, error) {
	if err := checkPeriod(period); err != nil {
		return nil, DatasetInfo{}, a.fail(ErrInvalid, "read dataset", datasetKey(period), "%v", err)
	}
	key := datasetKey(period)
	data, info, err := a.readAll(ctx, key, versionID, maxDatasetSize)
	if err != nil {
		return nil, DatasetInfo{}, err
	}
	if versionID != "" && RealVersion(versionID) && info.VersionID != versionID {
		return nil, DatasetInfo{}, a.fail(ErrCorrupt, "read dataset", key, "asked for version %s, the server sent %s", versionID, info.VersionID)
	}
	return data, DatasetInfo{
		Object:        Object{Name: DatasetName, Key: key, VersionID: info.VersionID, Size: int64(len(data)), SHA256: metaGet(info.UserMetadata, metaSHA256)},
		Modified:      info.LastModified.UTC(),
		ContentSHA256: sha256Hex(data),
	}, nil
}
