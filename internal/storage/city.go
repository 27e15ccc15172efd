package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// A city reads what its member counties published and records its review of
// their submissions. It gets one set of credentials per member county, each
// limited by MemberPolicy to that county's bucket, so that no mistake in the
// city's code can show one county's objects under another's name, and a
// member can be dropped by no longer renewing its credentials.

// MemberPolicy is the session policy of a city's credentials for one member
// county's bucket:
//   - list the bucket only under reports/, data/ and review/ (a prefix condition);
//   - read objects (any version) under reports/ and data/: the published
//     reports and the validated datasets;
//   - read and write review/<period>/review.json, the city's verdicts.
//
// Nothing under uploads/ or assets/, no deletes, no bucket administration.
func MemberPolicy(bucket string) ([]byte, error) {
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return nil, err
	}
	arn := "arn:aws:s3:::" + bucket
	type statement struct {
		Effect    string                         `json:"Effect"`
		Action    []string                       `json:"Action"`
		Resource  []string                       `json:"Resource"`
		Condition map[string]map[string][]string `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{
		Version: "2012-10-17",
		Statement: []statement{
			{
				Effect:   "Allow",
				Action:   []string{"s3:ListBucket"},
				Resource: []string{arn},
				Condition: map[string]map[string][]string{"StringLike": {"s3:prefix": {
					prefixReports + "*", prefixData + "*", prefixReview + "*",
				}}},
			},
			{
				Effect:   "Allow",
				Action:   []string{"s3:GetObject", "s3:GetObjectVersion"},
				Resource: []string{arn + "/" + prefixReports + "*", arn + "/" + prefixData + "*", arn + "/" + prefixReview + "*"},
			},
			{
				Effect:   "Allow",
				Action:   []string{"s3:PutObject"},
				Resource: []string{arn + "/" + prefixReview + "*"},
			},
		},
	}
	return json.Marshal(doc)
}

// IssueMember mints a city's credentials for one member county's bucket
// (MemberPolicy), valid for ttl.
func (s *STSIssuer) IssueMember(ctx context.Context, bucket string, ttl time.Duration) (Credentials, error) {
	policy, err := MemberPolicy(bucket)
	if err != nil {
		return Credentials{}, &Error{Op: "issue member credentials (STS AssumeRole) for", Endpoint: s.cfg.Endpoint, Bucket: bucket, Kind: ErrInvalid, Err: err}
	}
	return s.assumeRole(ctx, bucket, policy, ttl)
}

// prefixRankings holds a city's comparisons in its own bucket:
// rankings/<period>/ranking.json, the result with the input it was
// computed from, so any past ranking can be recomputed and explained.
const prefixRankings = "rankings/"

// RankingName is the file under rankings/<period>/.
const RankingName = "ranking.json"

func rankingKey(period string) string { return prefixRankings + period + "/" + RankingName }

// PutRanking stores a period's ranking (JSON) in the city's own archive.
// Storing the bytes already there writes nothing.
func (a *Archive) PutRanking(ctx context.Context, period string, data []byte) (Object, error) {
	if err := checkPeriod(period); err != nil {
		return Object{}, a.fail(ErrInvalid, "put ranking", rankingKey(period), "%v", err)
	}
	key := rankingKey(period)
	if info, err := a.c.mc.StatObject(ctx, a.bucket, key, minio.StatObjectOptions{}); err == nil &&
		metaGet(info.UserMetadata, metaSHA256) == sha256Hex(data) {
		return Object{Name: RankingName, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: sha256Hex(data)}, nil
	}
	return a.put(ctx, key, data, nil)
}

// GetRanking reads a period's stored ranking, checked against its SHA-256.
func (a *Archive) GetRanking(ctx context.Context, period string) ([]byte, error) {
	if err := checkPeriod(period); err != nil {
		return nil, a.fail(ErrInvalid, "get ranking", rankingKey(period), "%v", err)
	}
	key := rankingKey(period)
	data, info, err := a.readAll(ctx, key, "", maxReviewSize)
	if err != nil {
		return nil, err
	}
	if want := metaGet(info.UserMetadata, metaSHA256); want != "" && want != sha256Hex(data) {
		return nil, a.fail(ErrCorrupt, "get ranking", key, "content does not match its stored SHA-256")
	}
	return data, nil
}
