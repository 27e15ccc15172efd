package ranking

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The counties A–E below are made-up test fixtures, not real places.
func member(code string, figs map[string][2]string) Member {
	m := Member{Code: code, Name: "县" + code, Submitted: true, Figures: map[string]Figure{}}
	for id, f := range figs {
		unit := "亿元"
		m.Figures[id] = Figure{Name: id, Value: f[0], Unit: unit, Change: f[1]}
	}
	return m
}

var threeCounties = []Member{
	member("A", map[string][2]string{"gdp": {"100", ""}, "debt": {"10", ""}}),
	member("B", map[string][2]string{"gdp": {"200", ""}, "debt": {"30", ""}}),
	member("C", map[string][2]string{"gdp": {"300", ""}, "debt": {"20", ""}}),
}

var gdpAndDebt = []Term{
	{ID: "gdp", Measure: Value, Weight: 3, Direction: Higher},
	{ID: "debt", Measure: Value, Weight: 1, Direction: Lower},
}

type want struct {
	code  string
	score float64 // NaN: no score
	rank  int
}

// Expected scores worked by hand (the arithmetic is in each case's comment).
func TestCompositeMethods(t *testing.T) {
	z := 1.224744871391589 // 100 / sqrt(20000/3), and 10 / sqrt(200/3)
	tests := map[string]struct {
		method  string
		members []Member
		terms   []Term
		want    []want
	}{
		// gdp: A 0, B .5, C 1; debt (lower): A 1, B 0, C .5; weights .75/.25.
		"minmax": {MinMax, threeCounties, gdpAndDebt, []want{{"C", .875, 1}, {"B", .375, 2}, {"A", .25, 3}}},
		// 60 + 40 × minmax: A .75×60 + .25×100 = 70; B .75×80 + .25×60 = 75; C .75×100 + .25×80 = 95.
		"efficacy": {Efficacy, threeCounties, gdpAndDebt, []want{{"C", 95, 1}, {"B", 75, 2}, {"A", 70, 3}}},
		// gdp mean 200, sd 81.65: z = −1.2247, 0, 1.2247; debt mean 20, sd 8.165,
		// lower: 1.2247, −1.2247, 0. A = −.75z + .25z = −.5z; B = −.25z; C = .75z.
		"zscore": {ZScore, threeCounties, gdpAndDebt, []want{{"C", .75 * z, 1}, {"B", -.25 * z, 2}, {"A", -.5 * z, 3}}},
		// A and B have the same figures: they share rank 1, C is third.
		"tie shares a rank and the next skips": {MinMax, []Member{
			member("A", map[string][2]string{"gdp": {"200", ""}}),
			member("B", map[string][2]string{"gdp": {"200", ""}}),
			member("C", map[string][2]string{"gdp": {"100", ""}}),
		}, []Term{{ID: "gdp", Measure: Value, Weight: 1, Direction: Higher}}, []want{{"A", 1, 1}, {"B", 1, 1}, {"C", 0, 3}}},
		// One county: nothing to be worse than. minmax 1, efficacy 100, zscore 0.
		"single member, efficacy": {Efficacy, threeCounties[:1], gdpAndDebt, []want{{"A", 100, 1}}},
		"single member, zscore":   {ZScore, threeCounties[:1], gdpAndDebt, []want{{"A", 0, 1}}},
		// D sent nothing, E lacks debt: neither is scored (never as zero),
		// and the statistics are A–C's alone, so A–C score as above.
		"missing figures are not zero": {Efficacy, append(append([]Member{}, threeCounties...),
			Member{Code: "D", Name: "县D"},
			member("E", map[string][2]string{"gdp": {"999", ""}})), gdpAndDebt,
			[]want{{"C", 95, 1}, {"B", 75, 2}, {"A", 70, 3}, {"D", math.NaN(), 0}, {"E", math.NaN(), 0}}},
		// Lower is better on the only term: the smallest debt is first.
		"lower is better": {MinMax, threeCounties, []Term{{ID: "debt", Measure: Value, Weight: 5, Direction: Lower}},
			[]want{{"A", 1, 1}, {"C", .5, 2}, {"B", 0, 3}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Compute(Input{Period: "2023-01", Method: tc.method, Terms: tc.terms, Members: tc.members})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Composite) != len(tc.want) {
				t.Fatalf("composite has %d rows, want %d: %+v", len(res.Composite), len(tc.want), res.Composite)
			}
			for i, w := range tc.want {
				got := res.Composite[i]
				if got.Code != w.code || got.Rank != w.rank {
					t.Fatalf("row %d: %s rank %d, want %s rank %d", i, got.Code, got.Rank, w.code, w.rank)
				}
				switch {
				case math.IsNaN(w.score) && got.Score != nil:
					t.Fatalf("%s scored %v, want no score", got.Code, *got.Score)
				case !math.IsNaN(w.score) && (got.Score == nil || math.Abs(*got.Score-w.score) > 1e-9):
					t.Fatalf("%s scored %v, want %v", got.Code, got.Score, w.score)
				}
			}
		})
	}
}

