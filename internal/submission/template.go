package submission

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
)

// TemplateInput is what a county's template for one period is made from.
type TemplateInput struct {
	CountyCode   string // "430423"
	CountyName   string // "衡山县"
	CountyNameEn string // "Hengshan County" (optional)
	City         string // the city the county belongs to, "衡阳市" (optional: 所属市)
	CityEn       string // "Hengyang" (optional)
	Period       string // the period to submit, "YYYY-MM"
	// Base prefills the sheets: the period's stored dataset when it has one
	// (a correction), else the latest earlier period's; nil for a blank
	// template.
	Base *dataset.Dataset
}

// extraRows are the empty, validated rows below the prefilled ones.
const extraRows = 200

// Template writes the Excel workbook staff fill in for one period: an
// instructions sheet (说明), the basic information (基本信息), the
// indicators (指标), the narrative sections (文字), projects (项目) and
// photos (图片), prefilled from in.Base, with number cells validated. The
// same input always gives the same bytes (fixed document times).
func Template(in TemplateInput) ([]byte, error) {
	if !dataset.ValidPeriod(in.Period) {
		return nil, fmt.Errorf("submission: template for period %q: want YYYY-MM", in.Period)
	}
	base, err := baseTree(in.Base)
	if err != nil {
		return nil, err
	}
	t := &tmpl{f: excelize.NewFile(), in: in, styles: map[string]int{}}
	defer t.f.Close()
	steps := []func() error{
		t.instructions,
		func() error { return t.meta(base) },
	}
	for _, s := range listSheets {
		items, _ := base[s.top].([]any)
		steps = append(steps, func() error { return t.list(s, items) })
	}
	steps = append(steps, t.props)
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("submission: template: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := t.f.Write(&buf); err != nil {
		return nil, fmt.Errorf("submission: template: %w", err)
	}
	return buf.Bytes(), nil
}

// pairOf is key's text in Chinese and in English, for the template's
// rows and columns that carry both.
func pairOf(key string, args ...any) [2]string {
	return [2]string{messages.T(messages.Zh, key, args...), messages.T(messages.En, key, args...)}
}

// TemplateName is the download name: "衡山县-2023-02-数据报送模板.xlsx".
func TemplateName(countyName, period string) string {
	return countyName + "-" + period + "-数据报送模板.xlsx"
}

// TemplateNameASCII is the plain-ASCII download name for old clients:
// "countyreport-430423-2023-02.xlsx".
func TemplateNameASCII(countyCode, period string) string {
	return "countyreport-" + countyCode + "-" + period + ".xlsx"
}

// baseTree is the base dataset as generic JSON (numbers as json.Number), so
// the sheets read its fields by the same keys the reader writes.
func baseTree(ds *dataset.Dataset) (map[string]any, error) {
	if ds == nil {
		return map[string]any{}, nil
	}
	raw, err := ds.Normalized()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

type tmpl struct {
	f      *excelize.File
	in     TemplateInput
	styles map[string]int
}

func (t *tmpl) style(name string) (int, error) {
	if id, ok := t.styles[name]; ok {
		return id, nil
	}
	var st excelize.Style
	switch {
	case name == "title":
		st = excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}
	case name == "header":
		st = excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}}
	case name == "key":
		st = excelize.Style{Font: &excelize.Font{Italic: true, Size: 9, Color: "808080"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}}
	case name == "wrap":
		st = excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}
	case name == "text":
		st = excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top"}} // "@": typed digits stay text
	case strings.HasPrefix(name, "num"):
		d, _ := strconv.Atoi(strings.TrimPrefix(name, "num"))
		code := "General"
		if d > 0 {
			code = "0." + strings.Repeat("0", d)
		} else if d == 0 {
			code = "0"
		}
		st = excelize.Style{CustomNumFmt: &code, Alignment: &excelize.Alignment{Vertical: "top"}}
	}
	id, err := t.f.NewStyle(&st)
	t.styles[name] = id
	return id, err
}

