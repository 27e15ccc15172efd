package submission

import (
	"reflect"
	"slices"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
)

// The spreadsheet's columns and rows are read off the dataset model by
// reflection, so a field the model gains (an …En form, a reference period)
// appears in the template and is read back without a change here; labels
// below only make the known ones readable.

type fieldKind int

const (
	kindText   fieldKind = iota // string
	kindNumber                  // *dataset.Number
	kindBool                    // bool
	kindList                    // []string: one row per item
)

// field is one column (or, on the meta sheet, one row) of the template.
type field struct {
	key  string // JSON name, "event.name" for nested meta fields, "notes.text" for a field of a list of objects
	kind fieldKind
	// group names the list of objects the field belongs to ("notes"); its
	// entries take one row each, like a []string's.
	group string
}

// repeats: the field takes one row per entry (a []string, or a field of a
// list of objects).
func (f field) repeats() bool { return f.kind == kindList || f.group != "" }

var numberPtr = reflect.TypeOf((*dataset.Number)(nil))

func jsonKey(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return tag
}

// fieldsOf lists the scalar and string-list fields of struct type t in
// declaration order; with nested, pointer-to-struct fields are flattened
// ("event.name"). Other fields (history, nested lists of structs) are not
// columns: what the spreadsheet cannot hold is carried over (see carry).
//
// On the list sheets (nested false), a list of objects (a section's notes)
// becomes one column per scalar field of the object ("notes.text"), one
// entry a row; the fields named in skip are left out.
func fieldsOf(t reflect.Type, prefix string, nested bool, skip ...string) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		k := jsonKey(sf)
		if k == "" || k == "-" || !sf.IsExported() || slices.Contains(skip, k) {
			continue
		}
		switch st := sf.Type; {
		case st == numberPtr:
			out = append(out, field{key: prefix + k, kind: kindNumber})
		case st.Kind() == reflect.String:
			out = append(out, field{key: prefix + k, kind: kindText})
		case st.Kind() == reflect.Bool:
			out = append(out, field{key: prefix + k, kind: kindBool})
		case st.Kind() == reflect.Slice && st.Elem().Kind() == reflect.String:
			out = append(out, field{key: prefix + k, kind: kindList})
		case nested && st.Kind() == reflect.Pointer && st.Elem().Kind() == reflect.Struct:
			out = append(out, fieldsOf(st.Elem(), prefix+k+".", true)...)
		case !nested && st.Kind() == reflect.Slice && st.Elem().Kind() == reflect.Struct:
			for _, sub := range fieldsOf(st.Elem(), "", false) {
				if sub.kind != kindList && sub.group == "" {
					out = append(out, field{key: prefix + k + "." + sub.key, kind: sub.kind, group: prefix + k})
				}
			}
		}
	}
	return out
}

// ordered puts the keys in first (those that exist) ahead, the rest after
// in model order.
func ordered(fs []field, first ...string) []field {
	byKey := map[string]field{}
	for _, f := range fs {
		byKey[f.key] = f
	}
	var out []field
	used := map[string]bool{}
	for _, k := range first {
		if f, ok := byKey[k]; ok {
			out = append(out, f)
			used[k] = true
		}
	}
	for _, f := range fs {
		if !used[f.key] {
			out = append(out, f)
		}
	}
	return out
}

// sheetDef is one data sheet of the template.
type sheetDef struct {
	name, nameEn string // "指标", "Indicators"
	top          string // the dataset's top-level key: "indicators"
	fields       []field
}

var (
	metaFields = fieldsOf(reflect.TypeOf(dataset.Meta{}), "", true)

	// An indicator's history is not a column: it is carried over (see carry).
	indicatorSheet = sheetDef{"指标", "Indicators", "indicators", ordered(fieldsOf(reflect.TypeOf(dataset.Indicator{}), "", false, "history"),
		"id", "name", "value", "unit", "change", "target", "basis", "estimated", "preliminary", "key", "milestone")}
	sectionSheet = sheetDef{"文字", "Sections", "sections", ordered(fieldsOf(reflect.TypeOf(dataset.Section{}), "", false),
		"kind", "label", "title", "summary", "items")}
	projectSheet = sheetDef{"项目", "Projects", "projects", fieldsOf(reflect.TypeOf(dataset.Project{}), "", false)}
	photoSheet   = sheetDef{"图片", "Photos", "photos", fieldsOf(reflect.TypeOf(dataset.Photo{}), "", false)}

	listSheets = []sheetDef{indicatorSheet, sectionSheet, projectSheet, photoSheet}
)

