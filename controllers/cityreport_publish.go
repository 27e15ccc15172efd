package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/render/layout"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/submission"
	"github.com/countyreport/countyreport/internal/tenant"
)

// The fonts of the city's report, loaded once per manager.
var (
	cityFontsOnce sync.Once
	cityFonts     *layout.Fonts
	cityFontsErr  error
)

func loadCityFonts() (*layout.Fonts, error) {
	cityFontsOnce.Do(func() { cityFonts, cityFontsErr = render.LoadFonts(render.FontPaths{}) })
	return cityFonts, cityFontsErr
}

// errCityNotReady: the city's archive is not provisioned yet, or is not the
// city's own; a run waits for it.
var errCityNotReady = errors.New("the city's archive is not ready")

// RenderCity renders city's report of period (YYYY-MM) and publishes it into
// the city's own archive: reports/<period>/report.pdf, the ranking it shows
// (ranking.json), manifest last. Its inputs are read as the city's
// reconcile reads them (the same steps: its members on both sides, their
// submission states and datasets for period, the ranking), so the same
// inputs give the same bytes, and publishing them again changes nothing.
// It writes nothing but the city's archive: the ReportRun reconciler calls
// it for a city's run.
func (r *CityReportReconciler) RenderCity(ctx context.Context, c *v1alpha1.CityReport, per string) (*storage.Report, error) {
	p, err := period.Parse(per)
	if err != nil {
		return nil, err
	}
	if r.Storage == nil {
		return nil, fmt.Errorf("%w: the manager has no storage", errCityNotReady)
	}
	st := newCityState(c.DeepCopy(), "")
	for _, step := range []func(context.Context, *cityState) error{
		r.validateCity, r.checkDuplicateCity, r.checkNamespace, r.resolveMembers,
	} {
		if err := step(ctx, st); err != nil {
			return nil, err
		}
		if st.done {
			cond := meta.FindStatusCondition(st.city.Status.Conditions, v1alpha1.ConditionReady)
			return nil, fmt.Errorf("%w: %s", errCityNotReady, cond.Message)
		}
	}
	bucket := c.Status.Bucket
	if bucket == "" || bucket != tenant.CityBucket(c) || !meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionStorageReady) {
		return nil, fmt.Errorf("%w: bucket %q is not provisioned for CityReport %s", errCityNotReady, tenant.CityBucket(c), c.Name)
	}
	octx, cancel := r.storageDeadline(ctx, 1)
	owner, err := r.Storage.BucketOwner(octx, bucket)
	cancel()
	if err != nil {
		return nil, err
	}
	if owner.UID != string(c.UID) {
		return nil, fmt.Errorf("%w: bucket %s belongs to %s, not to CityReport %s", errCityNotReady, bucket, owner, c.Name)
	}
	r.readBoard(ctx, st, p)
	if st.softErr != nil {
		return nil, st.softErr // a member's state unread: the board would be wrong
	}
	res, rankingJSON, datasets, err := r.computeRanking(ctx, st)
	if err != nil {
		return nil, err
	}
	return r.publishCityReport(ctx, st, bucket, res, rankingJSON, datasets)
}

