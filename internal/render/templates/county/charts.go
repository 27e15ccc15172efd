package county

import (
	"fmt"
	"math"
	"sort"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// groupTitles name the charts of the indicator groups that are charted:
// one growth chart per group, so that a chart compares like with like
// (petitions, in "society", are not charted beside GDP). Indicators
// without a group (datasets from before groups) share one chart.
var groupTitles = map[string][2]string{
	"":        {"%s主要指标增速（%%）", "Growth of the main indicators, %s (%%)"},
	"economy": {"%s主要经济指标增速（%%）", "Growth of the main economic indicators, %s (%%)"},
	"income":  {"%s居民人均可支配收入增速（%%）", "Growth of per-capita disposable income, %s (%%)"},
	"tourism": {"%s文化旅游指标增速（%%）", "Growth of tourism, %s (%%)"},
}

// Charts are the charts the report of ds shows in lang, width points wide,
// set in font (the sans): for pages that show the report's charts.
func Charts(ds *dataset.Dataset, font *layout.Font, lang string, width float64) ([]*layout.Chart, error) {
	l, err := labelsFor(lang)
	if err != nil {
		return nil, err
	}
	var fonts layout.Fonts
	fonts[layout.Sans] = font
	r := &report{f: layout.New(&fonts), l: l, ds: edition(ds, l.en()), orig: ds}
	return r.chartsW(width), nil
}

// charts makes the report's charts from the dataset: growth by group (at
// least two figures each), the amounts in the most used unit, the trend of
// indicators with history.
func (r *report) charts() []*layout.Chart { return r.chartsW(layout.ContentW) }

func (r *report) chartsW(w float64) []*layout.Chart {
	ds, l := r.ds, r.l
	font := r.f.Font(layout.Sans)
	fig := l.period(ds.Meta.Figures())
	src := r.sourceLine()
	var charts []*layout.Chart
	n := 0
	next := func(stem string) string { n++; return fmt.Sprintf("chart-%d-%s", n, stem) }
	var groups []string
	byGroup := map[string][]layout.Bar{}
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Change == nil {
			continue
		}
		if _, ok := groupTitles[in.Group]; !ok {
			continue
		}
		if byGroup[in.Group] == nil {
			groups = append(groups, in.Group)
		}
		byGroup[in.Group] = append(byGroup[in.Group], layout.Bar{Label: in.Name, Value: in.Change.Float(), Text: change(in.Change), Estimated: in.Estimated})
	}
	lang := 0
	if l.en() {
		lang = 1
	}
	for _, g := range groups {
		if len(byGroup[g]) < 2 {
			continue
		}
		stem := "growth"
		if g != "" && g != "economy" {
			stem = g
		}
		charts = append(charts, layout.BarChart(font, layout.BarSpec{
			Name: next(stem), Title: r.figureNo() + fmt.Sprintf(groupTitles[g][lang], fig), Bars: byGroup[g], Width: w,
			Signed: true, Estimated: l.Estimated, Actual: l.Actual, Source: src, Note: l.ChartNote, Lang: l.Lang,
		}))
	}
	if c := r.amounts(font, next, fig, src, w); c != nil {
		charts = append(charts, c)
	}
	if c := r.trend(font, next, src, w); c != nil {
		charts = append(charts, c)
	}
	return charts
}

func (r *report) figureNo() string {
	r.figures++
	if r.l.en() {
		return fmt.Sprintf("Figure %d. ", r.figures)
	}
	return fmt.Sprintf("图%d　", r.figures)
}

// sourceLine is the line under every chart.
func (r *report) sourceLine() string {
	m := &r.ds.Meta
	if m.Source == nil {
		if m.Issuer != "" {
			return r.l.Source + r.colon() + m.Issuer
		}
		return ""
	}
	date := ""
	if m.Source.Date != "" {
		date = r.l.date(m.Source.Date)
	}
	pub := m.Source.Publication
	if r.l.en() {
		pub = "the " + pub
		if date != "" {
			date = " of " + date
		}
	}
	return fmt.Sprintf(r.l.SourceLine, pub, date)
}