func (t *tmpl) set(sheet string, col, row int, v string, style string) error {
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	if err := t.f.SetCellStr(sheet, ref, v); err != nil {
		return err
	}
	return t.styleCell(sheet, ref, style)
}

func (t *tmpl) styleCell(sheet, ref, style string) error {
	if style == "" {
		return nil
	}
	id, err := t.style(style)
	if err != nil {
		return err
	}
	return t.f.SetCellStyle(sheet, ref, ref, id)
}

func (t *tmpl) instructions() error {
	const s = sheetInstructions
	if err := t.f.SetSheetName("Sheet1", s); err != nil {
		return err
	}
	in := t.in
	y, m := in.Period[:4], strings.TrimPrefix(in.Period[5:], "0")
	name := in.CountyName
	nameEn := in.CountyNameEn
	if nameEn == "" {
		nameEn = in.CountyCode
	}
	prefill := pairOf("submission.template.blank")
	if in.Base != nil {
		prefill = pairOf("submission.template.prefilled", in.Base.Meta.Period)
	}
	lines := [][2]string{
		pairOf("submission.template.heading", messages.Words{Zh: name, En: nameEn}, y, messages.Words{Zh: m, En: in.Period[5:]}),
		pairOf("submission.template.identity", in.CountyCode, in.Period),
		prefill,
		{"", ""},
		pairOf("submission.template.howTo"),
		pairOf("submission.template.rule.headers"),
		pairOf("submission.template.rule.meta"),
		pairOf("submission.template.rule.indicators"),
		pairOf("submission.template.rule.change"),
		pairOf("submission.template.rule.numbers"),
		pairOf("submission.template.rule.sections"),
		pairOf("submission.template.rule.formulas"),
		pairOf("submission.template.rule.preview"),
		pairOf("submission.template.rule.size"),
		{"", ""},
	}
	lines = append(lines, uploadRules...)
	for i, l := range lines {
		style := ""
		if i == 0 || i == 4 || i == 15 { // the title, 填写说明, the rules
			style = "title"
		}
		if err := t.set(s, 1, 2*i+1, l[0], style); err != nil {
			return err
		}
		if i > 15 {
			style = "wrap"
		}
		if err := t.set(s, 1, 2*i+2, l[1], style); err != nil {
			return err
		}
	}
	return t.f.SetColWidth(s, "A", "A", 120)
}

// metaValues lists the rows of the meta sheet: every meta field once (list
// fields once per entry, at least once), valued from base.
func (t *tmpl) meta(base map[string]any) error {
	const s = sheetMeta
	if _, err := t.f.NewSheet(s); err != nil {
		return err
	}
	item, field, value := pairOf("submission.template.metaItem"), pairOf("submission.template.metaField"), pairOf("submission.template.metaValue")
	for c, h := range [][2]string{{item[0], ""}, {item[1], ""}, field, value} {
		zh, en := h[0], h[1]
		if err := t.set(s, c+1, 1, zh, "header"); err != nil {
			return err
		}
		if err := t.set(s, c+1, 2, en, "header"); err != nil {
			return err
		}
	}
	m, _ := base["meta"].(map[string]any)
	if t.in.Base != nil && t.in.Base.Meta.Period != t.in.Period {
		m = withoutPeriodSpecific(m)
	}
	r := metaHeaderRows + 1
	for _, f := range metaFields {
		vals := metaValue(m, f.key, f.kind)
		switch f.key {
		case "countyCode":
			vals = []string{t.in.CountyCode}
		case "period":
			vals = []string{t.in.Period}
		case "countyName":
			if len(vals) == 0 || vals[0] == "" {
				vals = []string{t.in.CountyName}
			}
		case "countyNameEn":
			if (len(vals) == 0 || vals[0] == "") && t.in.CountyNameEn != "" {
				vals = []string{t.in.CountyNameEn}
			}
		case "city": // known from the portal's configuration: never left for staff to type
			if (len(vals) == 0 || vals[0] == "") && t.in.City != "" {
				vals = []string{t.in.City}
			}
		case "cityEn":
			if (len(vals) == 0 || vals[0] == "") && t.in.CityEn != "" {
				vals = []string{t.in.CityEn}
			}
		}
		if len(vals) == 0 {
			vals = []string{""}
		}
		zh, en := labelOf(f.key)
		for _, v := range vals {
			for _, cell := range []struct {
				col         int
				text, style string
			}{{metaColLabel, zh, ""}, {metaColLabelEn, en, ""}, {metaColField, f.key, "key"}} {
				if err := t.set(s, cell.col, r, cell.text, cell.style); err != nil {
					return err
				}
			}
			if err := t.set(s, metaColValue, r, enumWord("meta."+f.key, v), "wrap"); err != nil {
				return err
			}
			if err := t.validate(s, "meta."+f.key, f.kind, metaColValue, r, r); err != nil {
				return err
			}
			r++
		}
	}
	for col, w := range map[string]float64{"A": 22, "B": 26, "C": 18, "D": 90} {
		if err := t.f.SetColWidth(s, col, col, w); err != nil {
			return err
		}
	}
	return t.freeze(s, metaHeaderRows, 0)
}

