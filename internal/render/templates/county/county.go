// Package county is the county report template: one county's month, in
// Chinese or English, composed from the layout primitives. Render is the
// whole document in reading order; each part is a short function in the
// file of its concern: front.go (cover, chapters, page furniture,
// overview), figures.go (cards, the indicator and target tables, the charts
// chapter), charts.go (which charts and their specs), narrative.go
// (sections, projects, photos), labels.go and styles.go (words and styles
// per language). The bundle's HTML rendition of the same edition
// (edition.go) is html.tmpl with its stylesheet html.css, executed over the
// view html_view.go builds (html.go).
package county

import (
	"fmt"
	"io/fs"
	"sync"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// Options choose the edition and where photo files come from.
type Options struct {
	Lang   string // "zh-CN" (default) or "en"
	Assets fs.FS  // photo files named by Photo.Asset; nil = none available
}

// Output is everything rendered from one dataset.
type Output struct {
	PDF           []byte
	Pages         int
	IndicatorPage int           // 1-based page with the indicator cards and table
	Charts        []layout.File // chart-N-x.svg and chart-N-x.png
	HTML          []byte
}

// report is one rendering in progress.
type report struct {
	f       *layout.Flow
	l       *labels
	ds      *dataset.Dataset // in the edition's language
	orig    *dataset.Dataset
	opts    Options
	chap    int
	photos  []photo
	tables  int
	figures int
}

// Render lays out the report.
func Render(ds *dataset.Dataset, fonts *layout.Fonts, opts Options) (*Output, error) {
	l, err := labelsFor(opts.Lang)
	if err != nil {
		return nil, err
	}
	r := &report{f: layout.New(fonts), l: l, ds: edition(ds, l.en()), orig: ds, opts: opts}
	r.f.Furniture = r.furniture
	charts := r.charts()
	pics := rasterise(charts)
	r.photos = r.loadPhotos()

	r.cover()
	r.f.NewPage(false) // the contents, filled in at the end
	r.f.NewPage(false)
	r.overview()
	indicatorPage := r.indicators()
	r.chartsChapter(charts)
	r.narrative(dataset.KindReview, l.Review)
	r.projects()
	r.narrative(dataset.KindPlan, l.Plan)
	r.photoList()
	r.f.Contents(2, l.Contents, stTOCTitle, stTOCChapter, stTOCSection, func(n int) string { return fmt.Sprint(n) })

	out := &Output{PDF: r.f.Finish(r.meta()), Pages: r.f.Pages(), IndicatorPage: indicatorPage}
	out.HTML = renderHTML(r.ds, l, charts, r.photos)
	files, err := pics()
	if err != nil {
		return nil, err
	}
	out.Charts = files
	return out, nil
}

// rasterise makes the charts' SVGs and PNGs on their own goroutines while
// the PDF is laid out; the function returned waits for them.
func rasterise(charts []*layout.Chart) func() ([]layout.File, error) {
	pngs := make([][]byte, len(charts))
	errs := make([]error, len(charts))
	svgs := make([][]byte, len(charts))
	var wg sync.WaitGroup
	for i, c := range charts {
		wg.Go(func() {
			pngs[i], errs[i] = c.PNG(2)
			svgs[i] = c.SVG()
		})
	}
	return func() ([]layout.File, error) {
		wg.Wait()
		var files []layout.File
		for i, c := range charts {
			if errs[i] != nil {
				return nil, fmt.Errorf("chart %s: %w", c.Name, errs[i])
			}
			files = append(files, layout.File{Name: c.Name + ".svg", Data: svgs[i]}, layout.File{Name: c.Name + ".png", Data: pngs[i]})
		}
		return files, nil
	}
}

// meta is the PDF's document information, in the edition's language.
func (r *report) meta() layout.Meta {
	m, l := &r.ds.Meta, r.l
	author := m.Issuer
	if author == "" {
		author = r.compiled()
	}
	sep := "："
	if l.en() {
		sep = ": "
	}
	return layout.Meta{
		Title:    m.CountyName + " " + l.ReportKind + r.comma() + l.period(m.Period) + sep + m.Title,
		Author:   author,
		Subject:  l.ReportPeriod + " " + l.period(m.Period) + r.sep() + l.FiguresPeriod + " " + l.figures(m.Figures()),
		Keywords: m.CountyName + ", " + l.ReportKind,
		Lang:     l.Lang,
	}
}

func (r *report) comma() string {
	if r.l.en() {
		return ", "
	}
	return " "
}
