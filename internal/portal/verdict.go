package portal

import (
	"context"
	"errors"
	"time"

	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// The city's verdict on the county's submission, as the county sees it.
// The city writes review/<period>/review.json into the county's bucket (the
// county's credentials can read it, not write it); internal/review derives
// the state from it and the stored dataset.

// reviewView is one period's review state in one language, ready for a
// template. Every field is plain text: html/template escapes it, the
// city's comment included.
type reviewView struct {
	Period string
	Href   string // the period page
	State  string // a review.* state
	Class  string // ok, warning, or pending: how the page colours it
	Label  string // 已通过, 已退回, ...
	// Detail says who did what when; Comment is the city's comment on a
	// return (shown as written, escaped).
	Detail  string
	Comment string
	// Previous is the last verdict when a newer dataset is waiting for one.
	Previous string
	// Action is what the county should do now (empty: nothing).
	Action string
	// Short is the one-line form for the dashboard: label and action.
	Short    string
	Deadline string
	Late     bool // submitted after the deadline, or overdue
	Resubmit bool // the call to correct and submit again applies
	Problem  string
}

// cityName is the reviewing city's name in lang.
func (s *server) cityName(lang string) string {
	if lang == "en" && s.cfg.CityEnglishName != "" {
		return s.cfg.CityEnglishName
	}
	return s.cfg.City
}

// reviewEnabled: a county without a city has nobody reviewing it.
func (s *server) reviewEnabled() bool { return s.cfg.City != "" }

// reviewStatus reads period's dataset and review log and derives its state
// at now; nil when the county has no city.
func (s *server) reviewStatus(ctx context.Context, p string) (*review.Status, error) {
	if !s.reviewEnabled() {
		return nil, nil
	}
	pp, err := period.Parse(p)
	if err != nil {
		return nil, err
	}
	var ds *storage.DatasetInfo
	info, err := s.archive.DescribeDataset(ctx, p)
	switch {
	case err == nil:
		ds = &info
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	log, err := review.Read(ctx, s.archive, p)
	if err != nil {
		return nil, err
	}
	st := review.Derive(ds, log, s.deadline(pp), s.now())
	return &st, nil
}

// deadline is when period is due: the city's terms (Config.Review, which
// the operator copies from the CityReport: the portal's Role reads only
// its own county's objects).
func (s *server) deadline(p period.Period) time.Time {
	loc, err := reviewZone(s.cfg.review())
	if err != nil {
		loc = s.zone // validated with the configuration
	}
	return review.Deadline(p, reviewDay(s.cfg.review()), loc)
}

// periodReview is the review part of a period page: nil when the county
// has no city; a view that says it could not be read when storage failed.
func (s *server) periodReview(ctx context.Context, p, lang string) *reviewView {
	st, err := s.reviewStatus(ctx, p)
	if err != nil {
		s.log.Warn("review state not read", "period", p, "err", err)
		return &reviewView{Period: p, Href: periodHref(p), Problem: tr(lang, "review.unreadable")}
	}
	if st == nil {
		return nil
	}
	v := reviewText(p, *st, lang, s.cityName(lang), s.reviewTime(lang))
	return &v
}

// reviewTime formats times of the review in the county's zone.
func (s *server) reviewTime(lang string) func(time.Time) string {
	return func(t time.Time) string { return s.fmtTime(t, lang) }
}

func periodHref(p string) string { return "/data/periods/" + p }

// reviewText is the pure mapping from a derived state to the words a page
// shows; when formats a time in the county's zone.
func reviewText(p string, st review.Status, lang, city string, when func(time.Time) string) reviewView {
	v := reviewView{Period: p, Href: periodHref(p), State: st.State, Class: "pending", Late: st.Late || st.State == review.Overdue}
	v.Label = review.StateWords(lang, st.State) // a state this build does not know: said plainly
	if !st.Deadline.IsZero() {
		v.Deadline = review.DueWords(st.Deadline, lang)
	}
	last := st.Last
	// The verdict's account is the city's (often "admin"), meaningless to
	// county staff: they see the city's reviewer by role (衡阳市审核员).
	reviewer := tr(lang, "review.reviewer", city)
	switch st.State {
	case review.Overdue:
		v.Class, v.Action = "warning", tr(lang, "review.action.overdue")
	case review.Submitted:
		v.Detail = tr(lang, "review.detail.submitted", when(st.SubmittedAt), city)
	case review.Resubmitted:
		v.Detail = tr(lang, "review.detail.resubmitted", when(st.SubmittedAt), city)
		if last != nil {
			v.Previous = tr(lang, "review.previous", review.VerdictWords(lang, last.Verdict), reviewer, when(last.At))
		}
	case review.Accepted:
		v.Class = "ok"
		if last != nil {
			v.Detail = tr(lang, "review.detail.accepted", reviewer, when(last.At))
		}
	case review.Returned:
		v.Class, v.Resubmit = "warning", true
		v.Action = tr(lang, "review.action.resubmit")
		if last != nil {
			v.Detail, v.Comment = tr(lang, "review.detail.returned", reviewer, when(last.At)), last.Comment
		}
	}
	v.Short = v.Label
	switch st.State {
	case review.Returned:
		v.Short += " — " + tr(lang, "review.short.resubmit")
	case review.Overdue:
		v.Short += " — " + v.Action
	case review.NotSubmitted:
		v.Short += " — " + tr(lang, "review.action.submit", v.Deadline)
	}
	return v
}

// periodStatus is one period's review state in a snapshot.
type periodStatus struct {
	Period string
	Status review.Status
}

// sortReviews puts the month under review first.
func sortReviews(rs []periodStatus, due string) {
	if len(rs) == 2 && rs[1].Period == due {
		rs[0], rs[1] = rs[1], rs[0]
	}
}

// dashboardReviews is what the dashboard says about the city's review: the
// month under review always, and the latest period on file too when the
// city returned it (it needs the county's attention whatever the month).
func (s *server) dashboardReviews(snap *snapshot, lang string) []reviewView {
	var out []reviewView
	for _, r := range snap.reviews {
		if r.Period != snap.reviewDue && r.Status.State != review.Returned {
			continue
		}
		out = append(out, reviewText(r.Period, r.Status, lang, s.cityName(lang), s.reviewTime(lang)))
	}
	return out
}