// periodSpecific are the meta fields that belong to one period's report
// (its occasion, its source, what its figures cover): a template for a new
// period leaves them blank rather than carry last month's forward.
var periodSpecific = []string{"subtitle", "lead", "event", "source", "referencePeriod"}

func withoutPeriodSpecific(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if !slices.Contains(periodSpecific, strings.TrimSuffix(k, "En")) {
			out[k] = v
		}
	}
	return out
}

// metaValue reads "a.b" from the generic meta object.
func metaValue(m map[string]any, key string, kind fieldKind) []string {
	var v any = m
	for _, k := range strings.Split(key, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return scalarTexts(v, kind)
}

func scalarTexts(v any, kind fieldKind) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case json.Number:
		return []string{x.String()}
	case bool:
		if x {
			return []string{"是"}
		}
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, scalarTexts(e, kind)...)
		}
		return out
	}
	return nil
}

// freeze keeps the header rows (and, with cols, the first columns: an
// indicator's id and name) in view while scrolling.
func (t *tmpl) freeze(sheet string, rows, cols int) error {
	pane, topLeft := "bottomLeft", fmt.Sprintf("A%d", rows+1)
	if cols > 0 {
		name, err := excelize.ColumnNumberToName(cols + 1)
		if err != nil {
			return err
		}
		pane, topLeft = "bottomRight", fmt.Sprintf("%s%d", name, rows+1)
	}
	return t.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: topLeft, ActivePane: pane})
}

// list writes one list sheet: headers, the field keys, base's items, and
// validation over those and extraRows more rows.
func (t *tmpl) list(s sheetDef, items []any) error {
	if _, err := t.f.NewSheet(s.name); err != nil {
		return err
	}
	for c, f := range s.fields {
		zh, en := labelOf(f.key)
		for r, text := range []string{zh, en, f.key} {
			style := "header"
			if r == 2 {
				style = "key"
			}
			if err := t.set(s.name, c+1, r+1, text, style); err != nil {
				return err
			}
		}
		name, _ := excelize.ColumnNumberToName(c + 1)
		if err := t.f.SetColWidth(s.name, name, name, colWidth(f)); err != nil {
			return err
		}
	}
	r := headerRows + 1
	for _, it := range items {
		obj, _ := it.(map[string]any)
		n, err := t.item(s, obj, r)
		if err != nil {
			return err
		}
		r += n
	}
	for c, f := range s.fields {
		if err := t.validate(s.name, s.top+"."+f.key, f.kind, c+1, headerRows+1, r+extraRows); err != nil {
			return err
		}
	}
	cols := 0
	if s.top == indicatorSheet.top {
		cols = 2
	}
	return t.freeze(s.name, headerRows, cols)
}

func colWidth(f field) float64 {
	switch {
	case f.repeats() || strings.HasPrefix(f.key, "summary") || strings.HasPrefix(f.key, "note"):
		return 60
	case f.key == "name" || f.key == "title" || f.key == "caption" || strings.HasPrefix(f.key, "name"):
		return 28
	case f.kind == kindNumber || f.kind == kindBool:
		return 12
	}
	return 16
}

