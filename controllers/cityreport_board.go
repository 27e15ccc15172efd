package controllers

import (
	"time"

	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/metrics"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// reconcileBoard reads each member's submission for the month under review
// (the previous month in the review zone) and the city's verdicts on it,
// and publishes the counts in status.board and countyreport_city_submissions.
// Submissions are not events the operator sees, so it looks again every
// boardInterval.
func (r *CityReportReconciler) reconcileBoard(ctx context.Context, st *cityState) error {
	city := st.city
	p := period.Of(r.Clock.Now(), st.reviewLoc).AddMonths(-1)
	statuses, board := r.readBoard(ctx, st, p)
	counts := review.Count(statuses)
	board.States = map[string]int32{}
	for state, n := range counts {
		metrics.CitySubmissions.WithLabelValues(city.Spec.City.Code, state).Set(float64(n))
		if n > 0 {
			board.States[state] = int32(n)
		}
	}
	city.Status.Board = board
	st.requeueIn(boardInterval)
	return nil
}

// readBoard reads each member's submission state for period p into st (the
// board the city's report shows); a member that cannot be read is left out
// and st.softErr says why.
func (r *CityReportReconciler) readBoard(ctx context.Context, st *cityState, p period.Period) ([]review.Status, *v1alpha1.BoardSummary) {
	city := st.city
	deadline := review.Deadline(p, int(city.Spec.Review.DeadlineDay), st.reviewLoc)
	ctx, cancel := r.storageDeadline(ctx, 1+2*len(st.members))
	defer cancel()
	var statuses []review.Status
	board := &v1alpha1.BoardSummary{Period: p.String(), Deadline: metav1.Time{Time: deadline.UTC()}}
	for i, m := range st.members {
		s, err := r.memberSubmission(ctx, m.bucket, p.String(), deadline)
		if err != nil && memberFault(err) {
			r.memberUnreadable(st, m.county.Spec.County.Code, p.String(), err)
			continue
		}
		if err != nil {
			st.softErr = err // the rest of the board is still shown
			continue
		}
		statuses = append(statuses, s)
		st.statuses[m.county.Spec.County.Code] = s
		if s.DatasetID != "" {
			st.datasets[m.county.Spec.County.Code] = s.DatasetID
		}
		city.Status.Members[i].Submission = s.State
		if s.State == review.Overdue {
			board.Overdue = append(board.Overdue, m.county.Spec.County.Code)
		}
	}
	st.boardPeriod, st.deadline = p.String(), deadline
	return statuses, board
}

// memberFault reports whether err is about a member's own objects (too
// large, corrupt, not parsable, refused) rather than the shared storage
// being away: the member is then named and left out, and nobody else's
// board, ranking or report waits for it (one county's hostile object
// failed the city's report for all seven counties and kept the city's
// reconcile failing in a loop).
func memberFault(err error) bool {
	return !errors.Is(err, storage.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, storage.ErrBadCredentials)
}

// memberUnreadable records that a member's data could not be read.
func (r *CityReportReconciler) memberUnreadable(st *cityState, code, period string, err error) {
	if st.unreadable == nil {
		st.unreadable = map[string]string{}
	}
	if _, seen := st.unreadable[code]; !seen {
		recordEvent(r.Recorder, st.city, corev1.EventTypeWarning, "MemberUnreadable", "Read",
			"%s", messages.Both("controllers.memberUnreadable", code, period)+": "+err.Error())
	}
	st.unreadable[code] = err.Error()
}

// memberSubmission is one member's state: its dataset (if any) and the
// city's verdicts, read with the operator's credentials.
func (r *CityReportReconciler) memberSubmission(ctx context.Context, bucket, period string, deadline time.Time) (review.Status, error) {
	if r.Storage == nil {
		return review.Derive(nil, review.Log{}, deadline, r.Clock.Now()), nil
	}
	return city.MemberStatus(ctx, r.Storage.Archive(bucket), period, deadline, r.Clock.Now())
}

// forgetCityMetrics drops a deleted city's gauges.
func forgetCityMetrics(city *v1alpha1.CityReport) {
	for _, state := range review.States {
		metrics.CitySubmissions.DeleteLabelValues(city.Spec.City.Code, state)
	}
}
