package portal

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render"
)

// rankingChartWidth is the ranking charts' width in points (as the dashboard's).
const rankingChartWidth = 640

// rankRow is one county in one ranking (an indicator's or the composite).
type rankRow struct {
	Rank    string // "" when not ranked
	Name    string
	Figure  string // the value as published, or the score
	Missing string // why it is not ranked (未报送, 单位不同, 缺项)
	Mark    string // a figure the city has not accepted: why (待审核, 据公开资料整理)
	Terms   []string
}

type indicatorView struct {
	ID, Title, Unit string
	Rows            []rankRow
	Chart           template.HTML
}

type methodTerm struct{ Name, Weight, Direction, Min, Max, Mean, SD string }

// ranking compares the members for a period: indicator by indicator, and
// on the composite score with the method, weights and inputs shown, so a
// reader can check every score. Counties without a figure are 未报送,
// never ranked as zero.
func (s *cityServer) ranking(c *gin.Context) {
	lang := requestLang(c.Request)
	ctx := c.Request.Context()
	members, err := s.members.get()
	if err != nil {
		s.log.Error("member credentials", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	periods := s.periodChoices(ctx, members, s.underReview())
	p := c.Query("period")
	if p == "" {
		p = s.latestSubmitted(ctx, members, periods)
	}
	pp, err := period.Parse(p)
	if err != nil {
		s.fail(c, http.StatusBadRequest, "period")
		return
	}
	datasets, problem := s.memberDatasets(ctx, members, p, lang)
	pv := s.provenanceOf(ctx, members, pp, datasets, lang)
	provisional := unacceptedNote(lang, pv.unaccepted)
	names := map[string]string{}
	for _, m := range s.cfg.Members {
		names[m.Code] = m.Name
	}
	res, err := ranking.Compute(city.RankingInput(v1alpha1.CityReportSpec{Ranking: s.cfg.Ranking}, p, datasets, names))
	data := gin.H{"Period": p, "Periods": periods, "Problem": problem, "Provisional": provisional, "Provenance": pv}
	if err != nil {
		data["Error"] = err.Error()
	} else {
		s.rankingView(res, lang, pv, data)
	}
	s.render(c, http.StatusOK, "city_ranking", s.newPage(c, "ranking", tr(lang, "rank.title"), data))
}

// latestSubmitted is the newest period any member has a dataset for (the
// month under review when none has).
func (s *cityServer) latestSubmitted(ctx context.Context, members *city.Members, periods []string) string {
	for _, p := range periods {
		for _, code := range members.Codes() {
			if d, err := members.Dataset(ctx, code, p); err == nil && d != nil {
				return p
			}
		}
	}
	return s.underReview().String()
}

// memberDatasets reads every member's dataset for period in parallel (nil:
// not submitted); an unreadable one is named in the problem and left out.
func (s *cityServer) memberDatasets(ctx context.Context, members *city.Members, p, lang string) (map[string]*dataset.Dataset, string) {
	out := map[string]*dataset.Dataset{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	problem := ""
	for _, m := range s.cfg.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := members.Dataset(ctx, m.Code, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.log.Warn("read a member's dataset", "county", m.Code, "period", p, "err", err)
				problem = tr(lang, "rank.unreadable", s.memberName(m, lang))
				return
			}
			out[m.Code] = d
		}()
	}
	wg.Wait()
	return out, problem
}

func (s *cityServer) rankingView(res *ranking.Result, lang string, pv provenance, data gin.H) {
	name := func(code, zh string) string {
		if m, ok := s.cfg.member(code); ok {
			return s.memberName(m, lang)
		}
		return zh
	}
	var composite []rankRow
	for _, sc := range res.Composite {
		row := rankRow{Name: name(sc.Code, sc.Name), Missing: missingWord(lang, sc.Missing)}
		if sc.Score != nil {
			row.Mark = pv.marks[sc.Code]
			row.Rank, row.Figure = strconv.Itoa(sc.Rank), strconv.FormatFloat(*sc.Score, 'f', 2, 64)
		}
		for _, t := range sc.Terms {
			row.Terms = append(row.Terms, strconv.FormatFloat(t.Normalized, 'f', 2, 64))
		}
		for len(row.Terms) < len(res.Input.Terms) { // not scored: a dash in every term's column
			row.Terms = append(row.Terms, tr(lang, "none"))
		}
		composite = append(composite, row)
	}
	var inds []indicatorView
	for _, ind := range res.Indicators {
		v := s.indicatorView(ind, lang, name, pv)
		inds = append(inds, v)
	}
	var terms []methodTerm
	for i, t := range res.Input.Terms {
		mt := methodTerm{Name: s.termName(res, t.ID, t.Measure, lang), Direction: tr(lang, "rank.dir."+t.Direction)}
		mt.Weight = strconv.FormatFloat(weightShare(res.Input.Terms, i)*100, 'f', 1, 64) + "%"
		for _, st := range res.Stats {
			if st.ID == t.ID && st.Measure == t.Measure {
				mt.Min, mt.Max, mt.Mean, mt.SD = num(st.Min), num(st.Max), num(st.Mean), num(st.SD)
			}
		}
		terms = append(terms, mt)
	}
	data["Composite"], data["Indicators"], data["Terms"] = composite, inds, terms
	data["Method"] = tr(lang, "rank.method."+res.Input.Method)
	data["Formula"] = tr(lang, "rank.formula."+res.Input.Method)
}

func (s *cityServer) indicatorView(ind ranking.Ranking, lang string, name func(code, zh string) string, pv provenance) indicatorView {
	unit := ind.Unit
	if ind.Measure == ranking.Change {
		unit = "%"
	} else if lang == "en" {
		if en, ok := dataset.UnitEnglish(unit, ""); ok {
			unit = en
		}
	}
	indName := ind.Name
	if lang == "en" && ind.NameEn != "" {
		indName = ind.NameEn
	}
	title := indName + " · " + tr(lang, "rank.measure."+ind.Measure)
	v := indicatorView{ID: ind.ID + "-" + ind.Measure, Title: title, Unit: unit}
	for _, r := range ind.Rows {
		row := rankRow{Name: name(r.Code, r.Name), Figure: r.Literal, Missing: missingWord(lang, r.Missing)}
		if r.Rank > 0 {
			row.Rank = strconv.Itoa(r.Rank)
		}
		if row.Missing == "" {
			row.Mark = pv.marks[r.Code]
		}
		v.Rows = append(v.Rows, row)
	}
	if s.font != nil {
		label := func(r ranking.Row) string { return name(r.Code, r.Name) }
		chart := render.RankingChart(s.font, lang, ind, inParens(lang, title, unit), pv.chartSource(lang), label, rankingChartWidth)
		v.Chart = template.HTML(chart.SVG()) // drawn by internal/render, every text escaped there
	}
	return v
}

func (s *cityServer) termName(res *ranking.Result, id, measure, lang string) string {
	for _, ind := range res.Indicators {
		if ind.ID == id && ind.Measure == measure {
			n := ind.Name
			if lang == "en" && ind.NameEn != "" {
				n = ind.NameEn
			}
			return n + " · " + tr(lang, "rank.measure."+measure)
		}
	}
	return id + " · " + tr(lang, "rank.measure."+measure)
}

// weightShare is term i's share of the weights (they sum to 1).
func weightShare(terms []ranking.Term, i int) float64 {
	sum := 0
	for _, t := range terms {
		sum += t.Weight
	}
	if sum == 0 {
		return 0
	}
	return float64(terms[i].Weight) / float64(sum)
}

// missingWord says why a county is not ranked, in the page's language.
func missingWord(lang, missing string) string {
	switch missing {
	case "":
		return ""
	case ranking.NotReported:
		return tr(lang, "rank.missing.none")
	case ranking.NoFigure:
		return tr(lang, "rank.missing.nofigure")
	case ranking.OtherUnit:
		return tr(lang, "rank.missing.unit")
	case ranking.Incomplete:
		return tr(lang, "rank.missing.incomplete")
	}
	return missing
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