// Sheet names of the template. The reader finds the sheets by these
// names (and reads cells by the words in enums, trueWords and falseWords):
// they are the file's format, not translations, so they stay here rather
// than in the catalogues, where a changed word would stop old templates
// from reading.
const (
	sheetInstructions   = "说明"
	sheetInstructionsEn = "Instructions"
	sheetMeta           = "基本信息"
	sheetMetaEn         = "Basic information"
)

// labelKeys are the catalogue keys of the known fields' names
// (internal/messages). A field ending in En without its own entry is
// named after its Chinese twin: "名称（英文）".
var labelKeys = map[string]string{
	"id":                 "submission.label.id",
	"name":               "submission.label.name",
	"value":              "submission.label.value",
	"unit":               "submission.label.unit",
	"change":             "submission.label.change",
	"target":             "submission.label.target",
	"basis":              "submission.label.basis",
	"estimated":          "submission.label.estimated",
	"preliminary":        "submission.label.preliminary",
	"key":                "submission.label.key",
	"milestone":          "submission.label.milestone",
	"targetBound":        "submission.label.targetBound",
	"group":              "submission.label.group",
	"notes.text":         "submission.label.notes.text",
	"kind":               "submission.label.kind",
	"label":              "submission.label.label",
	"title":              "submission.label.title",
	"subtitle":           "submission.label.subtitle",
	"summary":            "submission.label.summary",
	"items":              "submission.label.items",
	"investment":         "submission.label.investment",
	"status":             "submission.label.status",
	"note":               "submission.label.note",
	"asset":              "submission.label.asset",
	"caption":            "submission.label.caption",
	"credit":             "submission.label.credit",
	"countyCode":         "submission.label.countyCode",
	"countyName":         "submission.label.countyName",
	"city":               "submission.label.city",
	"period":             "submission.label.period",
	"referencePeriod":    "submission.label.referencePeriod",
	"targetPeriod":       "submission.label.targetPeriod",
	"issuer":             "submission.label.issuer",
	"language":           "submission.label.language",
	"lead":               "submission.label.lead",
	"event.name":         "submission.label.event.name",
	"event.date":         "submission.label.event.date",
	"source.publication": "submission.label.source.publication",
	"source.date":        "submission.label.source.date",
	"source.headline":    "submission.label.source.headline",
	"source.authors":     "submission.label.source.authors",
	"source.url":         "submission.label.source.url",
	"translation.by":     "submission.label.translation.by",
	"translation.note":   "submission.label.translation.note",
}

func labelOf(key string) (zh, en string) {
	if k, ok := labelKeys[key]; ok {
		return messages.T(messages.Zh, k), messages.T(messages.En, k)
	}
	if base, ok := strings.CutSuffix(key, "En"); ok && base != "" {
		if k, ok := labelKeys[base]; ok {
			return messages.T(messages.Zh, "submission.label.inEnglish", messages.T(messages.Zh, k)),
				messages.T(messages.En, "submission.label.inEnglish", messages.T(messages.En, k))
		}
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		if zh, en := labelOf(key[i+1:]); zh != key[i+1:] {
			return zh, en
		}
	}
	return key, key
}

// enums are the fields whose cells hold a word from a list; the template
// offers the Chinese words, the reader takes either.
var enums = map[string][][2]string{ // key → {cell word, dataset value}
	"sections.kind":          {{"回顾", dataset.KindReview}, {"计划", dataset.KindPlan}, {"说明", dataset.KindNote}},
	"meta.language":          {{"中文", "zh-CN"}, {"英文", "en"}},
	"indicators.targetBound": {{"以上", "min"}, {"以内", "max"}},
}

func enumWord(key, value string) string {
	for _, e := range enums[key] {
		if e[1] == value {
			return e[0]
		}
	}
	return value
}

func enumValue(key, cell string) string {
	for _, e := range enums[key] {
		if cell == e[0] || strings.EqualFold(cell, e[1]) {
			return e[1]
		}
	}
	return cell
}

// Words for true and false in bool cells (the template offers 是 / 否).
var (
	trueWords  = []string{"是", "true", "yes", "y", "1", "√", "✓"}
	falseWords = []string{"否", "false", "no", "n", "0", "×", "✗"}
)