// moneyUnits are the units an amounts chart may compare: counts of
// different things (个, 家) are not comparable and are not charted.
var moneyUnits = map[string]bool{"亿元": true, "万元": true, "元": true}

// amounts charts the money values in the unit most of them share (at least two).
func (r *report) amounts(font *layout.Font, next func(string) string, fig, src string, w float64) *layout.Chart {
	ds, l := r.ds, r.l
	byUnit := map[string][]layout.Bar{}
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		// bars measured in the published unit (the English edition's
		// scale words differ from figure to figure), labelled the edition's way
		orig := &r.orig.Indicators[i]
		if in.Value != nil && moneyUnits[orig.Unit] {
			byUnit[orig.Unit] = append(byUnit[orig.Unit], layout.Bar{Label: in.Name, Value: orig.Value.Float(), Text: l.amount(in.Value, in.Unit), Estimated: in.Estimated})
		}
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool {
		if len(byUnit[units[i]]) != len(byUnit[units[j]]) {
			return len(byUnit[units[i]]) > len(byUnit[units[j]])
		}
		return units[i] < units[j]
	})
	if len(units) == 0 || len(byUnit[units[0]]) < 2 {
		return nil
	}
	title := r.figureNo()
	if l.en() {
		// one unit for the whole chart, its title and its bars: 0.631 and
		// 5.498 billion yuan, not 631 million beside 5.498 billion
		bars := byUnit[units[0]]
		top := 0.0
		for _, b := range bars {
			top = math.Max(top, math.Abs(b.Value))
		}
		u, _ := dataset.UnitEnglish(units[0], "")
		shift, ue, ok := dataset.EnglishScale(units[0], top)
		if ok {
			u = ue
		}
		k := 0
		for i := range ds.Indicators {
			orig := &r.orig.Indicators[i]
			if ds.Indicators[i].Value != nil && orig.Unit == units[0] {
				bars[k].Text = l.num(mustNumber(dataset.ShiftDecimal(orig.Value.String(), shift)))
				bars[k].Value = orig.Value.Float() * math.Pow(10, float64(shift))
				k++
			}
		}
		title += fmt.Sprintf("Main amounts, %s (%s)", fig, u)
	} else {
		title += fmt.Sprintf("%s主要金额指标（%s）", fig, units[0])
	}
	return layout.BarChart(font, layout.BarSpec{Name: next("amounts"), Title: title, Bars: byUnit[units[0]], Width: w, Lang: l.Lang,
		Estimated: l.Estimated, Actual: l.Actual, Source: src})
}

// trend charts the change over the periods, for indicators with history.
func (r *report) trend(font *layout.Font, next func(string) string, src string, w float64) *layout.Chart {
	ds := r.ds
	cur := ds.Meta.Figures()
	pset := map[string]bool{cur: true}
	var withHist []*dataset.Indicator
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		has := false
		for _, p := range in.History {
			if p.Change != nil {
				pset[p.Period], has = true, true
			}
		}
		if has && len(withHist) < 6 {
			withHist = append(withHist, in)
		}
	}
	if len(withHist) == 0 {
		return nil
	}
	periods := make([]string, 0, len(pset))
	for p := range pset {
		periods = append(periods, p)
	}
	sort.Strings(periods)
	var series []layout.TrendSeries
	for _, in := range withHist {
		vals := make([]float64, len(periods))
		for i, p := range periods {
			vals[i] = math.NaN()
			if p == cur && in.Change != nil {
				vals[i] = in.Change.Float()
			}
			for _, h := range in.History {
				if h.Period == p && h.Change != nil {
					vals[i] = h.Change.Float()
				}
			}
		}
		series = append(series, layout.TrendSeries{Name: in.Name, Values: vals})
	}
	return layout.TrendChart(font, layout.TrendSpec{Name: next("trend"), Title: r.figureNo() + r.l.ChartTrend, Periods: periods, Series: series, Width: w, Source: src, Lang: r.l.Lang})
}

// mustNumber is the number of a literal known to be one.
func mustNumber(lit string) *dataset.Number {
	n, _ := dataset.NewNumber(lit)
	return n
}