// publishCityReport renders the city's report of st's board period from the
// ranking and the board, and publishes it into bucket (the city's archive)
// as a county's report is published, manifest last.
func (r *CityReportReconciler) publishCityReport(ctx context.Context, st *cityState, bucket string, res *ranking.Result, rankingJSON []byte,
	datasets map[string]*dataset.Dataset) (*storage.Report, error) {
	c := st.city
	fonts, err := loadCityFonts()
	if err != nil {
		return nil, fmt.Errorf("fonts for the city's report: %w", err)
	}
	language := c.Spec.Report.Language
	if language == "" {
		language = "zh-CN"
	}
	words := messages.Zh // the catalogues' language of the report
	if language == "en" {
		words = messages.En
	}
	in := &citytpl.Input{Lang: language, CityName: c.Spec.City.Name, CityNameEn: c.Spec.City.EnglishName, Period: st.boardPeriod,
		Ranking: res, Deadline: review.DueWords(st.deadline, words), NamesEn: map[string]string{}}
	for _, m := range st.members {
		code := m.county.Spec.County.Code
		if e := m.county.Spec.County.EnglishName; e != "" {
			in.NamesEn[code] = e
		}
		s := st.statuses[code]
		rec, err := submission.Current(ctx, r.Storage.Archive(m.bucket), st.boardPeriod)
		switch {
		case err != nil && memberFault(err):
			r.memberUnreadable(st, code, st.boardPeriod, err)
			rec = nil
		case err != nil:
			return nil, fmt.Errorf("county %s: the submission record of %s: %w", code, st.boardPeriod, err)
		}
		// figures its staff submitted through the portal or the city
		// reviewed, or else (no submission record, no verdict: stored by
		// other means) compiled from the sources its dataset names
		row, src := citytpl.Provenance(code, m.county.Spec.County.Name, datasets[code], rec != nil || s.Last != nil)
		row.State, row.SubmittedAt, row.By, row.Verdict = review.ReportStateWords(words, s.State), "—", "—", "—"
		if !s.SubmittedAt.IsZero() {
			row.SubmittedAt = s.SubmittedAt.In(st.reviewLoc).Format("2006-01-02 15:04")
			if s.Late {
				row.SubmittedAt += review.ReportLateWords(words)
			}
			if rec != nil {
				row.By = rec.By
			}
		}
		// A verdict is shown only on the dataset it binds (review.Binds,
		// checked again on the bytes read for the ranking): figures stored
		// since are resubmitted, never "accepted".
		if s.Last != nil && (s.State == review.Accepted || s.State == review.Returned) {
			row.Verdict = verdictCell(words, s.Last)
		}
		if st.unreadable[code] != "" {
			row.State = review.ReportUnreadableWords(words)
			in.Unreadable = append(in.Unreadable, code)
		}
		in.Board = append(in.Board, row)
		if src != nil {
			in.Sources = append(in.Sources, *src)
		}
	}
	out, err := citytpl.Render(in, fonts)
	if err != nil {
		return nil, err
	}
	pdf := manifest.FileOf(report.PDFName, out.PDF)
	rk := manifest.FileOf(cityRankingName, rankingJSON)
	name := messages.Words{Zh: c.Spec.City.Name, En: lang.Pick(c.Spec.City.Name, c.Spec.City.EnglishName)}
	title := messages.T(words, "controllers.cityReportTitle", name, st.boardPeriod)
	m := manifest.Manifest{
		Schema: manifest.Schema, Generator: "countyreport city", CountyCode: c.Spec.City.Code, CountyName: c.Spec.City.Name,
		Period: st.boardPeriod, Title: title, DatasetSHA256: rk.SHA256,
		Options: manifest.Options{Language: language, Paper: "A4", Template: "city"}, Pages: out.Pages, Files: []manifest.File{pdf, rk},
		Artifacts: []manifest.File{pdf, rk},
	}
	raw, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	ctx, cancel := r.storageDeadline(ctx, 5)
	defer cancel()
	pdfData, raw, err := r.signCityReport(ctx, c, bucket, st.boardPeriod, out.PDF, raw)
	if err != nil {
		return nil, err
	}
	return r.Storage.Archive(bucket).Publish(ctx, st.boardPeriod, []storage.Artifact{
		{Name: report.PDFName, Data: pdfData}, {Name: cityRankingName, Data: rankingJSON}}, raw)
}

// verdictCell is a verdict as the city's report shows it: 已通过（shenhe）
// and the comment, or Accepted (shenhe) and the comment marked as
// original Chinese.
func verdictCell(words string, v *review.Entry) string {
	cell := messages.T(words, "controllers.cityReportVerdict", review.VerdictWords(words, v.Verdict), v.By)
	if words == messages.En {
		if v.Comment != "" {
			cell += " " + lang.Original(v.Comment)
		}
		return cell
	}
	return cell + v.Comment
}

// cityRankingName is the ranking a city's report shows, published beside it.
const cityRankingName = "ranking.json"
