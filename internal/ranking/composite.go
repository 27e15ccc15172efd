package ranking

import (
	"math"
	"sort"
	"strings"
)

// scoreDecimals is the precision composite scores are compared at for
// ranking, so that sums equal on paper but not in floating point tie.
const scoreDecimals = 9

// composite scores the members that have a figure for every term. The
// statistics of each term (min, max, mean, standard deviation) are taken
// over those members only, so every score is a function of the compared
// set. A member lacking a term is listed as 缺项 (or 未上报 when it
// submitted nothing), with the terms it lacks, and gets no score.
func composite(in Input) ([]Score, []Stats) {
	total := 0
	for _, t := range in.Terms {
		total += t.Weight
	}
	units := map[string]string{}
	for _, t := range in.Terms {
		if t.Measure == Value {
			units[t.ID] = commonUnit(in.Members, t.ID)
		}
	}
	var scored, unscored []Score
	figures := map[string][]float64{} // by member code, in term order
	for _, m := range in.Members {
		s := Score{Code: m.Code, Name: m.Name}
		var xs []float64
		for _, t := range in.Terms {
			x, _, why := figure(m, t.ID, t.Measure, units[t.ID])
			if why != "" {
				s.Lacks = append(s.Lacks, t.ID+"/"+t.Measure)
			}
			xs = append(xs, x)
		}
		switch {
		case !m.Submitted:
			s.Missing, s.Lacks = NotReported, nil
			unscored = append(unscored, s)
		case len(s.Lacks) > 0:
			s.Missing = Incomplete
			unscored = append(unscored, s)
		default:
			figures[m.Code] = xs
			scored = append(scored, s)
		}
	}
	stats := make([]Stats, len(in.Terms))
	for j, t := range in.Terms {
		col := make([]float64, len(scored))
		for i, s := range scored {
			col[i] = figures[s.Code][j]
		}
		stats[j] = describe(t, col)
	}
	for i := range scored {
		sum := 0.0
		for j, t := range in.Terms {
			x := figures[scored[i].Code][j]
			n := normalize(in.Method, t.Direction, x, stats[j])
			w := float64(t.Weight) / float64(total)
			scored[i].Terms = append(scored[i].Terms, TermScore{ID: t.ID, Measure: t.Measure, Figure: x, Normalized: n, Weight: w})
			sum += w * n
		}
		scored[i].Score = &sum
	}
	rankScores(scored)
	return append(scored, unscored...), statsOrNil(stats, len(scored))
}

func statsOrNil(s []Stats, n int) []Stats {
	if n == 0 {
		return nil
	}
	return s
}

// describe gives a term's statistics over xs (empty xs: zeros).
func describe(t Term, xs []float64) Stats {
	s := Stats{ID: t.ID, Measure: t.Measure}
	if len(xs) == 0 {
		return s
	}
	s.Min, s.Max = xs[0], xs[0]
	for _, x := range xs {
		s.Min, s.Max = math.Min(s.Min, x), math.Max(s.Max, x)
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	for _, x := range xs {
		s.SD += (x - s.Mean) * (x - s.Mean)
	}
	s.SD = math.Sqrt(s.SD / float64(len(xs)))
	return s
}

// normalize makes x dimensionless by method; lower-is-better terms are
// reversed so a larger result is always better:
//
//	minmax    (x − min) / (max − min)            lower: (max − x) / (max − min)
//	efficacy  60 + 40 × minmax                   (功效系数法: the worst scores 60, the best 100)
//	zscore    (x − mean) / sd                    lower: (mean − x) / sd
//
// When every compared figure is the same (one county, or a tie of all),
// minmax gives 1 (efficacy 100) and zscore 0: no county is worse than another.
func normalize(method, dir string, x float64, s Stats) float64 {
	switch method {
	case ZScore:
		if s.SD == 0 {
			return 0
		}
		if dir == Lower {
			return (s.Mean - x) / s.SD
		}
		return (x - s.Mean) / s.SD
	default:
		mm := 1.0
		if s.Max > s.Min {
			mm = (x - s.Min) / (s.Max - s.Min)
			if dir == Lower {
				mm = (s.Max - x) / (s.Max - s.Min)
			}
		}
		if method == Efficacy {
			return 60 + 40*mm
		}
		return mm
	}
}

func rankScores(scored []Score) {
	round := func(f float64) float64 {
		p := math.Pow10(scoreDecimals)
		return math.Round(f*p) / p
	}
	sort.SliceStable(scored, func(i, j int) bool { return round(*scored[i].Score) > round(*scored[j].Score) })
	assignRanks(len(scored), func(i int) float64 { return round(*scored[i].Score) }, func(i, r int) { scored[i].Rank = r })
}

// Lacking names the terms a score lacks, for people ("gdp/value, ...").
func (s Score) Lacking() string { return strings.Join(s.Lacks, ", ") }
