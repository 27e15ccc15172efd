package submission

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
)

// Limits on an uploaded workbook. An .xlsx is a zip: its parts are checked
// from the zip directory before anything is inflated, and excelize is given
// the same limits (its default is 16 GB). Go's zip reader stops a part that
// inflates past the size its header declares, so a lying header gains
// nothing.
const (
	MaxUnzippedBytes = 32 << 20 // all parts together
	MaxPartBytes     = 8 << 20  // one worksheet, shared strings, styles…
	MaxParts         = 1000
	maxSheetRows     = dataset.MaxListItems + headerRows
	maxSheetCols     = 64
)

// Rows above the data on the list sheets: Chinese header, English header,
// field keys (what the reader goes by; do not edit).
const headerRows = 3

// Rows above the data on the meta sheet: Chinese header, English header.
const metaHeaderRows = 2

// Columns of the meta sheet.
const (
	metaColLabel   = 1
	metaColLabelEn = 2
	metaColField   = 3
	metaColValue   = 4
)

var (
	errNotZip = problem("不是有效的 Excel 工作簿（.xlsx）", "not a valid Excel workbook (.xlsx)")
	oleMagic  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// checkZip refuses what is not a plain .xlsx before excelize inflates any of it.
func checkZip(data []byte) *Problem {
	if bytes.HasPrefix(data, oleMagic) {
		p := problem("文件是旧版 .xls 或已加密：请在 Excel 中“另存为” .xlsx（不设密码）后上传",
			"the file is an old .xls or encrypted: save it as .xlsx (without a password) in Excel and upload that")
		return &p
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &errNotZip
	}
	if len(zr.File) > MaxParts {
		p := problem(fmt.Sprintf("工作簿包含 %d 个部件，上限 %d", len(zr.File), MaxParts),
			fmt.Sprintf("the workbook has %d parts, more than %d", len(zr.File), MaxParts))
		return &p
	}
	var total uint64
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if strings.HasSuffix(name, "vbaproject.bin") {
			p := problem("工作簿含有宏，不予接收：请另存为不含宏的 .xlsx", "the workbook contains macros and is refused: save it as a macro-free .xlsx")
			return &p
		}
		total += f.UncompressedSize64
		if f.UncompressedSize64 > MaxPartBytes || total > MaxUnzippedBytes {
			p := problem(fmt.Sprintf("工作簿解压后过大（部件 %s 为 %d 字节；单个部件上限 %d，合计上限 %d）", f.Name, f.UncompressedSize64, MaxPartBytes, MaxUnzippedBytes),
				fmt.Sprintf("the workbook is too large unzipped (part %s: %d bytes; limits %d a part, %d in all)", f.Name, f.UncompressedSize64, MaxPartBytes, MaxUnzippedBytes))
			return &p
		}
	}
	return nil
}

// openWorkbook opens an uploaded .xlsx with explicit limits. Formulas are
// never evaluated: cells are read with their cached values.
func openWorkbook(data []byte) (*excelize.File, *Problem) {
	if p := checkZip(data); p != nil {
		return nil, p
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    MaxUnzippedBytes,
		UnzipXMLSizeLimit: MaxPartBytes,
	})
	if err != nil {
		p := problem("无法读取工作簿："+err.Error(), "cannot read the workbook: "+err.Error())
		if errors.Is(err, excelize.ErrWorkbookPassword) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			p = problem("工作簿已加密或格式不对：请另存为 .xlsx（不设密码）", "the workbook is encrypted or not .xlsx: save it as .xlsx without a password")
		}
		return nil, &p
	}
	return f, nil
}

// workbook reads one uploaded workbook into dataset's JSON form.
type workbook struct {
	f     *excelize.File
	loc   *locator
	probs Problems
	bad   map[string]bool // paths whose cell could not be read
}

// readWorkbook turns the workbook into a dataset document (JSON) and the
// locator of its values. Cell problems (a word where a number belongs) are
// returned beside it; the document leaves those values out.
func readWorkbook(data []byte) ([]byte, *locator, map[string]bool, Problems) {
	f, p := openWorkbook(data)
	if p != nil {
		return nil, nil, nil, Problems{*p}
	}
	defer f.Close()
	w := &workbook{f: f, loc: newLocator(), bad: map[string]bool{}}
	doc := map[string]any{}
	w.loc.sheets["meta"] = sheetNames{sheetMeta, sheetMetaEn}
	if meta, ok := w.readMeta(); ok {
		doc["meta"] = meta
	}
	for _, s := range listSheets {
		w.loc.sheets[s.top] = sheetNames{s.name, s.nameEn}
		if items, ok := w.readList(s); ok && len(items) > 0 {
			doc[s.top] = items
		}
	}
	out, err := json.Marshal(doc)
	if err != nil { // only strings, json.Number and bools: cannot fail
		panic(err)
	}
	return out, w.loc, w.bad, w.probs
}

