package render

import (
	"github.com/countyreport/countyreport/internal/dataset"
)

// This file is the chart API the county portal's dashboard draws with, so
// its charts are the report's charts (same code, same look), inlined as SVG.

// Series is one line of a TrendChart; NaN marks a period without a value.
type Series struct {
	Name   string
	Values []float64
}

// TrendChart draws one line per series over the periods, as the report's
// growth-trend chart does.
func TrendChart(f *Font, title string, periods []string, series []Series, width float64) *Chart {
	ts := make([]trendSeries, len(series))
	for i, s := range series {
		ts[i] = trendSeries{name: s.Name, vals: s.Values}
	}
	return trendChart(f, "trend", title, periods, ts, width)
}

// ReportCharts are the charts the report of ds shows, in lang.
func ReportCharts(f *Font, ds *dataset.Dataset, lang string, width float64) ([]*Chart, error) {
	l, err := labelsFor(lang)
	if err != nil {
		return nil, err
	}
	return buildCharts(f, ds, l, width), nil
}

// MaxSeries is how many lines a TrendChart tells apart by colour.
func MaxSeries() int { return len(palette) }
