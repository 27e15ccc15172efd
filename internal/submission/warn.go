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
	return append(out, same(prev, next, where)...)
}

// same warns when the figures or the narrative are exactly the previous
// period's: most likely a template sent back without being updated.
func same(prev, next *dataset.Dataset, where func(string) (string, string)) []Warning {
	if prev == nil {
		return nil
	}
	var out []Warning
	w := func(path, msg, msgEn string) {
		zh, en := where(path)
		out = append(out, Warning{Problem: Problem{Path: path, Where: zh, WhereEn: en, Msg: msg, MsgEn: msgEn}, Code: WarnSame})
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
		w("indicators", fmt.Sprintf("全部指标的数值和同比都与上期（%s）相同：是否忘了更新？请核实并说明", prev.Meta.Period),
			fmt.Sprintf("every figure is the same as in the previous period (%s): were they updated? Check and explain", prev.Meta.Period))
	}
	if len(next.Sections) > 0 && reflect.DeepEqual(prev.Sections, next.Sections) {
		w("sections", fmt.Sprintf("文字部分与上期（%s）完全相同：是否忘了更新？请核实并说明", prev.Meta.Period),
			fmt.Sprintf("the narrative is exactly that of the previous period (%s): was it updated? Check and explain", prev.Meta.Period))
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
