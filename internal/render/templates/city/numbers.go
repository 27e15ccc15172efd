package city

import (
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
)

// scale is how one measure's figures are shown: moved by shift decimal
// places (the English edition counts 亿元 in billions or millions of yuan,
// as the county report does, one scale for a whole column) in unit.
type scale struct {
	shift int
	unit  string
}

// scaleOf is the scale of measure's figures lits in unit (亿元, 万元, …)
// in the edition: Chinese as published; English in billions of yuan when
// the largest is at least a billion, else in millions.
func (r *report) scaleOf(measure, unit string, lits []string) scale {
	if measure == ranking.Change {
		return scale{unit: "%"}
	}
	if !r.l.en() {
		return scale{unit: unit}
	}
	top := 0.0
	for _, l := range lits {
		if f, err := strconv.ParseFloat(l, 64); err == nil {
			top = max(top, abs(f))
		}
	}
	if shift, u, ok := dataset.EnglishScale(unit, top); ok {
		return scale{shift: shift, unit: u}
	}
	return scale{unit: r.unit(unit)}
}

// show is literal lit in scale s, exactly (no rounding).
func (s scale) show(lit string) string {
	if s.shift == 0 || lit == "" {
		return lit
	}
	return shiftLit(lit, s.shift)
}

// float is v in scale s.
func (s scale) float(v float64) float64 { return v * pow10(s.shift) }

// decimals is how many decimals the figures lits carry in scale s, at most
// (a measure's statistics are shown to that many).
func (s scale) decimals(lits []string) int {
	d := 0
	for _, l := range lits {
		if n, ok := dataset.NewNumber(s.show(l)); ok {
			d = max(d, n.Decimals())
		}
	}
	return d
}

func shiftLit(lit string, k int) string { return dataset.ShiftDecimal(lit, k) }

// fixed is v to d decimals ("-0" is "0").
func fixed(v float64, d int) string {
	s := strconv.FormatFloat(v, 'f', d, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

func pow10(k int) float64 {
	p := 1.0
	for ; k > 0; k-- {
		p *= 10
	}
	for ; k < 0; k++ {
		p /= 10
	}
	return p
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
