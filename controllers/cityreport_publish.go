package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/render/layout"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
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

var stateWords = map[string]string{
	review.NotSubmitted: "未上报", review.Overdue: "逾期未报", review.Submitted: "已报送",
	review.Resubmitted: "已重报", review.Returned: "已退回", review.Accepted: "已通过",
}

// publishCityReport renders the city's report of the month under review
// from the ranking just computed and the board, and publishes it into the
// city's archive (reports/<period>/report.pdf, manifest last), as a
// county's report is published. It runs when the ranking's inputs changed,
// so the archive always holds the report of the current figures and states.
func (r *CityReportReconciler) publishCityReport(ctx context.Context, st *cityState, res *ranking.Result, rankingSHA string,
	datasets map[string]*dataset.Dataset) (*reportingv1.ReportReference, error) {
	c := st.city
	fonts, err := loadCityFonts()
	if err != nil {
		return nil, fmt.Errorf("fonts for the city's report: %w", err)
	}
	in := &citytpl.Input{CityName: c.Spec.City.Name, Period: st.boardPeriod, Ranking: res,
		Deadline: st.deadline.Add(-time.Second).Format("2006年1月2日") + "24时"}
	for _, m := range st.members {
		code := m.county.Spec.County.Code
		s := st.statuses[code]
		row := citytpl.BoardRow{Name: m.county.Spec.County.Name, State: stateWords[s.State], SubmittedAt: "—", Verdict: "—"}
		if !s.SubmittedAt.IsZero() {
			row.SubmittedAt = s.SubmittedAt.In(st.reviewLoc).Format("2006-01-02 15:04")
		}
		if s.Last != nil && s.Last.DatasetSHA256 == s.DatasetSHA256 {
			row.Verdict = stateWords[s.Last.Verdict] + "（" + s.Last.By + "）" + s.Last.Comment
		}
		in.Board = append(in.Board, row)
		if d := datasets[code]; d != nil && d.Meta.Source != nil {
			in.Sources = append(in.Sources, citytpl.Source{County: row.Name, Publication: d.Meta.Source.Publication, Date: d.Meta.Source.Date, URL: d.Meta.Source.URL})
		}
	}
	out, err := citytpl.Render(in, fonts)
	if err != nil {
		return nil, err
	}
	pdf := manifest.FileOf("report.pdf", out.PDF)
	m := manifest.Manifest{
		Schema: manifest.Schema, Generator: "countyreport city", CountyCode: c.Spec.City.Code, CountyName: c.Spec.City.Name,
		Period: st.boardPeriod, Title: c.Spec.City.Name + " 县(市)主要指标比较 " + st.boardPeriod, DatasetSHA256: rankingSHA,
		Options: manifest.Options{Language: "zh-CN", Paper: "A4", Template: "city"}, Pages: out.Pages, Files: []manifest.File{pdf},
	}
	raw, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	rep, err := r.Storage.Archive(c.Status.Bucket).Publish(ctx, st.boardPeriod, []storage.Artifact{{Name: "report.pdf", Data: out.PDF}}, raw)
	if err != nil {
		return nil, err
	}
	ref := &reportingv1.ReportReference{Period: st.boardPeriod, Time: metav1.Time{Time: rep.Time.UTC().Truncate(time.Second)},
		SHA256: pdf.SHA256, Pages: int32(out.Pages)}
	for _, a := range rep.Artifacts {
		ref.Keys = append(ref.Keys, a.Key)
	}
	ref.Keys = append(ref.Keys, storage.ReportKey(st.boardPeriod, storage.ManifestName))
	return ref, nil
}
