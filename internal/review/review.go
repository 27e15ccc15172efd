// Package review derives the state of a county's submission for a period
// from the two logs that make it up, each written by one party only:
//
//   - the county's dataset, data/<period>/dataset.json (written by the
//     county; the city can only read it);
//   - the city's verdicts, review/<period>/review.json (written by the city;
//     the county can only read it: its storage policy denies writes there).
//
// So a county cannot mark its own data accepted, and the city cannot change
// a county's data. The state is a pure function of the two:
//
//	no dataset                                  not submitted (overdue after the deadline)
//	a dataset, no verdict                       submitted
//	the last verdict is on the current dataset  accepted or returned
//	the dataset changed since the last verdict  resubmitted
//
// "On the current dataset" is decided by what the county cannot forge (see
// Binds): the server's version id of the dataset and the SHA-256 the city
// computed from the bytes it read, never the SHA-256 the county stores as
// metadata beside its dataset.
//
// The states are also said in words, in one place (words.go): the county's
// pages, the city's board and the city's report take them from here.
package review

import (
	"time"

	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/storage"
)

// States of a submission, as labelled in countyreport_city_submissions.
const (
	NotSubmitted = "not_submitted"
	Overdue      = "overdue" // not submitted and past the deadline
	Submitted    = "submitted"
	Accepted     = "accepted"
	Returned     = "returned"
	Resubmitted  = "resubmitted"
)

// States lists every state, in board order.
var States = []string{Overdue, NotSubmitted, Submitted, Resubmitted, Returned, Accepted}

// Status is one county's submission of one period as the board shows it.
type Status struct {
	State string `json:"state"`
	// SubmittedAt is when the current dataset was written (zero: none).
	SubmittedAt time.Time `json:"submittedAt,omitempty"`
	// DatasetSHA256 is the current dataset's SHA-256 as its county stored
	// it (display only: the county writes it). DatasetID names the current
	// dataset as the county cannot forge (storage.DatasetInfo.ContentID);
	// DatasetVersion is the server's version id of it.
	DatasetSHA256  string `json:"datasetSHA256,omitempty"`
	DatasetID      string `json:"datasetID,omitempty"`
	DatasetVersion string `json:"datasetVersion,omitempty"`
	// Last is the newest verdict, on whichever dataset it was given.
	Last *Entry `json:"last,omitempty"`
	// Deadline is when the submission is due; Late says it came after.
	Deadline time.Time `json:"deadline"`
	Late     bool      `json:"late,omitempty"`
}

// Deadline is when period's submission is due: the end of day `day` of the
// following month in loc (day 5 and January: 6 February 00:00 local).
func Deadline(p period.Period, day int, loc *time.Location) time.Time {
	return time.Date(p.Year, p.Month+1, day+1, 0, 0, 0, 0, loc)
}

// Derive gives the state of a submission from its dataset (nil: none) and
// the city's verdicts, at now.
func Derive(ds *storage.DatasetInfo, log Log, deadline, now time.Time) Status {
	s := Status{Deadline: deadline}
	if n := len(log.Entries); n > 0 {
		last := log.Entries[n-1]
		s.Last = &last
	}
	if ds == nil {
		s.State = NotSubmitted
		if !now.Before(deadline) {
			s.State = Overdue
		}
		return s
	}
	s.SubmittedAt, s.DatasetSHA256 = ds.Modified, ds.SHA256
	s.DatasetID, s.DatasetVersion = ds.ContentID(), ds.VersionID
	s.Late = !ds.Modified.Before(deadline)
	switch {
	case s.Last == nil:
		s.State = Submitted
	case Binds(*s.Last, *ds):
		s.State = s.Last.Verdict
	default:
		s.State = Resubmitted
	}
	return s
}

// Binds reports whether verdict e was given on the dataset ds describes.
// The city must have recorded the dataset from bytes it read itself
// (BindingCityRead; older entries bind nothing), and:
//   - where the server keeps versions, the version id must be the one
//     stored now: any write by the county, metadata copied or not, is a
//     new version; and when the reader also has the bytes (ContentSHA256),
//     their SHA-256 must be the one the city computed;
//   - where it keeps none, the SHA-256 the reader computed from the bytes
//     must be the city's.
func Binds(e Entry, ds storage.DatasetInfo) bool {
	if e.Binding != BindingCityRead {
		return false
	}
	if storage.RealVersion(ds.VersionID) {
		return e.DatasetVersion == ds.VersionID && (ds.ContentSHA256 == "" || ds.ContentSHA256 == e.DatasetSHA256)
	}
	return ds.ContentSHA256 != "" && ds.ContentSHA256 == e.DatasetSHA256
}

// Recheck is s after its dataset's bytes were read (read.ContentSHA256
// set): a verdict that does not bind them no longer counts, and the
// dataset is resubmitted. Every reader of a verdict's figures calls it.
func Recheck(s Status, read storage.DatasetInfo) Status {
	if (s.State == Accepted || s.State == Returned) && (s.Last == nil || !Binds(*s.Last, read)) {
		s.State = Resubmitted
	}
	return s
}

// Count tallies statuses by state, every state present (zeros included) so
// a gauge drops back to 0 when the last county leaves a state.
func Count(statuses []Status) map[string]int {
	out := make(map[string]int, len(States))
	for _, st := range States {
		out[st] = 0
	}
	for _, s := range statuses {
		out[s.State]++
	}
	return out
}
