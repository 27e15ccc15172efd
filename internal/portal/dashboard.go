package portal

import (
	"html/template"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/render"
)

// chartWidth is the width of the dashboard's charts, in points (CSS px).
const chartWidth = 760

// dashboardView is the dashboard of one snapshot in one language, built
// when the snapshot is read, so a request only executes the template.
type dashboardView struct {
	Latest       bool
	LatestPeriod string
	Title        string
	Cards        []card
	Trend        template.HTML
	Charts       []template.HTML
	Run          *runSummary
	NextRun      string
	PDF          *pdfLink
	Archived     string       // the newest report in the archive, in words
	Reviews      []reviewView // the city's review (verdict.go); none without a city
	Problem      string
}

type card struct {
	Name, Value, Unit, Change, Dir, Basis, Milestone string
	Estimated                                        bool
}

type runSummary struct{ Name, Period, State, Link string }

type pdfLink struct{ Period, Href string }

func indicatorName(in *dataset.Indicator, lang string) string {
	if lang == "en" && in.NameEn != "" {
		return in.NameEn
	}
	return in.Name
}

func (s *server) buildDashboard(snap *snapshot, lang string) *dashboardView {
	v := &dashboardView{}
	if len(snap.problems) > 0 {
		v.Problem = snap.problems[0]
	}
	v.Reviews = s.dashboardReviews(snap, lang)
	period, ds := snap.latest()
	if ds != nil {
		ed := inLanguage(ds, lang)
		v.Latest, v.LatestPeriod, v.Title = true, period, ed.Meta.Title
		for i := range ed.Indicators {
			in := &ed.Indicators[i]
			if !in.Key {
				continue
			}
			c := card{Name: in.Name, Unit: in.Unit, Basis: ds.BasisOf(&ds.Indicators[i], lang), Milestone: in.Milestone, Estimated: in.Estimated}
			if in.Value != nil {
				c.Value = in.Value.String()
			}
			if in.Change != nil {
				c.Change = signed(in.Change)
				c.Dir = "up"
				if in.Change.Float() < 0 {
					c.Dir = "down"
				}
			}
			v.Cards = append(v.Cards, c)
		}
		if s.font != nil {
			if tc := s.trendChart(snap, ds, lang); tc != nil {
				v.Trend = template.HTML(tc.SVG())
			}
			if charts, err := render.ReportCharts(s.font, ds, lang, chartWidth); err == nil {
				for _, c := range charts {
					if c.Name != "" && !isTrend(c) {
						v.Charts = append(v.Charts, template.HTML(c.SVG()))
					}
				}
			}
		}
	}
	if len(snap.runs) > 0 {
		r := &snap.runs[0]
		v.Run = &runSummary{Name: r.Name, Period: r.Spec.Period, State: tr(lang, "phase."+string(r.Status.Phase)), Link: "/runs/" + r.Name}
	}
	if cr := snap.county; cr != nil {
		switch {
		case cr.Status.NextRunLocal != "":
			v.NextRun = cr.Status.NextRunLocal
		case cr.Status.NextRun != nil:
			v.NextRun = s.fmtTime(cr.Status.NextRun.Time, lang)
		}
		if cr.Spec.Schedule.Suspend {
			v.NextRun = ""
		}
	}
	if n := len(snap.reports); n > 0 {
		r := snap.reports[n-1]
		v.PDF = &pdfLink{Period: r.Period, Href: "/reports/" + r.Period + "/report.pdf"}
		v.Archived = tr(lang, "dash.run.archived", r.Period, r.Pages, s.fmtTime(r.Time, lang))
	}
	return v
}

// isTrend: the report's own trend chart draws only the latest dataset's
// history; the dashboard draws its own over the periods on file instead.
func isTrend(c *render.Chart) bool { return len(c.Name) > 6 && c.Name[len(c.Name)-6:] == "-trend" }