// item writes one item from row r, its lists one entry a row; it returns
// the rows used.
func (t *tmpl) item(s sheetDef, obj map[string]any, r int) (int, error) {
	rows := 1
	for c, f := range s.fields {
		vals := itemTexts(obj, f)
		rows = max(rows, len(vals))
		for i, v := range vals {
			if v == "" {
				continue
			}
			if err := t.value(s.name, s.top+"."+f.key, f.kind, c+1, r+i, v); err != nil {
				return 0, err
			}
		}
	}
	return rows, nil
}

// itemTexts are the texts of field f of one item, one a row: one for a
// scalar, one per entry for a list ("" where an entry of a list of objects
// lacks the field, so that each entry keeps its row).
func itemTexts(obj map[string]any, f field) []string {
	if f.group == "" {
		vals := scalarTexts(obj[f.key], f.kind)
		if f.kind != kindList && len(vals) > 1 {
			vals = vals[:1]
		}
		return vals
	}
	entries, _ := obj[f.group].([]any)
	sub := strings.TrimPrefix(f.key, f.group+".")
	out := make([]string, len(entries))
	for i, e := range entries {
		m, _ := e.(map[string]any)
		if v := scalarTexts(m[sub], f.kind); len(v) > 0 {
			out[i] = v[0]
		}
	}
	return out
}

// value writes one prefilled cell: numbers as numbers in a format with the
// literal's decimals, words of enums as the Chinese word.
func (t *tmpl) value(sheet, key string, kind fieldKind, col, row int, v string) error {
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	if kind == kindNumber {
		if err := t.f.SetCellDefault(sheet, ref, v); err != nil {
			return err
		}
		n, _ := dataset.NewNumber(v)
		d := 0
		if n != nil {
			d = n.Decimals()
		}
		return t.styleCell(sheet, ref, fmt.Sprintf("num%d", d))
	}
	style := "text"
	if kind == kindList || colWidth(field{key: key, kind: kind}) >= 60 {
		style = "wrap"
	}
	if err := t.f.SetCellStr(sheet, ref, enumWord(key, v)); err != nil {
		return err
	}
	return t.styleCell(sheet, ref, style)
}

// validate adds Excel's own checks over rows from..to of one column.
func (t *tmpl) validate(sheet, key string, kind fieldKind, col, from, to int) error {
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return err
	}
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s%d:%s%d", name, from, name, to))
	switch {
	case kind == kindNumber:
		if err := dv.SetRange(-1e15, 1e15, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, messages.Both("submission.template.numberTitle"), messages.Both("submission.template.number"))
		if strings.HasSuffix(key, ".change") {
			dv.SetInput(messages.Both("submission.template.changeTitle"), messages.Both("submission.template.change"))
		}
	case kind == kindBool:
		if err := dv.SetDropList([]string{"是", "否"}); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "是 / 否", messages.Both("submission.template.boolean"))
	case len(enums[key]) > 0:
		var words []string
		for _, e := range enums[key] {
			words = append(words, e[0])
		}
		if err := dv.SetDropList(words); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, messages.Both("submission.template.listTitle"), messages.Both("submission.template.list"))
	default:
		return nil
	}
	return t.f.AddDataValidation(sheet, dv)
}

// props fixes the document properties, so that one input gives one file.
func (t *tmpl) props() error {
	at := periodStart(t.in.Period).Format(time.RFC3339)
	if err := t.f.SetDocProps(&excelize.DocProperties{
		Created: at, Modified: at, Creator: "countyreport", LastModifiedBy: "countyreport",
		Title:    t.in.CountyName + " " + t.in.Period + " " + messages.Both("submission.template.title"),
		Language: "zh-CN",
	}); err != nil {
		return err
	}
	t.f.SetActiveSheet(0)
	return nil
}

func periodStart(p string) time.Time {
	t, _ := time.Parse("2006-01", p)
	return t
}