func (w *workbook) add(at cellLoc, msg, msgEn string) {
	zh, en := at.names()
	w.probs = append(w.probs, Problem{Where: zh, WhereEn: en, Msg: msg, MsgEn: msgEn, at: &at})
}

func (w *workbook) unknownField(at cellLoc, key string) {
	w.add(at, fmt.Sprintf("不认识的字段名“%s”：字段名不要修改，请使用下载的模板", key),
		fmt.Sprintf("unknown field name %q: leave the field names as they are and use the downloaded template", key))
}

// rows reads a sheet's raw cell texts, refusing a sheet past the limits.
func (w *workbook) rows(names sheetNames) ([][]string, bool) {
	idx, err := w.f.GetSheetIndex(names.zh)
	if err != nil || idx < 0 {
		return nil, false
	}
	rows, err := w.f.GetRows(names.zh, excelize.Options{RawCellValue: true})
	if err != nil {
		w.probs = append(w.probs, Problem{Where: names.zh, WhereEn: names.en, Msg: "无法读取：" + err.Error(), MsgEn: "cannot read it: " + err.Error()})
		return nil, false
	}
	if len(rows) > maxSheetRows {
		w.probs = append(w.probs, Problem{Where: names.zh, WhereEn: names.en,
			Msg:   fmt.Sprintf("行数过多（%d 行，上限 %d）", len(rows), maxSheetRows),
			MsgEn: fmt.Sprintf("too many rows (%d, limit %d)", len(rows), maxSheetRows)})
		return nil, false
	}
	return rows, true
}

func cellText(rows [][]string, row, col int) string {
	if row-1 < len(rows) && col-1 < len(rows[row-1]) {
		return rows[row-1][col-1]
	}
	return ""
}

func (w *workbook) readMeta() (map[string]any, bool) {
	names := sheetNames{sheetMeta, sheetMetaEn}
	rows, ok := w.rows(names)
	if !ok {
		w.probs = append(w.probs, missingSheet(names))
		return nil, false
	}
	kinds := map[string]fieldKind{}
	for _, f := range metaFields {
		kinds[f.key] = f.kind
	}
	meta := map[string]any{}
	lists := map[string]int{}
	for r := metaHeaderRows + 1; r <= len(rows); r++ {
		key := strings.TrimSpace(cellText(rows, r, metaColField))
		if key == "" {
			continue
		}
		at := cellLoc{names, metaColValue, r}
		kind, known := kinds[key]
		if !known {
			w.unknownField(cellLoc{names, metaColField, r}, key)
			continue
		}
		path := "meta." + key
		if kind == kindList {
			path = fmt.Sprintf("%s[%d]", path, lists[key])
		}
		v, ok := w.cell(at, cellText(rows, r, metaColValue), kind, "meta."+key, path)
		if !ok {
			continue
		}
		if kind == kindList {
			lists[key]++
		}
		w.loc.cells[path] = at
		setPath(meta, strings.Split(key, "."), v, kind == kindList)
		if obj, _, nested := strings.Cut(key, "."); nested {
			if _, seen := w.loc.cells["meta."+obj]; !seen {
				w.loc.cells["meta."+obj] = at
			}
		}
	}
	return meta, true
}

