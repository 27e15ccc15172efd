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
	prefill := []string{"空白模板：没有已存的数据可供预填。", "Blank template: there is no stored data to prefill it from."}
	if in.Base != nil {
		prefill = []string{fmt.Sprintf("本模板已按 %s 期已存的数据预填，请逐项核对、更新。", in.Base.Meta.Period),
			fmt.Sprintf("Prefilled from the data stored for %s: check and update every entry.", in.Base.Meta.Period)}
	}
	lines := [][2]string{
		{fmt.Sprintf("%s %s年%s月 数据报送模板", name, y, m), fmt.Sprintf("%s: data template for %s", nameEn, in.Period)},
		{"行政区划代码：" + in.CountyCode + "    报送期次：" + in.Period, "Division code: " + in.CountyCode + "    Period: " + in.Period},
		{prefill[0], prefill[1]},
		{"", ""},
		{"填写说明", "How to fill it in"},
		{"1. 各数据表第1、2行为中英文表头，第3行为系统读取的字段名（灰色），请勿修改第3行，可以增删数据行。",
			"1. On each data sheet rows 1 and 2 are the headers in Chinese and English, and row 3 (grey) holds the field names the portal reads: do not change row 3. Add or delete data rows freely."},
		{"2. “基本信息”：每行一项，只在“值”列（D列）填写；“字段”列不要改。导语、作者等可以占多行（字段名相同）。",
			"2. Basic information: one item a row; fill in the Value column (D) only and leave the Field column as it is. Lead paragraphs, authors and the like may take several rows with the same field name."},
		{"3. “指标”：每行一项。编号只用小写字母、数字和下划线，各期保持不变；数值和同比至少填一项；有数值必须填单位。“名称（英文）”列填指标的英文名称，用于英文版报告；不填则英文版注明为中文原文。",
			"3. Indicators: one a row. The ID uses lower-case letters, digits and underscores and stays the same every period; give a value or a change (or both); a value needs its unit. Name (English) is the indicator's name in the English edition of the report; left empty, the English edition shows the Chinese name marked as the original."},
		{"4. 同比增减填百分数的数值：增长5.8%填 5.8，下降3%填 -3；不要使用百分比格式。",
			"4. Changes are percentages written as plain numbers: 5.8 for +5.8%, -3 for -3%; do not use Excel's percent format."},
		{"5. 数字单元格只接受数字，按单元格显示的小数位保存（如 7.0）；“是否”列填“是”或“否”，空白即“否”。",
			"5. Number cells take numbers only and are kept with the decimals the cell shows (7.0 stays 7.0); yes/no columns take 是 (yes) or 否 (no), blank meaning no."},
		{"6. “文字”：每一节从填有“类型”（回顾、计划、说明）的一行开始；条目每行一条，后续条目的行只填“条目”列。",
			"6. Sections: each section starts on a row whose Kind is filled in (回顾 review, 计划 plan, 说明 note); items take one row each, and the rows of further items fill in the Items column only."},
		{"7. 公式按 Excel 保存的计算结果读取，服务器不会计算公式；请保存后再上传。含宏或加密的文件不予接收。",
			"7. Formulas are read as the results Excel saved; the server never calculates them, so save before uploading. Files with macros or a password are refused."},
		{"8. 上传后先预览：有错误时按工作表和单元格列出（如“指标!C7：应为数字”），不会保存任何数据；变化异常（如同比超过 +100%）时须填写说明才能提交。",
			"8. An upload is previewed first: errors are listed by sheet and cell (e.g. Indicators!C7: must be a number) and nothing is stored; unusual changes (e.g. more than +100% y/y) need an explanation before you can submit."},
		{"9. 文件不超过 20 MB，只能用于本县本期。", "9. Files up to 20 MB, for this county and this period only."},
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
	for c, h := range [][2]string{{"项目", ""}, {"Item", ""}, {"字段", "Field"}, {"值", "Value"}} {
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
