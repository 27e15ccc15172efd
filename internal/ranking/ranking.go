// Package ranking compares a city's member counties on one period's
// figures: each indicator ranked on its value and on its change, and a
// composite score by a stated method (min-max, the efficacy coefficient
// method 功效系数法 on a 60–100 scale, or z-score) over weighted terms.
//
// Indicators are matched across counties by their dataset id (gdp,
// budget_revenue, ...): two counties' figures are compared only when they
// carry the same id and, for values, the same unit. A county that sent no
// figures at all is 未上报 (NotReported); one that sent figures but not
// this one is 无此项数据 (NoFigure). Either is listed, never ranked, and
// never counted as zero. A measure fewer than Input.MinMembers counties
// give (MinMembers by default) is not ranked at all: Result.Thin lists it.
// A figure keeps its status (Estimated, Preliminary) into every row.
//
// Every Result carries its Input, so a past ranking can be recomputed and
// explained from what is stored with it. The package is pure: no I/O.
package ranking

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Methods of the composite score.
const (
	MinMax   = "minmax"
	Efficacy = "efficacy"
	ZScore   = "zscore"
)

// Measures and directions of a term.
const (
	Value  = "value"
	Change = "change"

	Higher = "higher"
	Lower  = "lower"
)

// Figure is one county's indicator, figures as written in its dataset
// ("420.77"; empty when not given).
type Figure struct {
	Name   string `json:"name"`
	NameEn string `json:"nameEn,omitempty"`
	Value  string `json:"value,omitempty"`
	Unit   string `json:"unit,omitempty"`
	Change string `json:"change,omitempty"`
	Status string `json:"status,omitempty"` // Estimated, Preliminary or "" (as published)
}

// Statuses of a figure: 预计 and 初步核算; "" is a figure as published,
// with no status stated.
const (
	Estimated   = "estimated"
	Preliminary = "preliminary"
)

// MinMembers is how many counties must give a measure for it to be ranked
// when Input.MinMembers is 0: a ranking of two is a comparison, not a
// ranking.
const MinMembers = 3

// Member is one county and its figures by indicator id. Submitted is false
// for a county with no dataset for the period.
type Member struct {
	Code      string            `json:"code"`
	Name      string            `json:"name"`
	NameEn    string            `json:"nameEn,omitempty"`
	Submitted bool              `json:"submitted"`
	Figures   map[string]Figure `json:"figures,omitempty"`
}

// Term is one weighted part of the composite score.
type Term struct {
	ID        string `json:"id"`
	Measure   string `json:"measure"`
	Weight    int    `json:"weight"`
	Direction string `json:"direction"`
}

// Input is everything a ranking is computed from.
type Input struct {
	Period     string   `json:"period"`
	Method     string   `json:"method"`
	MinMembers int      `json:"minMembers,omitempty"` // 0: MinMembers
	Terms      []Term   `json:"terms"`
	Members    []Member `json:"members"`
}

// Row is one county's place in one ranking. Rank 0 means not ranked
// (Missing says why: 未上报, or a unit other than the indicator's).
type Row struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Figure  *float64 `json:"figure,omitempty"`
	Literal string   `json:"literal,omitempty"`
	Rank    int      `json:"rank,omitempty"`
	Missing string   `json:"missing,omitempty"`
	Status  string   `json:"status,omitempty"` // the figure's: Estimated, Preliminary or ""
}

// Reasons a county is not ranked.
const (
	NotReported = "未上报"   // it sent no figures at all
	NoFigure    = "无此项数据" // it sent figures, but not this one
	OtherUnit   = "单位不同"
	Incomplete  = "缺项"
)

