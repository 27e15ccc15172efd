package submission

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// State is where a period stands on the Data page.
type State string

const (
	StateNotSubmitted State = "not-submitted" // no dataset stored
	StateSubmitted    State = "submitted"     // a dataset, no report yet
	StateGenerated    State = "generated"     // a complete report in the archive
)

// Label names the state in lang (messages.Zh or messages.En). Nothing
// stored is 未报送 / Not submitted in the review's words: the periods
// list and the review say it alike.
func (s State) Label(lang string) string {
	switch s {
	case StateSubmitted:
		return messages.T(lang, "submission.state.submitted")
	case StateGenerated:
		return messages.T(lang, "submission.state.generated")
	}
	return review.StateWords(lang, review.NotSubmitted)
}

// PeriodState is one row of the Data page's list.
type PeriodState struct {
	Period string
	State  State
	// Current is the stored dataset's version: who submitted it and when
	// (Current.Record; nil when it was written outside the portal). Nil
	// when nothing is stored.
	Current *Entry
	Report  *ReportState // nil until a report is generated
}

// ReportState is the period's archived report.
type ReportState struct {
	Time  time.Time // when it was published
	Pages int
	Size  int64
	// UpToDate: rendered from the dataset stored now (false: the data
	// changed since; generate again).
	UpToDate bool
}

// Overview gives the state of every period on file (with a dataset or a
// report) and of each period in expected (those the portal wants listed
// even when nothing is there yet, e.g. the month now due), newest first.
func (s *Service) Overview(ctx context.Context, expected []string) ([]PeriodState, error) {
	periods, err := s.a.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	reports, err := s.a.List(ctx)
	if err != nil {
		return nil, err
	}
	byPeriod := map[string]*storage.Report{}
	for _, r := range reports {
		byPeriod[r.Period] = r
		periods = append(periods, r.Period)
	}
	for _, p := range expected {
		if checkPeriod(p) == nil {
			periods = append(periods, p)
		}
	}
	slices.Sort(periods)
	periods = slices.Compact(periods)
	slices.Reverse(periods)
	out := make([]PeriodState, 0, len(periods))
	for _, p := range periods {
		st := PeriodState{Period: p, State: StateNotSubmitted}
		v, err := s.a.DatasetCurrent(ctx, p)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			e, err := s.entry(ctx, p, v)
			if err != nil {
				return nil, err
			}
			st.Current, st.State = &e, StateSubmitted
		}
		if r := byPeriod[p]; r != nil {
			st.State = StateGenerated
			st.Report = &ReportState{Time: r.Time, Pages: r.Pages, Size: r.Size,
				UpToDate: st.Current != nil && r.Manifest != nil && r.Manifest.DatasetSHA256 == st.Current.SHA256}
		}
		out = append(out, st)
	}
	return out, nil
}