// setPath sets m[a][b]… = v, appending for lists.
func setPath(m map[string]any, keys []string, v any, list bool) {
	for _, k := range keys[:len(keys)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	k := keys[len(keys)-1]
	if list {
		l, _ := m[k].([]any)
		m[k] = append(l, v)
		return
	}
	m[k] = v
}

func missingSheet(n sheetNames) Problem {
	return Problem{Where: n.zh, WhereEn: n.en,
		Msg:   fmt.Sprintf("缺少工作表“%s”：请使用下载的模板", n.zh),
		MsgEn: fmt.Sprintf("the sheet %q (%s) is missing: use the downloaded template", n.zh, n.en)}
}

// readList reads a list sheet: one item a row from headerRows+1, the columns
// named by the field keys in the third header row. On a sheet with list
// columns (sections' items), a row whose first column is empty continues
// the item above with one more entry of each list.
func (w *workbook) readList(s sheetDef) ([]any, bool) {
	names := sheetNames{s.name, s.nameEn}
	rows, ok := w.rows(names)
	if !ok {
		if s.top == "indicators" || s.top == "sections" {
			w.probs = append(w.probs, missingSheet(names))
		}
		return nil, false
	}
	kinds := map[string]fieldKind{}
	for _, f := range s.fields {
		kinds[f.key] = f.kind
	}
	cols := map[int]string{}
	first := 0
	if len(rows) >= headerRows {
		for c, k := range rows[headerRows-1] {
			if k = strings.TrimSpace(k); k != "" && c < maxSheetCols {
				if _, known := kinds[k]; !known {
					w.unknownField(cellLoc{names, c + 1, headerRows}, k)
					continue
				}
				cols[c+1] = k
				w.loc.cols[s.top+"."+k] = c + 1
				if first == 0 {
					first = c + 1
				}
			}
		}
	}
	if len(cols) == 0 {
		w.probs = append(w.probs, Problem{Where: names.zh + "!A3", WhereEn: names.en + "!A3",
			Msg: "第3行应为字段名：请使用下载的模板", MsgEn: "row 3 must hold the field names: use the downloaded template"})
		return nil, false
	}
	var items []any
	var cur map[string]any
	lists := map[string]int{}
	for r := headerRows + 1; r <= len(rows); r++ {
		if rowEmpty(rows, r, cols) {
			continue
		}
		cont := cur != nil && hasListCols(kinds) && strings.TrimSpace(cellText(rows, r, first)) == "" && onlyLists(rows, r, cols, kinds)
		if !cont {
			cur = map[string]any{}
			items = append(items, cur)
			clear(lists)
			w.loc.rows[fmt.Sprintf("%s[%d]", s.top, len(items)-1)] = cellLoc{names, 0, r}
		}
		item := fmt.Sprintf("%s[%d]", s.top, len(items)-1)
		for c := 1; c <= maxSheetCols; c++ {
			key, ok := cols[c]
			if !ok {
				continue
			}
			kind := kinds[key]
			raw := cellText(rows, r, c)
			at := cellLoc{names, c, r}
			path := item + "." + key
			if kind == kindList {
				path = fmt.Sprintf("%s[%d]", path, lists[key])
			}
			v, ok := w.cell(at, raw, kind, s.top+"."+key, path)
			if !ok {
				continue
			}
			w.loc.cells[path] = at
			if kind == kindList {
				lists[key]++
				l, _ := cur[key].([]any)
				cur[key] = append(l, v)
			} else {
				cur[key] = v
			}
		}
	}
	return items, true
}

func rowEmpty(rows [][]string, r int, cols map[int]string) bool {
	for c := range cols {
		if strings.TrimSpace(cellText(rows, r, c)) != "" {
			return false
		}
	}
	return true
}

func hasListCols(kinds map[string]fieldKind) bool {
	for _, k := range kinds {
		if k == kindList {
			return true
		}
	}
	return false
}

// onlyLists: the row's filled cells are all in list columns.
func onlyLists(rows [][]string, r int, cols map[int]string, kinds map[string]fieldKind) bool {
	for c, key := range cols {
		if strings.TrimSpace(cellText(rows, r, c)) != "" && kinds[key] != kindList {
			return false
		}
	}
	return true
}

// cell converts one cell to its JSON value. enumKey names the field for
// word lists ("sections.kind"); path is where the value goes, for errors.
// An empty cell gives ok=false and no problem.
func (w *workbook) cell(at cellLoc, raw string, kind fieldKind, enumKey, path string) (any, bool) {
	ref, _ := excelize.CoordinatesToCellName(at.col, at.row)
	sheet := at.sheet.zh
	if formula, _ := w.f.GetCellFormula(sheet, ref); formula != "" && raw == "" {
		w.bad[path] = true
		w.add(at, "公式没有保存的计算结果：请在 Excel 中打开、保存后再上传（公式不会在服务器上计算）",
			"the formula has no saved result: open and save the file in Excel, then upload it again (formulas are never calculated on the server)")
		return nil, false
	}
	if strings.TrimSpace(raw) == "" {
		return nil, false
	}
	typ, _ := w.f.GetCellType(sheet, ref)
	if typ == excelize.CellTypeError {
		w.bad[path] = true
		w.add(at, fmt.Sprintf("单元格是错误值 %s", raw), fmt.Sprintf("the cell holds the error value %s", raw))
		return nil, false
	}
	numeric := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset || typ == excelize.CellTypeDate
	switch kind {
	case kindNumber:
		v, msg, msgEn := w.number(sheet, ref, raw, numeric, typ)
		if msg != "" {
			w.bad[path] = true
			w.add(at, msg, msgEn)
			return nil, false
		}
		return v, true
	case kindBool:
		s := strings.ToLower(strings.TrimSpace(raw))
		if typ == excelize.CellTypeBool {
			return s == "1" || s == "true", true
		}
		for _, t := range trueWords {
			if s == t {
				return true, true
			}
		}
		for _, t := range falseWords {
			if s == t {
				return false, true
			}
		}
		w.bad[path] = true
		w.add(at, fmt.Sprintf("应填“是”或“否”，实为“%s”", raw), fmt.Sprintf("must be 是 (yes) or 否 (no), not %q", raw))
		return nil, false
	}
	s := raw
	if numeric || typ == excelize.CellTypeBool {
		s, _ = w.f.GetCellValue(sheet, ref) // as Excel shows it: 2022 stays "2022"
		if d, ok := w.date(sheet, ref, raw); ok {
			s = d // a date Excel recognised, in the dataset's form
		}
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	return enumValue(enumKey, s), true
}

var thousandsRE = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)

// number reads a number cell as the literal it shows (keeping the decimals of
// its format: 7 in a "0.0" cell is "7.0", never rounding away a digit
// typed), or a text cell holding a number as written.
func (w *workbook) number(sheet, ref, raw string, numeric bool, typ excelize.CellType) (any, string, string) {
	if typ == excelize.CellTypeBool {
		return nil, "应为数字，实为逻辑值", "must be a number, not a true/false value"
	}
	dec, percent := w.format(sheet, ref)
	if numeric || typ == excelize.CellTypeFormula {
		if lit, ok := numberLiteral(raw, dec); ok {
			if percent {
				return nil, "请直接填写百分数的数值（如 5.8），不要使用百分比格式", "enter the percentage as a plain number (5.8), not in percent format"
			}
			return json.Number(lit), "", ""
		}
	}
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(s, "+")
	if thousandsRE.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if _, ok := dataset.NewNumber(s); ok {
		return json.Number(s), "", ""
	}
	return nil, fmt.Sprintf("应为数字，实为“%s”", raw), fmt.Sprintf("must be a number, not %q", raw)
}

// format gives the decimals of the cell's number format (-1: General or
// unknown) and whether it shows a percentage.
func (w *workbook) format(sheet, ref string) (int, bool) {
	id, err := w.f.GetCellStyle(sheet, ref)
	if err != nil || id == 0 {
		return -1, false
	}
	st, err := w.f.GetStyle(id)
	if err != nil || st == nil {
		return -1, false
	}
	code, ok := builtinFormats[st.NumFmt]
	if st.CustomNumFmt != nil {
		code, ok = *st.CustomNumFmt, true
	}
	if !ok {
		return -1, false
	}
	return formatDecimals(code)
}

// date gives a date cell (a number in a date format, without a time of
// day) as YYYY-MM-DD.
func (w *workbook) date(sheet, ref, raw string) (string, bool) {
	id, err := w.f.GetCellStyle(sheet, ref)
	if err != nil || id == 0 {
		return "", false
	}
	st, err := w.f.GetStyle(id)
	if err != nil || st == nil {
		return "", false
	}
	isDate := st.NumFmt >= 14 && st.NumFmt <= 17 || st.NumFmt == 22 || st.NumFmt >= 27 && st.NumFmt <= 36 || st.NumFmt >= 50 && st.NumFmt <= 58
	if st.CustomNumFmt != nil {
		code := strings.ToLower(*st.CustomNumFmt)
		isDate = strings.Contains(code, "y") && strings.Contains(code, "d")
	}
	f, err := strconv.ParseFloat(raw, 64)
	if !isDate || err != nil || f < 1 || f > 2958465 || f != math.Trunc(f) {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

var builtinFormats = map[int]string{1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}

// formatDecimals reads the first section of a number format code: how many
// digit places follow its decimal point, and whether it has a %.
func formatDecimals(code string) (int, bool) {
	sec, _, _ := strings.Cut(code, ";")
	var b strings.Builder // the code without quoted text and escapes
	for i := 0; i < len(sec); i++ {
		switch c := sec[i]; c {
		case '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				i = len(sec)
			} else {
				i += j + 1
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				i = len(sec)
			} else {
				i += j
			}
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	percent := strings.Contains(s, "%")
	if !strings.ContainsAny(s, "0#?") || strings.ContainsAny(s, "yYmMdDhHsSeE") {
		return -1, percent
	}
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0, percent
	}
	n := 0
	for _, c := range s[i+1:] {
		if c != '0' && c != '#' && c != '?' {
			break
		}
		n++
	}
	return n, percent
}

// numberLiteral writes an Excel number (a double, written with up to 17
// digits) as a decimal literal: rounded to the 15 significant digits Excel
// keeps, then padded with zeros to dec decimals when that loses nothing.
func numberLiteral(raw string, dec int) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	lit := strconv.FormatFloat(f, 'f', -1, 64)
	if dec >= 0 && dec <= 15 {
		if d := strconv.FormatFloat(f, 'f', dec, 64); parsesTo(d, f) {
			lit = d
		}
	}
	if lit == "-0" {
		lit = "0"
	}
	return lit, true
}

func parsesTo(s string, f float64) bool {
	g, err := strconv.ParseFloat(s, 64)
	return err == nil && g == f
}