// Ranking is one indicator ranked on one measure, best first, then the
// unranked counties in code order.
type Ranking struct {
	ID        string `json:"id"`
	Measure   string `json:"measure"`
	Name      string `json:"name"`
	NameEn    string `json:"nameEn,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Direction string `json:"direction"`
	Rows      []Row  `json:"rows"`
}

// TermScore is what one term contributed to a county's composite score.
type TermScore struct {
	ID         string  `json:"id"`
	Measure    string  `json:"measure"`
	Figure     float64 `json:"figure"`
	Normalized float64 `json:"normalized"`
	Weight     float64 `json:"weight"` // the term's share of the weights, summing to 1
}

// Stats are a term's statistics over the scored counties, for the method page.
type Stats struct {
	ID      string  `json:"id"`
	Measure string  `json:"measure"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Mean    float64 `json:"mean"`
	SD      float64 `json:"sd"` // population standard deviation
}

// Score is one county's composite score.
type Score struct {
	Code    string      `json:"code"`
	Name    string      `json:"name"`
	Score   *float64    `json:"score,omitempty"`
	Rank    int         `json:"rank,omitempty"`
	Missing string      `json:"missing,omitempty"`
	Lacks   []string    `json:"lacks,omitempty"` // terms without a figure, "id/measure"
	Terms   []TermScore `json:"terms,omitempty"`
}

// Result is a period's comparison: the comparable indicators, the composite
// score, and the input they were computed from.
type Result struct {
	Input      Input     `json:"input"`
	Indicators []Ranking `json:"indicators"`
	// Thin are the measures some counties give but fewer than the minimum:
	// named in the report, not ranked (rows: the counties that give them).
	Thin      []Ranking `json:"thin,omitempty"`
	Composite []Score   `json:"composite,omitempty"`
	Stats     []Stats   `json:"stats,omitempty"`
}

// Compute ranks in's members. An invalid method or term is an error; missing
// figures are not.
func Compute(in Input) (*Result, error) {
	if err := check(in); err != nil {
		return nil, err
	}
	members := append([]Member(nil), in.Members...)
	sort.Slice(members, func(i, j int) bool { return members[i].Code < members[j].Code })
	in.Members = members
	res := &Result{Input: in}
	// The composite's indicators first, in the terms' order, then the
	// other comparable ones by id.
	var ids []string
	for _, t := range in.Terms {
		if !slices.Contains(ids, t.ID) {
			ids = append(ids, t.ID)
		}
	}
	for _, id := range Comparable(members) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	least := in.MinMembers
	if least <= 0 {
		least = MinMembers
	}
	for _, id := range ids {
		for _, m := range []string{Value, Change} {
			r, n := rankIndicator(members, id, m, directionOf(in.Terms, id, m))
			// A figure fewer than the minimum give is not ranked, unless
			// it is a term of the composite score (which says how many
			// counties it compares).
			switch {
			case n >= least || n >= 1 && isTerm(in.Terms, id, m):
				res.Indicators = append(res.Indicators, r)
			case n >= 1:
				res.Thin = append(res.Thin, r)
			}
		}
	}
	if len(in.Terms) > 0 {
		res.Composite, res.Stats = composite(in)
	}
	return res, nil
}

func check(in Input) error {
	switch in.Method {
	case MinMax, Efficacy, ZScore:
	default:
		return fmt.Errorf("ranking: method %q: want %s, %s or %s", in.Method, MinMax, Efficacy, ZScore)
	}
	seen := map[string]bool{}
	for i, t := range in.Terms {
		switch {
		case t.ID == "":
			return fmt.Errorf("ranking: terms[%d]: no indicator id", i)
		case t.Measure != Value && t.Measure != Change:
			return fmt.Errorf("ranking: terms[%d].measure %q: want value or change", i, t.Measure)
		case t.Direction != Higher && t.Direction != Lower:
			return fmt.Errorf("ranking: terms[%d].direction %q: want higher or lower", i, t.Direction)
		case t.Weight < 1:
			return fmt.Errorf("ranking: terms[%d].weight %d: want at least 1", i, t.Weight)
		case seen[t.ID+"/"+t.Measure]:
			return fmt.Errorf("ranking: terms[%d]: %s/%s twice", i, t.ID, t.Measure)
		}
		seen[t.ID+"/"+t.Measure] = true
	}
	codes := map[string]bool{}
	for _, m := range in.Members {
		if codes[m.Code] {
			return fmt.Errorf("ranking: county %s listed twice", m.Code)
		}
		codes[m.Code] = true
	}
	return nil
}

