// Package dataset is the model of what a county hands in for one period: the
// figures (indicators), the narrative (review, plan and note sections), the
// projects and the photos, with where it all came from.
//
// One schema serves JSON and YAML (schema.json, published as
// config/schema/dataset.schema.json). [Parse] reads either format, keeps every
// figure with the precision it was written with (7.0 stays "7.0"), and refuses
// a dataset with an [Errors] value listing every problem with its path, e.g.
//
//	indicators[3].unit: 不能为空 / required
//
// Fields other packages rely on: d.Meta.CountyCode (six-digit administrative
// code), d.Meta.CountyName, d.Meta.Period ("YYYY-MM"), d.Meta.Title, and
// [Dataset.Normalized] (canonical JSON, the form stored and hashed).
package dataset

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Dataset is one county's data for one period.
type Dataset struct {
	Meta       Meta        `json:"meta"`
	Indicators []Indicator `json:"indicators"`
	Sections   []Section   `json:"sections"`
	Projects   []Project   `json:"projects,omitempty"`
	Photos     []Photo     `json:"photos,omitempty"`
}

// Meta says whose report this is, for when, and where its content came from.
//
// Two periods are kept apart: Period is the report's (the month it is filed
// for, "2023-01"), ReferencePeriod the figures' (what they measure: "2022"
// for a January report carrying the past year's results). TargetPeriod is
// what the targets are for ("2023"). Source is who published the text; Issuer
// is set only when a body actually issued the report (a report compiled from
// a newspaper has a Source and no Issuer, and says so).
//
// Every text field may carry its English form beside it (titleEn, leadEn,
// …); the English edition uses those and marks the Chinese original where
// none is given. Translation says who translated them.
type Meta struct {
	CountyCode      string       `json:"countyCode"`             // six-digit administrative division code, e.g. "430423"
	CountyName      string       `json:"countyName"`             // Chinese name, e.g. "衡山县"
	CountyNameEn    string       `json:"countyNameEn,omitempty"` // English name, e.g. "Hengshan County"
	City            string       `json:"city,omitempty"`         // e.g. "衡阳市"
	CityEn          string       `json:"cityEn,omitempty"`
	Period          string       `json:"period"`                    // the report's period, "YYYY-MM"
	ReferencePeriod string       `json:"referencePeriod,omitempty"` // the figures' period: "YYYY", "YYYY-MM" or "YYYY-Qn"; default Period
	TargetPeriod    string       `json:"targetPeriod,omitempty"`    // the targets' period, same forms
	Title           string       `json:"title"`
	TitleEn         string       `json:"titleEn,omitempty"`
	Subtitle        string       `json:"subtitle,omitempty"`
	SubtitleEn      string       `json:"subtitleEn,omitempty"`
	Issuer          string       `json:"issuer,omitempty"` // the body that issued the report; only when one did
	IssuerEn        string       `json:"issuerEn,omitempty"`
	Language        string       `json:"language,omitempty"`
	Lead            []string     `json:"lead,omitempty"` // introductory paragraphs (the source's own, when it has them)
	LeadEn          []string     `json:"leadEn,omitempty"`
	Event           *Event       `json:"event,omitempty"`
	Source          *Source      `json:"source,omitempty"`
	Translation     *Translation `json:"translation,omitempty"`
}

// Translation says who made the English forms (…En fields) and how to read them.
type Translation struct {
	By     string `json:"by"`               // e.g. "countyreport contributors"
	Note   string `json:"note,omitempty"`   // Chinese, e.g. "英文为译文，以中文原文为准。"
	NoteEn string `json:"noteEn,omitempty"` // e.g. "Unofficial translation; the Chinese text prevails."
}

// Event is the meeting or occasion the report is about.
type Event struct {
	Name   string `json:"name"`
	NameEn string `json:"nameEn,omitempty"`
	Date   string `json:"date,omitempty"` // YYYY-MM-DD
}

// Source is the publication the content was taken from.
type Source struct {
	Publication   string   `json:"publication"`
	PublicationEn string   `json:"publicationEn,omitempty"`
	Date          string   `json:"date,omitempty"` // YYYY-MM-DD
	Headline      string   `json:"headline,omitempty"`
	HeadlineEn    string   `json:"headlineEn,omitempty"`
	Authors       []string `json:"authors,omitempty"` // as credited, e.g. "通讯员 夏建军"
	AuthorsEn     []string `json:"authorsEn,omitempty"`
	URL           string   `json:"url,omitempty"`
}

