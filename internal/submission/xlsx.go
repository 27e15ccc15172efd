package submission

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
)

// Limits on an uploaded workbook. An .xlsx is a zip: its parts are checked
// from the zip directory before anything is inflated, and excelize is given
// the same limits (its default is 16 GB). Go's zip reader stops a part that
// inflates past the size its header declares, so a lying header gains
// nothing.
// Every worksheet is then scanned, streaming, for cells past the row and
// column limits (sheetscan.go) before excelize loads any of them.
const (
	MaxUnzippedBytes = limits.XLSXUnzippedBytes // all parts together
	MaxPartBytes     = limits.XLSXPartBytes     // one worksheet, shared strings, styles…
	MaxParts         = limits.XLSXParts
	maxSheetRows     = limits.XLSXRows
	maxSheetCols     = limits.XLSXColumns
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
	errNotZip = said("submission.notZip")
	oleMagic  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// checkZip refuses what is not a plain .xlsx before excelize inflates any of it.
func checkZip(data []byte) *Problem {
	if bytes.HasPrefix(data, oleMagic) {
		p := said("submission.oldOrEncrypted")
		return &p
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &errNotZip
	}
	if len(zr.File) > MaxParts {
		p := said("submission.tooManyParts", len(zr.File), MaxParts)
		return &p
	}
	var total uint64
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if strings.HasSuffix(name, "vbaproject.bin") {
			p := said("submission.macros")
			return &p
		}
		total += f.UncompressedSize64
		if f.UncompressedSize64 > MaxPartBytes || total > MaxUnzippedBytes {
			p := said("submission.unzippedTooLarge", f.Name, f.UncompressedSize64, MaxPartBytes, MaxUnzippedBytes)
			return &p
		}
	}
	// Inflate each part once, at most to the size it declares (Go's zip
	// reader refuses a part that runs past it, and checks its CRC): a lying
	// header is found here, with a clear message, and excelize (which
	// ignores read errors of a part) never sees it.
	for _, f := range zr.File {
		rc, err := f.Open()
		if err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
			rc.Close()
		}
		if err != nil {
			p := said("submission.damaged", f.Name, err)
			return &p
		}
	}
	return scanSheets(zr)
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
		p := said("submission.workbookUnreadable", err.Error())
		if errors.Is(err, excelize.ErrWorkbookPassword) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			p = said("submission.encrypted")
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
	// renamed maps a template sheet's Chinese name to its name in the
	// workbook (the same, or the English one).
	renamed map[string]string
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

// add records the problem key with args (internal/messages) at a cell.
func (w *workbook) add(at cellLoc, key string, args ...any) {
	p := said(key, args...)
	p.Where, p.WhereEn = at.names()
	p.at = &at
	w.probs = append(w.probs, p)
}

func (w *workbook) unknownField(at cellLoc, key string) {
	w.add(at, "submission.unknownField", key)
}

// rows reads a sheet's raw cell texts, refusing a sheet past the limits.
//
// A sheet renamed to its English name is found too; cells are then read
// from it, and named by the Chinese name in problems.
func (w *workbook) rows(names sheetNames) ([][]string, bool) {
	sheet := w.sheetName(names)
	if sheet == "" {
		return nil, false
	}
	rows, err := w.f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		w.probs = append(w.probs, names.problem("submission.sheetUnreadable", err.Error()))
		return nil, false
	}
	if len(rows) > maxSheetRows {
		w.probs = append(w.probs, names.problem("submission.tooManyRows", len(rows), maxSheetRows))
		return nil, false
	}
	return rows, true
}

// sheetName is the workbook's name of a template sheet: its Chinese name,
// else its English one; "" when neither is there.
func (w *workbook) sheetName(names sheetNames) string {
	if w.renamed == nil {
		w.renamed = map[string]string{}
	}
	for _, n := range []string{names.zh, names.en} {
		if idx, err := w.f.GetSheetIndex(n); err == nil && idx >= 0 {
			w.renamed[names.zh] = n
			return n
		}
	}
	return ""
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
			if strings.TrimSpace(cellText(rows, r, metaColValue)) != "" {
				w.add(cellLoc{names, metaColField, r}, "submission.valueWithoutField")
			}
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
	// The English names the sheet as the tab reads, in Chinese, and says it.
	return n.problem("submission.missingSheet", messages.Words{Zh: n.zh, En: fmt.Sprintf("%q (%s)", n.zh, n.en)})
}