// trendChart draws the key indicators' year-on-year change over the
// periods on file, filling periods without a stored dataset from the
// latest dataset's history.
func (s *server) trendChart(snap *snapshot, latest *dataset.Dataset, lang string) *render.Chart {
	type key struct{ id, period string }
	vals := map[key]float64{}
	pset := map[string]bool{}
	var order []*dataset.Indicator
	for i := range latest.Indicators {
		in := &latest.Indicators[i]
		if in.Key && len(order) < render.MaxSeries() {
			order = append(order, in)
		}
	}
	for _, in := range order {
		for _, h := range in.History {
			if h.Change != nil {
				vals[key{in.ID, h.Period}] = h.Change.Float()
				pset[h.Period] = true
			}
		}
	}
	for p, d := range snap.datasets {
		for i := range d.Indicators {
			if in := &d.Indicators[i]; in.Change != nil {
				vals[key{in.ID, p}] = in.Change.Float()
				pset[p] = true
			}
		}
	}
	if len(pset) < 2 {
		return nil
	}
	periods := make([]string, 0, len(pset))
	for p := range pset {
		periods = append(periods, p)
	}
	sort.Strings(periods)
	var series []render.Series
	for _, in := range order {
		sr := render.Series{Name: indicatorName(in, lang), Values: make([]float64, len(periods))}
		seen := 0
		for i, p := range periods {
			v, ok := vals[key{in.ID, p}]
			if !ok {
				v = math.NaN()
			} else {
				seen++
			}
			sr.Values[i] = v
		}
		if seen > 0 {
			series = append(series, sr)
		}
	}
	if len(series) == 0 {
		return nil
	}
	return render.TrendChart(s.font, inParens(lang, tr(lang, "dash.trend"), "%"), periods, series, chartWidth)
}

func signed(n *dataset.Number) string {
	if n.Float() > 0 {
		return "+" + n.String()
	}
	return n.String()
}

// fmtTime writes t in the county's time zone.
func (s *server) fmtTime(t time.Time, lang string) string {
	if t.IsZero() {
		return tr(lang, "none")
	}
	return t.In(s.zone).Format(tr(lang, "time.format"))
}

// dashboard is the busiest page: it is rendered once per snapshot,
// language, account and address, and then served from memory.
func (s *server) dashboard(c *gin.Context) {
	snap := s.state.get(c.Request.Context())
	lang := requestLang(c.Request)
	acct := auth.CurrentAccount(c)
	key := pageKey{snap: snap, lang: lang, user: acct.Username, role: string(acct.Role), uri: c.Request.URL.RequestURI()}
	body, ok := s.pageCache.get(key)
	if !ok {
		v := snap.views[lang]
		if v == nil {
			v = s.buildDashboard(snap, lang)
		}
		var err error
		if body, err = s.renderBytes("dashboard", s.newPage(c, "dashboard", tr(lang, "nav.dashboard"), v)); err != nil {
			s.log.Error("render page", "page", "dashboard", "err", err)
			s.fail(c, http.StatusInternalServerError, "")
			return
		}
		s.pageCache.put(key, body)
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", body)
}

// pageKey is everything a cached page depends on.
type pageKey struct {
	snap                  *snapshot
	lang, user, role, uri string
}

// pageCache holds rendered pages of the current snapshot; a new snapshot
// empties it, and it never holds more than maxCachedPages.
type pageCache struct {
	mu    sync.RWMutex
	snap  *snapshot
	pages map[pageKey][]byte
}

const maxCachedPages = 256

func (p *pageCache) get(k pageKey) ([]byte, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	b, ok := p.pages[k]
	return b, ok
}

func (p *pageCache) put(k pageKey, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap != k.snap || len(p.pages) >= maxCachedPages {
		p.snap, p.pages = k.snap, map[pageKey][]byte{}
	}
	p.pages[k] = b
}

// countyZone is the time zone of the county's schedule (Asia/Shanghai by default).
func countyZone(cr *v1alpha1.CountyReport) *time.Location {
	name := "Asia/Shanghai"
	if cr != nil && cr.Spec.Schedule.TimeZone != "" {
		name = cr.Spec.Schedule.TimeZone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("UTC+8", 8*3600)
}
