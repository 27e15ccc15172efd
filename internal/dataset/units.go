package dataset

import (
	"regexp"
	"strconv"
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
