package submission

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// RecordSchema names the record format below; a change that old readers
// would misread gets a new name.
const RecordSchema = "countyreport.io/submission/v1"

// Record is what is kept of one submission, as the JSON object stored at
// data/<period>/submissions/<id>.json (storage.SubmissionRecordKey). It is
// written once, before the dataset, and never changed; the dataset version
// it produced carries the id in its metadata (storage.MetaSubmission),
// which is what makes the record count (see the package documentation).
//
// Review states (issue 13: submitted / accepted / returned) belong in
// objects of their own beside it, keyed by period and submission id; this
// format does not change for them.
type Record struct {
	Schema      string     `json:"schema"` // RecordSchema
	ID          string     `json:"id"`     // "<UTC time>-<random>", sortable
	CountyCode  string     `json:"countyCode"`
	Period      string     `json:"period"`
	By          string     `json:"by"` // the portal account that confirmed it
	At          time.Time  `json:"at"` // when it was confirmed (UTC)
	Format      Format     `json:"format"`
	Upload      UploadRef  `json:"upload"`
	Dataset     DatasetRef `json:"dataset"`
	Explanation string     `json:"explanation,omitempty"` // 填写说明, required when there are warnings
	Warnings    []Warning  `json:"warnings,omitempty"`    // what the preview warned about
	Changes     Counts     `json:"changes"`
}

// UploadRef is the original upload, kept under uploads/<period>/.
type UploadRef struct {
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"`
	Name      string `json:"name"` // the file name as sent, sanitised
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

// DatasetRef is the dataset the submission wrote and the version it replaced.
type DatasetRef struct {
	SHA256        string `json:"sha256"` // of data/<period>/dataset.json as written
	Size          int64  `json:"size"`
	BaseVersionID string `json:"baseVersionId,omitempty"` // the version replaced; "" when none was stored
}

// Counts sums up a Diff.
type Counts struct {
	Changed  int `json:"changed"`
	Added    int `json:"added"`
	Removed  int `json:"removed"`
	Sections int `json:"sections"`
	Meta     int `json:"meta"`
}

func countsOf(d Diff) Counts {
	return Counts{Changed: len(d.Changed), Added: len(d.Added), Removed: len(d.Removed), Sections: len(d.Sections), Meta: len(d.Meta)}
}

func newID(at time.Time) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return at.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b)
}

func parseRecord(data []byte, period, id string) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	if r.Schema != RecordSchema || r.ID != id || r.Period != period {
		return nil, fmt.Errorf("record %s of %s: schema %q, id %q, period %q do not match", id, period, r.Schema, r.ID, r.Period)
	}
	return &r, nil
}

// Current is the record of the submission that wrote period's current
// dataset, for the city's board ("submitted by"). It is nil when there is
// no dataset, or when the dataset was not written by a portal submission
// (e.g. stored by `countyreport dev`) or its record does not match it.
func Current(ctx context.Context, a *storage.Archive, period string) (*Record, error) {
	v, err := a.DatasetCurrent(ctx, period)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id := v.Meta[storage.MetaSubmission]
	if id == "" || storage.CheckSubmissionID(id) != nil {
		return nil, nil
	}
	raw, err := a.GetSubmissionRecord(ctx, period, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, err := parseRecord(raw, period, id)
	if err != nil || rec.Dataset.SHA256 != v.SHA256 {
		return nil, nil
	}
	return rec, nil
}
