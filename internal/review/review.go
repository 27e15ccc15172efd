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
	// DatasetSHA256 names the current dataset.
	DatasetSHA256 string `json:"datasetSHA256,omitempty"`
	// Last is the newest verdict, on whichever dataset it was given.
	Last *storage.ReviewEntry `json:"last,omitempty"`
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
func Derive(ds *storage.DatasetInfo, log storage.ReviewLog, deadline, now time.Time) Status {
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
	s.Late = !ds.Modified.Before(deadline)
	switch {
	case s.Last == nil:
		s.State = Submitted
	case s.Last.DatasetSHA256 == ds.SHA256:
		s.State = s.Last.Verdict
	default:
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
