package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/render/lang"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
	"github.com/countyreport/countyreport/internal/review"
)

// offlineWords are the two states the offline board knows, by edition:
// no dataset, a dataset.
var offlineWords = map[string][2]string{"zh-CN": {"未上报", "已报送"}, "en": {"Not reported", "Submitted"}}

// cityReport renders the city's report offline from dataset files: the
// board shows which counties have a dataset (已报送) and which do not
// (未上报); verdicts live in storage and are not read offline.
func cityReport(f *cityFlags, stdout io.Writer) error {
	c, err := readCity(f.city)
	if err != nil {
		return err
	}
	names := memberNames(f.city, c, nil)
	datasets, err := offlineDatasets(f.datasets, f.period, names)
	if err != nil {
		return err
	}
	res, err := ranking.Compute(city.RankingInput(c.Spec, f.period, datasets, names))
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(c.Spec.Review.TimeZone)
	if err != nil || c.Spec.Review.TimeZone == "" {
		loc, _ = time.LoadLocation("Asia/Shanghai")
	}
	day := int(c.Spec.Review.DeadlineDay)
	if day == 0 {
		day = 5
	}
	p, _ := period.Parse(f.period)
	due := review.Deadline(p, day, loc).Add(-time.Second)
	edition := cmp.Or(f.lang, c.Spec.Report.Language, "zh-CN")
	words := offlineWords[edition]
	in := &citytpl.Input{Lang: edition, CityName: c.Spec.City.Name, CityNameEn: c.Spec.City.EnglishName, Period: f.period, Ranking: res,
		Deadline: due.Format("2006年1月2日") + "24时", NamesEn: map[string]string{}}
	if edition == "en" {
		in.Deadline = lang.Date(due.Format("2006-01-02")) + ", 24:00"
	}
	for code, id := range countyNames(filepath.Dir(f.city)) {
		if id.EnglishName != "" {
			in.NamesEn[code] = id.EnglishName
		}
	}
	for _, m := range res.Input.Members {
		row := citytpl.BoardRow{Code: m.Code, Name: m.Name, State: words[0], SubmittedAt: "—", Verdict: "—"}
		if d := datasets[m.Code]; d != nil {
			row.State = words[1]
			if s := d.Meta.Source; s != nil {
				in.Sources = append(in.Sources, citytpl.Source{Code: m.Code, County: m.Name, Publication: s.Publication,
					PublicationEn: s.PublicationEn, Date: s.Date, URL: s.URL})
			}
		}
		in.Board = append(in.Board, row)
	}
	fonts, err := render.LoadFonts(render.FontPaths{})
	if err != nil {
		return err
	}
	out, err := citytpl.Render(in, fonts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(f.out, "report.pdf"), out.PDF); err != nil {
		return err
	}
	for _, ch := range out.Charts {
		if err := writeFileAtomic(filepath.Join(f.out, ch.Name), ch.Data); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d pages, %d charts\n", filepath.Join(f.out, "report.pdf"), out.Pages, len(out.Charts))
	return nil
}
