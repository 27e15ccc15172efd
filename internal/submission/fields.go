package submission

import (
	"reflect"
	"slices"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
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

// Sheet names of the template.
const (
	sheetInstructions   = "说明"
	sheetInstructionsEn = "Instructions"
	sheetMeta           = "基本信息"
	sheetMetaEn         = "Basic information"
)

// labels name the known fields, Chinese and English. A field ending in En
// without its own entry is named after its Chinese twin: "名称（英文）".
var labels = map[string][2]string{
	"id":                 {"编号", "ID"},
	"name":               {"名称", "Name"},
	"value":              {"数值", "Value"},
	"unit":               {"单位", "Unit"},
	"change":             {"同比增减（%）", "Change y/y (%)"},
	"target":             {"目标", "Target"},
	"basis":              {"时期口径", "Period covered"},
	"estimated":          {"是否估计值", "Estimated"},
	"preliminary":        {"是否初步核算数", "Preliminary"},
	"key":                {"是否重点指标", "Key figure"},
	"milestone":          {"里程碑", "Milestone"},
	"targetBound":        {"目标表述（以上、以内）", "Target reads as (at least, at most)"},
	"group":              {"指标类别", "Group"},
	"notes.text":         {"编者注", "Editor's note"},
	"kind":               {"类型", "Kind"},
	"label":              {"标签", "Label"},
	"title":              {"标题", "Title"},
	"subtitle":           {"副标题", "Subtitle"},
	"summary":            {"概述（思路）", "Summary"},
	"items":              {"条目（每行一条）", "Items (one per row)"},
	"investment":         {"投资额", "Investment"},
	"status":             {"状态", "Status"},
	"note":               {"备注", "Note"},
	"asset":              {"图片文件", "Image file"},
	"caption":            {"图片说明", "Caption"},
	"credit":             {"来源署名", "Credit"},
	"countyCode":         {"行政区划代码", "Division code"},
	"countyName":         {"县（市、区）名称", "County"},
	"city":               {"所属市", "City"},
	"period":             {"报送期次", "Period"},
	"referencePeriod":    {"数据所属时期", "Period the figures cover"},
	"targetPeriod":       {"目标所属时期", "Period the targets are for"},
	"issuer":             {"发布单位", "Issuer"},
	"language":           {"语言", "Language"},
	"lead":               {"导语（每行一段）", "Lead (one paragraph per row)"},
	"event.name":         {"会议或活动", "Event"},
	"event.date":         {"会议日期", "Event date"},
	"source.publication": {"资料来源", "Source"},
	"source.date":        {"来源日期", "Source date"},
	"source.headline":    {"来源标题", "Source headline"},
	"source.authors":     {"作者（每行一位）", "Authors (one per row)"},
	"source.url":         {"来源链接", "Source URL"},
	"translation.by":     {"译者", "Translated by"},
	"translation.note":   {"译文说明", "Translation note"},
}

func labelOf(key string) (zh, en string) {
	if l, ok := labels[key]; ok {
		return l[0], l[1]
	}
	if base, ok := strings.CutSuffix(key, "En"); ok && base != "" {
		if l, ok := labels[base]; ok {
			return l[0] + "（英文）", l[1] + " (English)"
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