func TestMissingReasons(t *testing.T) {
	members := append(append([]Member{}, threeCounties...), Member{Code: "D", Name: "县D"},
		member("E", map[string][2]string{"gdp": {"999", ""}}))
	res, err := Compute(Input{Method: Efficacy, Terms: gdpAndDebt, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	d, e := res.Composite[3], res.Composite[4]
	if d.Missing != NotReported || e.Missing != Incomplete || !reflect.DeepEqual(e.Lacks, []string{"debt/value"}) {
		t.Fatalf("D %+v, E %+v", d, e)
	}
	// In the per-indicator ranking E's GDP is ranked (it is first), D is 未上报.
	gdp := find(t, res, "gdp", Value)
	if gdp.Rows[0].Code != "E" || gdp.Rows[0].Rank != 1 || gdp.Rows[4].Code != "D" || gdp.Rows[4].Rank != 0 || gdp.Rows[4].Missing != NotReported {
		t.Fatalf("gdp ranking: %+v", gdp.Rows)
	}
}

func TestOtherUnitIsNotCompared(t *testing.T) {
	a := member("A", map[string][2]string{"gdp": {"100", ""}})
	b := member("B", map[string][2]string{"gdp": {"200", ""}})
	c := member("C", map[string][2]string{"gdp": {"5000000", ""}})
	f := c.Figures["gdp"]
	f.Unit = "万元"
	c.Figures["gdp"] = f
	res, err := Compute(Input{Method: MinMax, Members: []Member{a, b, c}, MinMembers: 2})
	if err != nil {
		t.Fatal(err)
	}
	gdp := find(t, res, "gdp", Value)
	if gdp.Unit != "亿元" || gdp.Rows[2].Code != "C" || gdp.Rows[2].Missing != OtherUnit || gdp.Rows[2].Rank != 0 {
		t.Fatalf("gdp ranking: %+v", gdp)
	}
}

// The published 2022 GDP growth of 衡阳市's counties
// (shared/data/hengyang-counties-2022.csv): 衡阳县 and 耒阳市 tie at 5.2%.
func TestPublishedGrowthRanking(t *testing.T) {
	growth := map[string]string{"430421": "5.2", "430422": "5.4", "430423": "5.8", "430426": "5.6", "430481": "5.2", "430482": "5.1"}
	var members []Member
	for code, g := range growth {
		members = append(members, Member{Code: code, Submitted: true, Figures: map[string]Figure{"gdp": {Name: "地区生产总值", Change: g}}})
	}
	members = append(members, Member{Code: "430424"})
	res, err := Compute(Input{Method: Efficacy, Members: members,
		Terms: []Term{{ID: "gdp", Measure: Change, Weight: 1, Direction: Higher}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var ranks []int
	for _, r := range find(t, res, "gdp", Change).Rows {
		got, ranks = append(got, r.Code), append(ranks, r.Rank)
	}
	if !reflect.DeepEqual(got, []string{"430423", "430426", "430422", "430421", "430481", "430482", "430424"}) ||
		!reflect.DeepEqual(ranks, []int{1, 2, 3, 4, 4, 6, 0}) {
		t.Fatalf("growth ranking %v ranks %v", got, ranks)
	}
	// Efficacy over 5.1..5.8: 5.4 scores 60 + 40 × 0.3/0.7.
	for _, s := range res.Composite {
		if s.Code == "430422" && math.Abs(*s.Score-(60+40*0.3/0.7)) > 1e-9 {
			t.Fatalf("衡南县 scores %v", *s.Score)
		}
	}
}

// A stored result recomputes to itself from its own input.
func TestResultIsReproducibleFromItsInput(t *testing.T) {
	res, err := Compute(Input{Period: "2023-01", Method: ZScore, Terms: gdpAndDebt, Members: threeCounties})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatal(err)
	}
	again, err := Compute(back.Input)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(again); string(b) != string(stored) {
		t.Fatalf("recomputed:\n%s\nstored:\n%s", b, stored)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	cases := map[string]Input{
		"unknown method": {Method: "average"},
		"no id":          {Method: MinMax, Terms: []Term{{Measure: Value, Weight: 1, Direction: Higher}}},
		"bad measure":    {Method: MinMax, Terms: []Term{{ID: "gdp", Measure: "level", Weight: 1, Direction: Higher}}},
		"bad direction":  {Method: MinMax, Terms: []Term{{ID: "gdp", Measure: Value, Weight: 1, Direction: "up"}}},
		"zero weight":    {Method: MinMax, Terms: []Term{{ID: "gdp", Measure: Value, Direction: Higher}}},
		"term twice":     {Method: MinMax, Terms: []Term{gdpAndDebt[0], gdpAndDebt[0]}},
		"county twice":   {Method: MinMax, Members: []Member{threeCounties[0], threeCounties[0]}},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Compute(in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestComparableNeedsTwoCounties(t *testing.T) {
	members := []Member{
		member("A", map[string][2]string{"gdp": {"1", ""}, "tax": {"1", ""}}),
		member("B", map[string][2]string{"gdp": {"", "5"}}),
	}
	if got := Comparable(members); !reflect.DeepEqual(got, []string{"gdp"}) {
		t.Fatalf("comparable %v, want [gdp]", got)
	}
}

func find(t *testing.T, res *Result, id, measure string) Ranking {
	t.Helper()
	for _, r := range res.Indicators {
		if r.ID == id && r.Measure == measure {
			return r
		}
	}
	t.Fatalf("no ranking of %s/%s in %+v", id, measure, res.Indicators)
	return Ranking{}
}

// A measure fewer counties give than the minimum is not ranked but listed
// as thin; a county with figures but not this one is 无此项数据, one with
// none 未上报; a figure's status is carried into its row.
func TestMinimumMembersAndMissingReasons(t *testing.T) {
	a := member("A", map[string][2]string{"gdp": {"100", "5"}, "tax": {"7", ""}})
	b := member("B", map[string][2]string{"gdp": {"200", "6"}, "tax": {"8", ""}})
	c := member("C", map[string][2]string{"gdp": {"", "4"}})
	f := c.Figures["gdp"]
	f.Status = Estimated
	c.Figures["gdp"] = f
	d := Member{Code: "D"}
	tests := map[string]struct {
		min        int
		ranked     []string
		thin       []string
		gdpValueC  string
		taxMissing string
	}{
		"default minimum of three": {0, []string{"gdp/change"}, []string{"gdp/value", "tax/value"}, NoFigure, NoFigure},
		"minimum of two":           {2, []string{"gdp/value", "gdp/change", "tax/value"}, nil, NoFigure, NoFigure},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Compute(Input{Method: MinMax, Members: []Member{a, b, c, d}, MinMembers: tc.min})
			if err != nil {
				t.Fatal(err)
			}
			var ranked, thin []string
			for _, r := range res.Indicators {
				ranked = append(ranked, r.ID+"/"+r.Measure)
			}
			for _, r := range res.Thin {
				thin = append(thin, r.ID+"/"+r.Measure)
			}
			if !reflect.DeepEqual(ranked, tc.ranked) || !reflect.DeepEqual(thin, tc.thin) {
				t.Fatalf("ranked %v thin %v, want %v and %v", ranked, thin, tc.ranked, tc.thin)
			}
			for _, r := range append(res.Indicators, res.Thin...) {
				for _, row := range r.Rows {
					switch {
					case row.Code == "D" && row.Missing != NotReported:
						t.Errorf("%s/%s: D sent nothing, is %q", r.ID, r.Measure, row.Missing)
					case row.Code == "C" && r.ID == "gdp" && r.Measure == Value && row.Missing != tc.gdpValueC:
						t.Errorf("gdp/value: C is %q", row.Missing)
					case row.Code == "C" && r.ID == "gdp" && r.Measure == Change && row.Status != Estimated:
						t.Errorf("gdp/change: C's estimate has status %q", row.Status)
					case row.Code == "C" && r.ID == "tax" && row.Missing != tc.taxMissing:
						t.Errorf("tax: C is %q", row.Missing)
					}
				}
			}
		})
	}
}