// Comparable lists the indicator ids that at least two members report
// (value or change), in id order. Of those, Compute ranks each measure two
// or more members give, and every term of the composite score.
func Comparable(members []Member) []string {
	count := map[string]int{}
	for _, m := range members {
		for id, f := range m.Figures {
			if f.Value != "" || f.Change != "" {
				count[id]++
			}
		}
	}
	var ids []string
	for id, n := range count {
		if n >= 2 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func isTerm(terms []Term, id, measure string) bool {
	for _, t := range terms {
		if t.ID == id && t.Measure == measure {
			return true
		}
	}
	return false
}

func directionOf(terms []Term, id, measure string) string {
	for _, t := range terms {
		if t.ID == id && t.Measure == measure {
			return t.Direction
		}
	}
	return Higher
}

// figure reads member's figure for id and measure; unit is the unit the
// value must carry ("" for changes, which are percentages).
func figure(m Member, id, measure, unit string) (float64, string, string) {
	f, ok := m.Figures[id]
	lit := f.Value
	if measure == Change {
		lit = f.Change
	}
	if !m.Submitted {
		return 0, "", NotReported
	}
	if !ok || lit == "" {
		return 0, "", NoFigure
	}
	if measure == Value && f.Unit != unit {
		return 0, lit, OtherUnit
	}
	x, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, lit, NoFigure
	}
	return x, lit, ""
}

// commonUnit is the unit most members give id's value in (ties: the
// smallest, so the choice does not depend on order).
func commonUnit(members []Member, id string) string {
	count := map[string]int{}
	for _, m := range members {
		if f, ok := m.Figures[id]; ok && f.Value != "" {
			count[f.Unit]++
		}
	}
	best, n := "", 0
	for u, c := range count {
		if c > n || c == n && u < best {
			best, n = u, c
		}
	}
	return best
}

// rankIndicator ranks id on measure and says how many members are ranked.
func rankIndicator(members []Member, id, measure, dir string) (Ranking, int) {
	r := Ranking{ID: id, Measure: measure, Direction: dir}
	if measure == Value {
		r.Unit = commonUnit(members, id)
	} else {
		r.Unit = "%"
	}
	var ranked, unranked []Row
	for _, m := range members {
		if f, ok := m.Figures[id]; ok && r.Name == "" {
			r.Name, r.NameEn = f.Name, f.NameEn
		}
		x, lit, why := figure(m, id, measure, r.Unit)
		row := Row{Code: m.Code, Name: m.Name, Literal: lit, Missing: why}
		if lit != "" {
			row.Status = m.Figures[id].Status
		}
		if why == "" {
			row.Figure = &x
			ranked = append(ranked, row)
		} else {
			unranked = append(unranked, row)
		}
	}
	if len(ranked) == 0 {
		return r, 0
	}
	better := func(a, b float64) bool { return a > b }
	if dir == Lower {
		better = func(a, b float64) bool { return a < b }
	}
	sort.SliceStable(ranked, func(i, j int) bool { return better(*ranked[i].Figure, *ranked[j].Figure) })
	assignRanks(len(ranked), func(i int) float64 { return *ranked[i].Figure }, func(i, rank int) { ranked[i].Rank = rank })
	n := len(ranked)
	r.Rows = append(ranked, unranked...)
	return r, n
}

// assignRanks gives sorted items competition ranks ("1224"): equal figures
// share a rank and the next one skips.
func assignRanks(n int, at func(int) float64, set func(i, rank int)) {
	rank := 0
	for i := 0; i < n; i++ {
		if i == 0 || at(i) != at(i-1) {
			rank = i + 1
		}
		set(i, rank)
	}
}
