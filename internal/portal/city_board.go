package portal

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// boardRow is one county on the board.
type boardRow struct {
	Code, Name string
	State      string // review.* state
	StateLabel string
	// SubmittedAt and By say when the current dataset was stored and which
	// county account confirmed it ("" when unknown).
	SubmittedAt, By string
	Late            bool
	// Verdict is the newest verdict, on whichever dataset it was given.
	Verdict *verdictView
	// Dataset names the dataset the reviewer sees (its ContentID: the
	// server's version id), so a verdict is given on it only.
	Dataset string
	// Reviewable: there is a dataset to accept or return; Accepted: the
	// city has accepted it already (only returning is offered).
	Reviewable, Accepted bool
	Problem              string
}

type verdictView struct {
	Label, By, At, Comment string
	Current                bool // given on the dataset stored now
}

// maxDatasetID bounds the form's dataset identity: a version id (S3 allows
// 1024 characters) or "sha256:" and 64 hex digits.
const maxDatasetID = 1024

// underReview is the month the board shows by default: the one before now.
func (s *cityServer) underReview() period.Period {
	return period.Of(s.now(), s.zone).AddMonths(-1)
}

// boardPeriod reads ?period=, or the month under review.
func (s *cityServer) boardPeriod(c *gin.Context) (period.Period, bool) {
	q := c.Query("period")
	if q == "" {
		return s.underReview(), true
	}
	p, err := period.Parse(q)
	return p, err == nil
}

func (s *cityServer) board(c *gin.Context) {
	p, ok := s.boardPeriod(c)
	if !ok {
		s.fail(c, http.StatusBadRequest, "period")
		return
	}
	s.renderBoard(c, http.StatusOK, p, "", "")
}

// renderBoard writes the board of p; problem (with the county it concerns)
// is a refused verdict, shown above the table.
func (s *cityServer) renderBoard(c *gin.Context, code int, p period.Period, problem, problemCode string) {
	lang := requestLang(c.Request)
	ctx := c.Request.Context()
	members, err := s.members.get()
	if err != nil {
		s.log.Error("member credentials", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	deadline := review.Deadline(p, s.cfg.deadlineDay(), s.zone)
	rows := s.boardRows(ctx, members, p.String(), deadline, lang)
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.State]++
	}
	var tally []gin.H
	for _, st := range review.States {
		if n := counts[st]; n > 0 {
			tally = append(tally, gin.H{"State": st, "Label": review.StateWords(lang, st), "N": n})
		}
	}
	periods := s.periodChoices(ctx, members, p)
	latest := ""
	if counts[review.NotSubmitted]+counts[review.Overdue] == len(rows) {
		for _, q := range periods {
			if q != p.String() {
				latest = q // nothing submitted for p: point at the newest month with submissions
				break
			}
		}
	}
	s.render(c, code, "city_board", s.newPage(c, "board", tr(lang, "board.title"), gin.H{
		"Period": p.String(), "Periods": periods, "Deadline": s.fmtTime(deadline.Add(-time.Minute), lang),
		"Rows": rows, "Tally": tally, "Latest": latest, "Problem": problem, "ProblemCode": problemCode,
	}))
}

// boardRows reads every member's state for period, in parallel; a member
// whose bucket cannot be read shows the problem, the others are unaffected.
func (s *cityServer) boardRows(ctx context.Context, members *city.Members, p string, deadline time.Time, lang string) []boardRow {
	rows := make([]boardRow, len(s.cfg.Members))
	var wg sync.WaitGroup
	for i, m := range s.cfg.Members {
		rows[i] = boardRow{Code: m.Code, Name: s.memberName(m, lang)}
		wg.Add(1)
		go func(r *boardRow) {
			defer wg.Done()
			s.fillRow(ctx, members, r, p, deadline, lang)
		}(&rows[i])
	}
	wg.Wait()
	return rows
}

func (s *cityServer) fillRow(ctx context.Context, members *city.Members, r *boardRow, p string, deadline time.Time, lang string) {
	st, err := members.Status(ctx, r.Code, p, deadline, s.now())
	if err != nil {
		s.log.Warn("read a member's submission", "county", r.Code, "period", p, "err", err)
		r.State, r.StateLabel, r.Problem = "unknown", review.UnreadableWords(lang), tr(lang, "board.unreadable")
		return
	}
	r.State, r.StateLabel, r.Late = st.State, review.StateWords(lang, st.State), st.Late
	// An accepted dataset is not offered 通过 again (the server refuses a
	// second one too); returning it stays possible.
	r.SubmittedAt, r.Dataset, r.Reviewable = tr(lang, "none"), st.DatasetID, st.DatasetID != ""
	r.Accepted = st.State == review.Accepted
	if !st.SubmittedAt.IsZero() {
		r.SubmittedAt = s.fmtTime(st.SubmittedAt, lang)
		if r.By, err = members.Submitter(ctx, r.Code, p); err != nil {
			s.log.Warn("read a member's submission record", "county", r.Code, "period", p, "err", err)
		}
	}
	if l := st.Last; l != nil {
		r.Verdict = &verdictView{
			// Only reviewers give verdicts: the account with its role.
			Label: review.VerdictWords(lang, l.Verdict), By: tr(lang, "review.by", l.By, tr(lang, "city.role.editor")), At: s.fmtTime(l.At, lang), Comment: l.Comment,
			Current: st.State == review.Accepted || st.State == review.Returned,
		}
	}
}

