package render

import (
	"errors"
	"fmt"
	"os"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/layout"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
	"github.com/countyreport/countyreport/internal/render/templates/county"
)

// This file is the chart API the county portal's dashboard draws with, so
// its charts are the report's charts (same code, same look), inlined as SVG.

// Font is one face; the charts are set in the sans (黑体).
type Font = layout.Font

// Chart is a vector chart; SVG() writes it alone.
type Chart = layout.Chart

// FindFont returns the sans face's file: explicit if set, else
// $COUNTYREPORT_FONT, else Debian's fonts-wqy-microhei path.
func FindFont(explicit string) (string, error) {
	ff := layout.Faces[layout.Sans]
	for _, p := range []string{explicit, os.Getenv(ff.Env), ff.Default} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if p != ff.Default {
			return "", fmt.Errorf("font %s: %w", p, err)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("font not found at %s: install the Debian package %s (make deps), or set %s", ff.Default, ff.Package, ff.Env)
}

// LoadFont opens the first face of the font file at path (once per process).
func LoadFont(path string) (*Font, error) { return layout.LoadFont(path, 0) }

// Series is one line of a TrendChart; NaN marks a period without a value.
type Series = layout.TrendSeries

// TrendChart draws one line per series over the periods, as the report's
// growth-trend chart does.
func TrendChart(f *Font, title string, periods []string, series []Series, width float64) *Chart {
	return layout.TrendChart(f, layout.TrendSpec{Name: "trend", Title: title, Periods: periods, Series: series, Width: width})
}

// Edition is ds with every text in lang as the report prints it: in
// English the …En forms, a Chinese original marked where none is given,
// English units and 万/亿 amounts counted the English way.
func Edition(ds *dataset.Dataset, lang string) *dataset.Dataset { return county.Edition(ds, lang) }

// ReportCharts are the charts the report of ds shows, in lang, width points wide.
func ReportCharts(f *Font, ds *dataset.Dataset, lang string, width float64) ([]*Chart, error) {
	return county.Charts(ds, f, lang, width)
}

// RankingChart is the chart of one indicator's ranking as the city's
// report draws it in lang (estimates and preliminary figures lighter, with
// a legend), labelled by label, width points wide.
func RankingChart(f *Font, lang string, ind ranking.Ranking, title, source string, label func(ranking.Row) string, width float64) *Chart {
	return citytpl.Chart(f, lang, "ranking-"+ind.ID+"-"+ind.Measure, title, source, citytpl.Bars(ind, label), ind.Measure == ranking.Change, width)
}

// MaxSeries is how many lines a TrendChart tells apart by colour.
func MaxSeries() int { return layout.MaxSeries }
