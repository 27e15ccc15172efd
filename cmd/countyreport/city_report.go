package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
)

// cityReport renders the city's report offline from dataset files. Nothing
// was submitted through the portal: no deadline and no submission state is
// shown, and each county's figures are said to come from where its dataset
// says (its meta.source: compiled from published sources).
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
	edition := cmp.Or(f.lang, c.Spec.Report.Language, "zh-CN")
	in := &citytpl.Input{Lang: edition, CityName: c.Spec.City.Name, CityNameEn: c.Spec.City.EnglishName, Period: f.period, Ranking: res,
		NamesEn: map[string]string{}}
	for code, id := range countyNames(filepath.Dir(f.city)) {
		if id.EnglishName != "" {
			in.NamesEn[code] = id.EnglishName
		}
	}
	for _, m := range res.Input.Members {
		row, src := citytpl.Provenance(m.Code, m.Name, datasets[m.Code], false)
		in.Board = append(in.Board, row)
		if src != nil {
			in.Sources = append(in.Sources, *src)
		}
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
