package portal

import (
	"regexp"
	"strconv"

	"github.com/countyreport/countyreport/internal/submission"
)

// The web form's problems come back from validation by dataset field path
// ("indicators[1].value", counted from 0). formProblems says them as the
// page labels them ("指标第2行「地区生产总值」的数值：应为数字…"), links each
// to its input, and marks that input invalid.

// formProblem is one message on the form, with the id of the input it is
// about ("" when it is about no one input).
type formProblem struct{ Text, Field string }

var formPathRE = regexp.MustCompile(`^(indicators|sections)\[(\d+)\](?:\.([A-Za-z]+))?`)

// formFieldKeys name a dataset field by the form's own label.
var formFieldKeys = map[string]string{
	"id": "data.col.id", "name": "field.name", "nameEn": "field.nameEn", "value": "field.value", "unit": "field.unit",
	"change": "field.change", "basis": "field.basis",
	"kind": "data.col.kind", "label": "data.col.label", "title": "field.title", "summary": "data.col.summary", "items": "data.col.items",
}

// formInputs are the fields the form has an input for, by list.
var formInputs = map[string]map[string]bool{
	"indicators": {"id": true, "name": true, "value": true, "unit": true, "change": true, "basis": true},
	"sections":   {"kind": true, "label": true, "title": true, "summary": true, "items": true},
}

// locate turns ps into the form's messages and marks the inputs they name.
func (v *formView) locate(ps submission.Problems, lang string) {
	v.Problems = make([]formProblem, 0, len(ps))
	for _, p := range ps {
		v.Problems = append(v.Problems, v.locateOne(p, lang))
	}
}

func (v *formView) locateOne(p submission.Problem, lang string) formProblem {
	msg := pick(lang, p.Msg, p.MsgEn)
	if p.Path == "meta.title" {
		v.BadTitle = true
		return formProblem{Text: tr(lang, "field.title") + colon(lang) + msg, Field: "title"}
	}
	switch p.Path {
	case "indicators":
		return formProblem{Text: tr(lang, "data.indicators") + colon(lang) + msg}
	case "sections":
		return formProblem{Text: tr(lang, "data.section") + colon(lang) + msg, Field: "sec-0-kind"}
	}
	m := formPathRE.FindStringSubmatch(p.Path)
	if m == nil {
		return formProblem{Text: problemText(p, lang)}
	}
	i, _ := strconv.Atoi(m[2])
	list, field := m[1], m[3]
	var where, prefix string
	switch {
	case list == "indicators" && i < len(v.Indicators):
		in := &v.Indicators[i]
		where, prefix = tr(lang, "data.form.row", i+1)+quoted(lang, pick(lang, in.Name, firstNonEmpty(in.NameEn, in.Name))), "ind-"
		in.Bad = mark(in.Bad, field)
	case list == "sections" && i < len(v.Sections):
		s := &v.Sections[i]
		where, prefix = tr(lang, "data.form.sec", i+1)+quoted(lang, s.Title), "sec-"
		s.Bad = mark(s.Bad, field)
	default:
		return formProblem{Text: problemText(p, lang)}
	}
	out := formProblem{Text: where + colon(lang) + msg}
	if key, ok := formFieldKeys[field]; ok {
		out.Text = where + pick(lang, "的", ", ") + tr(lang, key) + colon(lang) + msg
	}
	if formInputs[list][field] {
		out.Field = prefix + strconv.Itoa(i) + "-" + field
	}
	return out
}

func mark(bad map[string]bool, field string) map[string]bool {
	if field == "" {
		return bad
	}
	if bad == nil {
		bad = map[string]bool{}
	}
	bad[field] = true
	return bad
}

// quoted is a name as each language sets one off: 「地区生产总值」, " (GDP)".
func quoted(lang, name string) string {
	switch {
	case name == "":
		return ""
	case lang == "en":
		return " (" + name + ")"
	}
	return "「" + name + "」"
}

func colon(lang string) string { return pick(lang, "：", ": ") }

// formWhere is a dataset path where the web form shows it, for the
// preview's 位置 column: "指标第2行 · 数值" for indicators[1].value; the
// path itself for what the form does not show.
func formWhere(path, lang string) string {
	if path == "meta.title" {
		return tr(lang, "field.title")
	}
	m := formPathRE.FindStringSubmatch(path)
	if m == nil {
		return path
	}
	i, _ := strconv.Atoi(m[2])
	where := tr(lang, "data.form.row", i+1)
	if m[1] == "sections" {
		where = tr(lang, "data.form.sec", i+1)
	}
	if key, ok := formFieldKeys[m[3]]; ok {
		where += " · " + tr(lang, key)
	}
	return where
}
