package submission

import (
	"fmt"
	"math"
	"reflect"

	"github.com/countyreport/countyreport/internal/dataset"
)

// Plausibility bounds. A figure outside them is not refused (it may be
// true): it is a warning, and the submission needs an explanation
// (填写说明) to go ahead, as in China's 联网直报.
const (
	// MaxPlausibleChange and MinPlausibleChange bound a year-on-year change
	// in percent.
	MaxPlausibleChange = 100.0
	MinPlausibleChange = -50.0
	// MaxPlausibleRatio bounds a value against the same indicator's value in
	// the previous period (same unit): at most this many times it, at least
	// its 1/MaxPlausibleRatio.
	MaxPlausibleRatio = 2.0
)

// Warning codes.
const (
	WarnChange = "change" // a year-on-year change outside the plausible range
	WarnJump   = "jump"   // a value far from the previous period's
	WarnUnit   = "unit"   // an indicator's unit differs from the previous period's
	WarnSame   = "same"   // every figure, or the whole narrative, as in the previous period
)

// Warning is a figure that needs an explanation before it is submitted.
type Warning struct {
	Problem
	Code string `json:"code"` // WarnChange, WarnJump, WarnUnit
	ID   string `json:"id"`   // the indicator
}

// Check finds the implausible figures of next against prev, the latest
// earlier period's dataset (nil when there is none: only the changes are
// checked). where locates a field path in the upload (nil: the path).
func Check(prev, next *dataset.Dataset, where func(path string) (string, string)) []Warning {
	if where == nil {
		where = func(p string) (string, string) { return p, p }
	}
	prevByID := map[string]*dataset.Indicator{}
	if prev != nil {
		for i := range prev.Indicators {
			prevByID[prev.Indicators[i].ID] = &prev.Indicators[i]
		}
	}
	var out []Warning
	add := func(code string, in *dataset.Indicator, path, key string, args ...any) {
		p := said(key, args...)
		p.Path = path
		p.Where, p.WhereEn = where(path)
		out = append(out, Warning{Problem: p, Code: code, ID: in.ID})
	}
	for i := range next.Indicators {
		in := &next.Indicators[i]
		p := fmt.Sprintf("indicators[%d]", i)
		if in.Change != nil {
			if c := in.Change.Float(); c > MaxPlausibleChange || c < MinPlausibleChange {
				add(WarnChange, in, p+".change", "submission.warn.change", in.Name, signed(in.Change), MinPlausibleChange, MaxPlausibleChange)
			}
		}
		old := prevByID[in.ID]
		if old == nil || in.Value == nil || old.Value == nil {
			continue
		}
		if old.Unit != in.Unit {
			add(WarnUnit, in, p+".unit", "submission.warn.unit", in.Name, prev.Meta.Period, old.Unit, in.Unit)
			continue
		}
		if far(old.Value.Float(), in.Value.Float()) {
			add(WarnJump, in, p+".value", "submission.warn.jump", in.Name, in.Value, in.Unit, prev.Meta.Period, old.Value, old.Unit)
		}
	}
	return append(out, same(prev, next, where)...)
}

// same warns when the figures or the narrative are exactly the previous
// period's: most likely a template sent back without being updated.
func same(prev, next *dataset.Dataset, where func(string) (string, string)) []Warning {
	if prev == nil {
		return nil
	}
	var out []Warning
	w := func(path, key string, args ...any) {
		p := said(key, args...)
		p.Path = path
		p.Where, p.WhereEn = where(path)
		out = append(out, Warning{Problem: p, Code: WarnSame})
	}
	prevByID := map[string]*dataset.Indicator{}
	for i := range prev.Indicators {
		prevByID[prev.Indicators[i].ID] = &prev.Indicators[i]
	}
	matched, equal := 0, 0
	for i := range next.Indicators {
		in := &next.Indicators[i]
		if old := prevByID[in.ID]; old != nil {
			matched++
			if numText(old.Value) == numText(in.Value) && numText(old.Change) == numText(in.Change) {
				equal++
			}
		}
	}
	if matched > 0 && equal == len(next.Indicators) {
		w("indicators", "submission.warn.sameFigures", prev.Meta.Period)
	}
	if len(next.Sections) > 0 && reflect.DeepEqual(prev.Sections, next.Sections) {
		w("sections", "submission.warn.sameNarrative", prev.Meta.Period)
	}
	return out
}

func numText(n *dataset.Number) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// far: the values differ in sign, or one is more than MaxPlausibleRatio
// times the other (zero against non-zero counts as far).
func far(old, next float64) bool {
	if old == next {
		return false
	}
	if old == 0 || next == 0 || (old < 0) != (next < 0) {
		return true
	}
	r := math.Abs(next / old)
	return r > MaxPlausibleRatio || r < 1/MaxPlausibleRatio
}

func signed(n *dataset.Number) string {
	if s := n.String(); len(s) > 0 && s[0] != '-' {
		return "+" + s
	}
	return n.String()
}