// Indicator is one figure. Value and Change are each optional but not both absent.
type Indicator struct {
	ID     string  `json:"id"`               // stable across months and counties: [a-z][a-z0-9_]*
	Name   string  `json:"name"`             // Chinese name
	NameEn string  `json:"nameEn,omitempty"` // English name for the English edition
	Value  *Number `json:"value,omitempty"`
	Unit   string  `json:"unit,omitempty"`   // required with Value or Target, e.g. "亿元", "%", "个"
	UnitEn string  `json:"unitEn,omitempty"` // default: the built-in English of Unit (UnitEnglish)
	Change *Number `json:"change,omitempty"` // year-on-year change in percent
	Target *Number `json:"target,omitempty"` // for Meta.TargetPeriod, in Unit
	// TargetBound says how the target reads: "" (exactly), "min" (以上, at
	// least) or "max" (以内, at most).
	TargetBound string  `json:"targetBound,omitempty"`
	Basis       string  `json:"basis,omitempty"` // what period the figure covers when not Meta.ReferencePeriod, e.g. "前三季度"
	BasisEn     string  `json:"basisEn,omitempty"`
	Estimated   bool    `json:"estimated,omitempty"`   // 预计: an estimate made before the year's figures were counted
	Preliminary bool    `json:"preliminary,omitempty"` // 初步核算: a preliminary figure, to be revised (not with Estimated)
	Milestone   string  `json:"milestone,omitempty"`   // e.g. "首破10亿元大关"
	MilestoneEn string  `json:"milestoneEn,omitempty"`
	Group       string  `json:"group,omitempty"`   // what it measures, for charts that compare like with like: "economy", "income", "society", …
	Key         bool    `json:"key,omitempty"`     // shown as a card on the indicators page
	History     []Point `json:"history,omitempty"` // earlier periods, for trend lines
}

// Point is an indicator's value in an earlier period.
type Point struct {
	Period string  `json:"period"`
	Value  *Number `json:"value,omitempty"`
	Change *Number `json:"change,omitempty"`
}

// Section kinds.
const (
	KindReview = "review"
	KindPlan   = "plan"
	KindNote   = "note"
)

// Section is a block of narrative. For plans, Summary is the 思路 and Items the 任务.
// Notes are the editor's (a slip in the source, a missing title): the text
// itself stays as published.
type Section struct {
	Kind      string   `json:"kind"`
	Label     string   `json:"label,omitempty"` // e.g. "动能一", "大事三"
	LabelEn   string   `json:"labelEn,omitempty"`
	Title     string   `json:"title,omitempty"`
	TitleEn   string   `json:"titleEn,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	SummaryEn string   `json:"summaryEn,omitempty"`
	Items     []string `json:"items,omitempty"`
	ItemsEn   []string `json:"itemsEn,omitempty"` // one per item, in order
	Notes     []Note   `json:"notes,omitempty"`
}

// Note is an editorial note.
type Note struct {
	Text   string `json:"text"`
	TextEn string `json:"textEn,omitempty"`
}

// Project is a named project with its investment and status.
type Project struct {
	Name       string  `json:"name"`
	NameEn     string  `json:"nameEn,omitempty"`
	Investment *Number `json:"investment,omitempty"`
	Unit       string  `json:"unit,omitempty"` // unit of Investment, e.g. "亿元"
	UnitEn     string  `json:"unitEn,omitempty"`
	Status     string  `json:"status,omitempty"`
	StatusEn   string  `json:"statusEn,omitempty"`
	Note       string  `json:"note,omitempty"`
	NoteEn     string  `json:"noteEn,omitempty"`
}

// Photo is a picture with its caption and credit. Asset is a relative path
// (or an assets/<sha256>.<ext> key); it may be empty when only the caption is known.
type Photo struct {
	Asset     string `json:"asset,omitempty"`
	Caption   string `json:"caption"`
	CaptionEn string `json:"captionEn,omitempty"`
	Credit    string `json:"credit,omitempty"`
	CreditEn  string `json:"creditEn,omitempty"`
}

// Number is a decimal figure kept exactly as written ("7.0", "54.98", "-10.4").
type Number struct{ lit string }

// NewNumber returns the number with literal s; s must be a JSON number.
func NewNumber(s string) (*Number, bool) {
	if !isJSONNumber(s) {
		return nil, false
	}
	return &Number{lit: s}, true
}

// String is the literal as written.
func (n *Number) String() string { return n.lit }

// Float is the value as a float64.
func (n *Number) Float() float64 { f, _ := strconv.ParseFloat(n.lit, 64); return f }

// MarshalJSON writes the literal unchanged.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(n.lit), nil }

// Decimals is how many digits follow the decimal point.
func (n *Number) Decimals() int {
	s := n.lit
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func finite(lit string) bool {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	// Reject literals whose magnitude overflows float64 even when ParseFloat rounds.
	_, ok := new(big.Float).SetString(lit)
	return ok
}

func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}