// periodChoices are the months the board can show, newest first: those any
// member has submitted, the month under review and the one shown.
func (s *cityServer) periodChoices(ctx context.Context, members *city.Members, shown period.Period) []string {
	set := map[string]bool{shown.String(): true, s.underReview().String(): true}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, code := range members.Codes() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := members.Periods(ctx, code)
			if err != nil {
				s.log.Warn("list a member's periods", "county", code, "err", err)
				return
			}
			mu.Lock()
			for _, p := range ps {
				set[p] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

func (s *cityServer) memberName(m CityMember, lang string) string {
	if lang == "en" && m.EnglishName != "" {
		return m.EnglishName
	}
	return m.Name
}

func (s *cityServer) fmtTime(t time.Time, lang string) string {
	if t.IsZero() {
		return tr(lang, "none")
	}
	return t.In(s.zone).Format(tr(lang, "time.format"))
}

// requireReviewer lets only reviewers (the editor role) give verdicts; a
// viewer's attempt is refused and recorded.
func requireReviewer(s *site) gin.HandlerFunc {
	return auth.RequireEditor(func(c *gin.Context) {
		s.auth.Record(c, "refused", "forbidden", "method", c.Request.Method, "path", c.Request.URL.Path)
		s.fail(c, http.StatusForbidden, "")
	})
}

// review records a reviewer's verdict on a county's submission: accepted,
// or returned with a comment the county's staff then see. The form names
// the dataset the reviewer saw; if the county resubmitted meanwhile the
// verdict is refused, and nothing is written.
func (s *cityServer) review(c *gin.Context) {
	lang := requestLang(c.Request)
	code, seen := c.PostForm("county"), c.PostForm("dataset")
	verdict, comment := c.PostForm("verdict"), strings.TrimSpace(c.PostForm("comment"))
	p, err := period.Parse(c.PostForm("period"))
	if err != nil {
		s.fail(c, http.StatusBadRequest, "period")
		return
	}
	if _, ok := s.cfg.member(code); !ok {
		s.fail(c, http.StatusBadRequest, "county")
		return
	}
	problem := ""
	switch {
	case verdict != review.VerdictAccepted && verdict != review.VerdictReturned:
		problem = tr(lang, "board.err.verdict")
	case verdict == review.VerdictReturned && comment == "":
		problem = tr(lang, "board.err.comment")
	case len([]rune(comment)) > maxCommentRunes:
		problem = tr(lang, "board.err.long", maxCommentRunes)
	case seen == "" || len(seen) > maxDatasetID:
		problem = tr(lang, "board.err.changed")
	}
	if problem != "" {
		s.renderBoard(c, http.StatusBadRequest, p, problem, code)
		return
	}
	members, err := s.members.get()
	if err != nil {
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	by := auth.CurrentAccount(c).Username
	_, err = members.VerdictOn(c.Request.Context(), code, p.String(), seen, verdict, by, comment, s.now())
	switch {
	case errors.Is(err, city.ErrChanged):
		s.auth.Record(c, "review", "refused", "county", code, "period", p.String(), "reason", "dataset changed")
		s.renderBoard(c, http.StatusConflict, p, tr(lang, "board.err.changed"), code)
		return
	case errors.Is(err, city.ErrAlreadyDecided):
		s.auth.Record(c, "review", "refused", "county", code, "period", p.String(), "reason", "already accepted")
		s.renderBoard(c, http.StatusConflict, p, tr(lang, "board.err.already"), code)
		return
	case errors.Is(err, storage.ErrNotFound):
		s.renderBoard(c, http.StatusConflict, p, tr(lang, "board.err.none"), code)
		return
	case errors.Is(err, storage.ErrInvalid):
		s.renderBoard(c, http.StatusBadRequest, p, tr(lang, "board.err.invalid"), code)
		return
	case err != nil:
		s.log.Error("record a verdict", "county", code, "period", p.String(), "err", err)
		s.renderBoard(c, http.StatusServiceUnavailable, p, tr(lang, "board.err.store"), code)
		return
	}
	s.auth.Record(c, "review", verdict, "county", code, "period", p.String(), "dataset", seen)
	c.Redirect(http.StatusSeeOther, "/?period="+p.String()+"#county-"+code)
}

// maxCommentRunes bounds a return comment (storage refuses longer ones too).
const maxCommentRunes = 2000
