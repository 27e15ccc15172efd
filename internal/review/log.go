package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/storage"
)

// The city's verdicts on one county's period: review/<period>/review.json
// in the county's bucket, read and written through storage's conditional
// reads and writes (GetReviewLog, PutReviewLogIf), so that two verdicts
// given at once both stay in the log.

// Schema names the format of review/<period>/review.json.
const Schema = "countyreport.review/v1"

// Verdicts.
const (
	VerdictAccepted = "accepted"
	VerdictReturned = "returned"
)

// Limits of a verdict's text fields and of a log.
const (
	maxComment   = 2000 // characters
	maxReviewer  = 128  // characters
	maxEntries   = 1000 // verdicts per period
	maxVersionID = 1024 // characters of a version id (S3 allows 1024)
	// appendTries bounds the rereads when verdicts are given at once.
	appendTries = 4
)

// What a verdict is bound to. A county writes its own bucket, object
// metadata included: the SHA-256 it stores beside its dataset is its claim,
// and it can copy that claim onto different figures. A verdict therefore
// records what the county cannot forge:
//
//   - the version id the storage server assigned to the dataset the city
//     read (the buckets are versioned: every write, even one that copies an
//     object's metadata, gets a new id, and a version's bytes never change);
//   - the SHA-256 the city computed itself from the bytes of that version.
//
// Entries written before this binding (Binding empty) bind nothing: the
// dataset they judged is shown as resubmitted until the city reviews it
// again.

// BindingCityRead marks a verdict whose DatasetVersion and DatasetSHA256
// the city took from the bytes it read itself (storage.Archive.ReadDataset).
const BindingCityRead = "city-read/v1"

// Entry is one verdict of the city on one submitted dataset.
type Entry struct {
	// Verdict is VerdictAccepted or VerdictReturned.
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
	// BindingCityRead, the bytes the city read itself. Empty in entries
	// written before: such a verdict binds no dataset.
	Binding string `json:"binding,omitempty"`
}

// Log is every verdict on one period of one county, oldest first.
type Log struct {
	Schema  string  `json:"schema"`
	Period  string  `json:"period"`
	Entries []Entry `json:"entries"`
}

// Check refuses a verdict that could not be shown or trusted.
func (e Entry) Check() error {
	switch {
	case e.Verdict != VerdictAccepted && e.Verdict != VerdictReturned:
		return fmt.Errorf("verdict %q: want %s or %s", e.Verdict, VerdictAccepted, VerdictReturned)
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
	case e.Verdict == VerdictReturned && e.Comment == "":
		return errors.New("退回须填写意见 (a returned submission needs a comment)")
	case utf8.RuneCountInString(e.Comment) > maxComment || !utf8.ValidString(e.Comment):
		return fmt.Errorf("comment: at most %d characters of UTF-8", maxComment)
	}
	return nil
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ParseLog reads a review log of period strictly: the schema, the period,
// no unknown fields, nothing after the document, and every verdict one
// that Append would have written.
func ParseLog(data []byte, period string) (Log, error) {
	var log Log
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		return Log{}, fmt.Errorf("not a %s log: %v", Schema, err)
	}
	if dec.More() {
		return Log{}, fmt.Errorf("not a %s log: data after the document", Schema)
	}
	if log.Schema != Schema || log.Period != period {
		return Log{}, fmt.Errorf("schema %q period %q: want a %s log of %s", log.Schema, log.Period, Schema, period)
	}
	if len(log.Entries) > maxEntries {
		return Log{}, fmt.Errorf("%d verdicts: at most %d", len(log.Entries), maxEntries)
	}
	for i, e := range log.Entries {
		if err := e.Check(); err != nil {
			return Log{}, fmt.Errorf("entries[%d]: %v", i, err)
		}
	}
	return log, nil
}

// Read reads the review log of period from a county's archive; a period
// never reviewed has an empty log. A log that does not parse is
// storage.ErrCorrupt.
func Read(ctx context.Context, a *storage.Archive, period string) (Log, error) {
	log, _, err := read(ctx, a, period)
	return log, err
}

// read is Read with the log's ETag ("" when there is none), the condition
// of the write that replaces it.
func read(ctx context.Context, a *storage.Archive, period string) (Log, string, error) {
	empty := Log{Schema: Schema, Period: period}
	var log Log
	_, v, err := a.GetReviewLog(ctx, period, func(data []byte) (err error) {
		log, err = ParseLog(data, period)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return empty, "", nil
	case err != nil:
		return empty, "", err
	}
	return log, v.ETag, nil
}

// Append adds a verdict to period's review log. Earlier verdicts stay (and
// every earlier object version with them: the bucket is versioned). The
// write is conditional on the log read: a verdict given meanwhile is read
// again and kept. An invalid verdict is storage.ErrInvalid.
func Append(ctx context.Context, a *storage.Archive, period string, e Entry) (Log, error) {
	if err := e.Check(); err != nil {
		return Log{}, fmt.Errorf("append review: %w: %v", storage.ErrInvalid, err)
	}
	e.At = e.At.UTC().Truncate(time.Second)
	for try := 1; ; try++ {
		log, etag, err := read(ctx, a, period)
		if err != nil {
			return log, err
		}
		if len(log.Entries) >= maxEntries {
			return log, fmt.Errorf("append review: %w: already %d verdicts on this period", storage.ErrInvalid, maxEntries)
		}
		log.Entries = append(log.Entries, e)
		data, err := json.MarshalIndent(log, "", "  ")
		if err != nil {
			return log, err
		}
		_, err = a.PutReviewLogIf(ctx, period, data, etag)
		if err == nil || !errors.Is(err, storage.ErrConflict) || try == appendTries {
			return log, err
		}
	}
}
