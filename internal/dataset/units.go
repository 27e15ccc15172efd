package dataset

import (
	"regexp"
	"strconv"
	"strings"
)

// unitsEn are the English forms of the units county figures are given in.
// Counting words (个, 家, 户 …) have no English unit: the figure's name says
// what is counted, so they read as a bare number.
var unitsEn = map[string]string{
	"亿元":  "100 million yuan",
	"万元":  "10,000 yuan",
	"元":   "yuan",
	"万亩":  "10,000 mu",
	"亩":   "mu",
	"万吨":  "10,000 tonnes",
	"吨":   "tonnes",
	"万千瓦": "10,000 kW",
	"万人":  "10,000 people",
	"人":   "people",
	"%":   "%",
	"个":   "", "名": "", "轮": "", "家": "", "户": "", "件": "", "起": "", "台": "", "栋": "", "项": "", "次": "", "所": "", "座": "",
}

// UnitEnglish is the English form of a unit: unitEn when given, else the
// built-in form of a known unit; ok is false for a unit it does not know
// (the English edition then shows the Chinese unit, marked).
func UnitEnglish(unit, unitEn string) (en string, ok bool) {
	if unitEn != "" {
		return unitEn, true
	}
	en, ok = unitsEn[unit]
	return en, ok
}

var refPeriodRE = regexp.MustCompile(`^([0-9]{4})(-(0[1-9]|1[0-2])|-Q[1-4])?$`)

// ValidReferencePeriod reports whether s is a year ("2022"), a month
// ("2022-12") or a quarter ("2022-Q3") from 1949 to 2199.
func ValidReferencePeriod(s string) bool {
	m := refPeriodRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	y, _ := strconv.Atoi(m[1])
	return y >= 1949 && y < 2200
}

// Figures is the period the dataset's figures are for: ReferencePeriod, or
// the report's Period when none is given (datasets from before the field).
func (m *Meta) Figures() string {
	if m.ReferencePeriod != "" {
		return m.ReferencePeriod
	}
	return m.Period
}

// scales are the Chinese units that are a power of ten of a base unit:
// English counts in thousands, millions and billions instead.
var scales = map[string]struct {
	exp  int
	base string
}{
	"亿元": {8, "yuan"}, "万元": {4, "yuan"}, "万亩": {4, "mu"}, "万吨": {4, "tonnes"},
	"万千瓦": {4, "kW"}, "万人": {4, "people"}, "亿": {8, ""}, "万": {4, ""},
}

// EnglishAmount is a figure in a 万 or 亿 unit the English way: 54.98 亿元
// is 5.498 billion yuan, 6.31 亿元 631 million yuan, 50.24 万亩 502400 mu.
// The literal is shifted exactly (no rounding); ok is false for a unit
// without a scale (the figure stays as written, with UnitEnglish).
func EnglishAmount(lit, unit string) (value, unitEn string, ok bool) {
	s, found := scales[unit]
	if !found || !isJSONNumber(lit) || strings.ContainsAny(lit, "eE") {
		return "", "", false
	}
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	intPart, frac, _ := strings.Cut(lit, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	// the number is 0.digits × 10^point
	point := len(strings.TrimLeft(intPart, "0")) + s.exp
	if strings.TrimLeft(intPart, "0") == "" {
		point = s.exp - (len(frac) - len(strings.TrimLeft(frac, "0")))
	}
	word := ""
	switch {
	case point >= 10:
		point, word = point-9, " billion"
	case point >= 7:
		point, word = point-6, " million"
	}
	if digits == "" {
		digits, point = "0", 1
	}
	var out string
	switch {
	case point <= 0:
		out = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		out = digits + strings.Repeat("0", point-len(digits))
	default:
		out = digits[:point] + "." + digits[point:]
	}
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	if neg {
		out = "-" + out
	}
	unitEn = strings.TrimSpace(word + " " + s.base)
	return out, unitEn, true
}

// BasisOf is what period in's figure covers, for showing beside it: its
// own basis when it has one (basisEn in English), else the dataset's
// reference period ("2022年" / "2022"); "" for a dataset with neither.
func (d *Dataset) BasisOf(in *Indicator, lang string) string {
	en := lang == "en"
	switch {
	case en && in.BasisEn != "":
		return in.BasisEn
	case in.Basis != "":
		return in.Basis
	case d.Meta.ReferencePeriod == "":
		return ""
	}
	p := d.Meta.ReferencePeriod
	if en {
		return p
	}
	switch {
	case len(p) == 4:
		return p + "年"
	case p[5] == 'Q':
		return p[:4] + "年第" + p[6:] + "季度"
	default:
		return p[:4] + "年" + strings.TrimPrefix(p[5:], "0") + "月"
	}
}

// EnglishScale is the one scale a column or chart of figures in unit (a
// 万 or 亿 unit) takes in English, its largest value being largest: how
// many places to move the decimal point (ShiftDecimal) and the English
// unit. 亿元 figures of 10 and more read in billions of yuan, smaller ones
// in millions; ok is false for a unit without a scale.
func EnglishScale(unit string, largest float64) (shift int, unitEn string, ok bool) {
	s, found := scales[unit]
	if !found || s.base == "" {
		return 0, "", false
	}
	e := s.exp
	for v := largest; v >= 10; v /= 10 {
		e++
	}
	switch {
	case e >= 9:
		return s.exp - 9, "billion " + s.base, true
	case e >= 6:
		return s.exp - 6, "million " + s.base, true
	}
	return s.exp, s.base, true
}

// ShiftDecimal moves the decimal point of the decimal literal lit by k
// places (k > 0 multiplies), exactly: "445.25", -1 → "44.525".
func ShiftDecimal(lit string, k int) string {
	if k == 0 || lit == "" {
		return lit
	}
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	in, frac, _ := strings.Cut(lit, ".")
	digits := in + frac
	point := len(in) + k
	switch {
	case point <= 0:
		digits = strings.Repeat("0", 1-point) + digits
		point = 1
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	out := strings.TrimLeft(digits[:point], "0")
	if out == "" {
		out = "0"
	}
	if f := strings.TrimRight(digits[point:], "0"); f != "" {
		out += "." + f
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}
