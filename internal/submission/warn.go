package submission

import (
	"fmt"
	"math"

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
	add := func(code string, in *dataset.Indicator, path, msg, msgEn string) {
		zh, en := where(path)
		out = append(out, Warning{Problem: Problem{Path: path, Where: zh, WhereEn: en, Msg: msg, MsgEn: msgEn}, Code: code, ID: in.ID})
	}
	for i := range next.Indicators {
		in := &next.Indicators[i]
		p := fmt.Sprintf("indicators[%d]", i)
		if in.Change != nil {
			if c := in.Change.Float(); c > MaxPlausibleChange || c < MinPlausibleChange {
				add(WarnChange, in, p+".change",
					fmt.Sprintf("“%s”同比 %s%%，超出常见范围（%g%% 至 +%g%%）：请核实，并在填写说明中解释", in.Name, signed(in.Change), MinPlausibleChange, MaxPlausibleChange),
					fmt.Sprintf("%q changes %s%% year on year, outside the usual range (%g%% to +%g%%): check it and explain it", in.Name, signed(in.Change), MinPlausibleChange, MaxPlausibleChange))
			}
		}
		old := prevByID[in.ID]
		if old == nil || in.Value == nil || old.Value == nil {
			continue
		}
		if old.Unit != in.Unit {
			add(WarnUnit, in, p+".unit",
				fmt.Sprintf("“%s”的单位由上期（%s）的“%s”改为“%s”：请核实", in.Name, prev.Meta.Period, old.Unit, in.Unit),
				fmt.Sprintf("the unit of %q changes from %q (%s) to %q: check it", in.Name, old.Unit, prev.Meta.Period, in.Unit))
			continue
		}
		if far(old.Value.Float(), in.Value.Float()) {
			add(WarnJump, in, p+".value",
				fmt.Sprintf("“%s”为 %s%s，与上期（%s）的 %s%s 相差过大：请核实，并在填写说明中解释", in.Name, in.Value, in.Unit, prev.Meta.Period, old.Value, old.Unit),
				fmt.Sprintf("%q is %s %s, far from the previous period's %s %s (%s): check it and explain it", in.Name, in.Value, in.Unit, old.Value, old.Unit, prev.Meta.Period))
		}
	}
	return out
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