// problem is the problem key with args about the sheet as a whole.
func (n sheetNames) problem(key string, args ...any) Problem {
	p := said(key, args...)
	p.Where, p.WhereEn = n.zh, n.en
	return p
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
	byKey := map[string]field{}
	for _, f := range s.fields {
		byKey[f.key] = f
	}
	cols := map[int]field{}
	first := 0
	if len(rows) >= headerRows {
		for c, k := range rows[headerRows-1] {
			if k = strings.TrimSpace(k); k != "" && c < maxSheetCols {
				f, known := byKey[k]
				if !known {
					w.unknownField(cellLoc{names, c + 1, headerRows}, k)
					continue
				}
				cols[c+1] = f
				w.loc.cols[s.top+"."+indexRE.ReplaceAllString(k, "")] = c + 1
				if first == 0 {
					first = c + 1
				}
			}
		}
	}
	w.unnamedColumns(names, rows, cols)
	if len(cols) == 0 {
		p := said("submission.noFieldNames")
		p.Where, p.WhereEn = names.zh+"!A3", names.en+"!A3"
		w.probs = append(w.probs, p)
		return nil, false
	}
	var items []any
	var cur map[string]any
	lists := map[string]int{} // entries so far of each list of the current item
	for r := headerRows + 1; r <= len(rows); r++ {
		if rowEmpty(rows, r, cols) {
			continue
		}
		cont := cur != nil && hasRepeats(cols) && strings.TrimSpace(cellText(rows, r, first)) == "" && onlyRepeats(rows, r, cols)
		if !cont {
			cur = map[string]any{}
			items = append(items, cur)
			clear(lists)
			w.loc.rows[fmt.Sprintf("%s[%d]", s.top, len(items)-1)] = cellLoc{names, 0, r}
		}
		w.readRow(s, names, rows, r, cols, cur, fmt.Sprintf("%s[%d]", s.top, len(items)-1), lists)
	}
	return items, true
}

// readRow reads row r into item cur (at path item): scalars, one more entry
// of each list, and one more object of each list of objects the row fills.
func (w *workbook) readRow(s sheetDef, names sheetNames, rows [][]string, r int, cols map[int]field, cur map[string]any, item string, lists map[string]int) {
	entries := map[string]map[string]any{} // this row's object of each list of objects
	for c := 1; c <= maxSheetCols; c++ {
		f, ok := cols[c]
		if !ok {
			continue
		}
		at := cellLoc{names, c, r}
		var path string
		switch {
		case f.group != "":
			path = fmt.Sprintf("%s.%s[%d].%s", item, f.group, lists[f.group], strings.TrimPrefix(f.key, f.group+"."))
		case f.kind == kindList:
			path = fmt.Sprintf("%s.%s[%d]", item, f.key, lists[f.key])
		default:
			path = item + "." + f.key
		}
		v, ok := w.cell(at, cellText(rows, r, c), f.kind, s.top+"."+f.key, path)
		if !ok {
			continue
		}
		w.loc.cells[path] = at
		switch {
		case f.group != "":
			e := entries[f.group]
			if e == nil {
				e = map[string]any{}
				entries[f.group] = e
				l, _ := cur[f.group].([]any)
				cur[f.group] = append(l, e)
				w.loc.cells[fmt.Sprintf("%s.%s[%d]", item, f.group, lists[f.group])] = at
			}
			e[strings.TrimPrefix(f.key, f.group+".")] = v
		case f.kind == kindList:
			lists[f.key]++
			l, _ := cur[f.key].([]any)
			cur[f.key] = append(l, v)
		default:
			cur[f.key] = v
		}
	}
	for g := range entries {
		lists[g]++
	}
}

// unnamedColumns refuses data in a column without a field name (a key
// deleted from row 3, a column added): it would be lost without a word.
func (w *workbook) unnamedColumns(names sheetNames, rows [][]string, cols map[int]field) {
	named := func(c int) bool {
		_, ok := cols[c]
		return ok || (len(rows) >= headerRows && strings.TrimSpace(cellText(rows, headerRows, c)) != "")
	}
	reported := map[int]bool{}
	for r := headerRows + 1; r <= len(rows); r++ {
		for i, text := range rows[r-1] {
			c := i + 1
			if reported[c] || named(c) || strings.TrimSpace(text) == "" {
				continue
			}
			reported[c] = true
			ref, _ := excelize.CoordinatesToCellName(c, r)
			w.add(cellLoc{names, c, headerRows}, "submission.unnamedColumn", ref)
		}
	}
}

func rowEmpty(rows [][]string, r int, cols map[int]field) bool {
	for c := range cols {
		if strings.TrimSpace(cellText(rows, r, c)) != "" {
			return false
		}
	}
	return true
}

func hasRepeats(cols map[int]field) bool {
	for _, f := range cols {
		if f.repeats() {
			return true
		}
	}
	return false
}

// onlyRepeats: the row's filled cells are all in columns of lists.
func onlyRepeats(rows [][]string, r int, cols map[int]field) bool {
	for c, f := range cols {
		if strings.TrimSpace(cellText(rows, r, c)) != "" && !f.repeats() {
			return false
		}
	}
	return true
}
