package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/minio/minio-go/v7"
)

// ReviewSchema names the format of review/<period>/review.json.
const ReviewSchema = "countyreport.review/v1"

// Review verdicts.
const (
	ReviewAccepted = "accepted"
	ReviewReturned = "returned"
)

// Limits of a verdict's text fields.
const (
	maxReviewComment = 2000 // characters
	maxReviewer      = 128  // characters
	maxReviewEntries = 1000 // verdicts per period
	maxReviewSize    = 1 << 20
	maxVersionID     = 1024 // characters of a version id (S3 allows 1024)
)

// ReviewEntry is one verdict of the city on one submitted dataset.
type ReviewEntry struct {
	// Verdict is ReviewAccepted or ReviewReturned.
	Verdict string `json:"verdict"`
	// By is the reviewer's account; At is when (UTC).
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Comment says what is wrong; required when returned.
	Comment string `json:"comment,omitempty"`
	// DatasetSHA256 and DatasetVersion name the submission reviewed: a later
	// dataset is a resubmission that needs a verdict of its own.
	DatasetSHA256  string `json:"datasetSHA256"`
	DatasetVersion string `json:"datasetVersion,omitempty"`
	// Binding says where DatasetSHA256 and DatasetVersion come from:
	// BindingCityRead, the bytes the city read itself (see verdict.go).
	// Empty in entries written before: such a verdict binds no dataset.
	Binding string `json:"binding,omitempty"`
}

// ReviewLog is every verdict on one period of one county, oldest first.
type ReviewLog struct {
	Schema  string        `json:"schema"`
	Period  string        `json:"period"`
	Entries []ReviewEntry `json:"entries"`
}

// Check refuses a verdict that could not be shown or trusted.
func (e ReviewEntry) Check() error {
	switch {
	case e.Verdict != ReviewAccepted && e.Verdict != ReviewReturned:
		return fmt.Errorf("verdict %q: want %s or %s", e.Verdict, ReviewAccepted, ReviewReturned)
	case e.By == "" || utf8.RuneCountInString(e.By) > maxReviewer || !utf8.ValidString(e.By):
		return fmt.Errorf("reviewer: want 1 to %d characters of UTF-8", maxReviewer)
	case e.At.IsZero():
		return errors.New("time of the verdict is missing")
	case len(e.DatasetSHA256) != 64 || !isLowerHex(e.DatasetSHA256):
		return fmt.Errorf("dataset SHA-256 %q: want 64 lower-case hex digits", e.DatasetSHA256)
	case e.Binding != "" && e.Binding != BindingCityRead:
		return fmt.Errorf("binding %q: want %s or none", e.Binding, BindingCityRead)
	case e.Binding == BindingCityRead && len(e.DatasetVersion) > maxVersionID:
		return fmt.Errorf("dataset version: at most %d characters", maxVersionID)
	case e.Verdict == ReviewReturned && e.Comment == "":
		return errors.New("退回须填写意见 (a returned submission needs a comment)")
	case utf8.RuneCountInString(e.Comment) > maxReviewComment || !utf8.ValidString(e.Comment):
		return fmt.Errorf("comment: at most %d characters of UTF-8", maxReviewComment)
	}
	return nil
}

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

// GetReview reads the review log of period; a period never reviewed has an
// empty log.
func (a *Archive) GetReview(ctx context.Context, period string) (ReviewLog, error) {
	empty := ReviewLog{Schema: ReviewSchema, Period: period}
	if err := checkPeriod(period); err != nil {
		return empty, a.fail(ErrInvalid, "get review", reviewKey(period), "%v", err)
	}
	key := reviewKey(period)
	data, info, err := a.readAll(ctx, key, "", maxReviewSize)
	if errors.Is(err, ErrNotFound) {
		return empty, nil
	}
	if err != nil {
		return empty, err
	}
	if want := metaGet(info.UserMetadata, metaSHA256); want != "" && want != sha256Hex(data) {
		return empty, a.fail(ErrCorrupt, "get review", key, "content does not match its stored SHA-256")
	}
	log, err := ParseReviewLog(data, period)
	if err != nil {
		return empty, a.fail(ErrCorrupt, "get review", key, "%v", err)
	}
	return log, nil
}

// ParseReviewLog reads a review log of period strictly: the schema, the
// period, no unknown fields, nothing after the document, and every verdict
// one that AppendReview would have written.
func ParseReviewLog(data []byte, period string) (ReviewLog, error) {
	var log ReviewLog
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		return ReviewLog{}, fmt.Errorf("not a %s log: %v", ReviewSchema, err)
	}
	if dec.More() {
		return ReviewLog{}, fmt.Errorf("not a %s log: data after the document", ReviewSchema)
	}
	if log.Schema != ReviewSchema || log.Period != period {
		return ReviewLog{}, fmt.Errorf("schema %q period %q: want a %s log of %s", log.Schema, log.Period, ReviewSchema, period)
	}
	if len(log.Entries) > maxReviewEntries {
		return ReviewLog{}, fmt.Errorf("%d verdicts: at most %d", len(log.Entries), maxReviewEntries)
	}
	for i, e := range log.Entries {
		if err := e.Check(); err != nil {
			return ReviewLog{}, fmt.Errorf("entries[%d]: %v", i, err)
		}
	}
	return log, nil
}

// AppendReview adds a verdict to period's review log. Earlier verdicts stay
// (and every earlier object version with them: the bucket is versioned).
func (a *Archive) AppendReview(ctx context.Context, period string, e ReviewEntry) (ReviewLog, error) {
	if err := e.Check(); err != nil {
		return ReviewLog{}, a.fail(ErrInvalid, "append review", reviewKey(period), "%v", err)
	}
	log, err := a.GetReview(ctx, period)
	if err != nil {
		return log, err
	}
	if len(log.Entries) >= maxReviewEntries {
		return log, a.fail(ErrInvalid, "append review", reviewKey(period), "already %d verdicts on this period", maxReviewEntries)
	}
	e.At = e.At.UTC().Truncate(time.Second)
	log.Entries = append(log.Entries, e)
	data, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return log, err
	}
	if _, err := a.put(ctx, reviewKey(period), data, nil); err != nil {
		return log, err
	}
	return log, nil
}
