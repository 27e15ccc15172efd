package submission

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
)

// Reading one cell: the value as the user meant it, or a problem at the cell.

// cell converts one cell to its JSON value. enumKey names the field for
// word lists ("sections.kind"); path is where the value goes, for errors.
// An empty cell gives ok=false and no problem.
func (w *workbook) cell(at cellLoc, raw string, kind fieldKind, enumKey, path string) (any, bool) {
	ref, _ := excelize.CoordinatesToCellName(at.col, at.row)
	sheet := w.renamed[at.sheet.zh]
	if formula, _ := w.f.GetCellFormula(sheet, ref); formula != "" && raw == "" {
		w.bad[path] = true
		w.add(at, "submission.formulaNoResult")
		return nil, false
	}
	if strings.TrimSpace(raw) == "" {
		return nil, false
	}
	typ, _ := w.f.GetCellType(sheet, ref)
	if typ == excelize.CellTypeError {
		w.bad[path] = true
		w.add(at, "submission.cellError", raw)
		return nil, false
	}
	numeric := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset || typ == excelize.CellTypeDate
	switch kind {
	case kindNumber:
		v, bad := w.number(sheet, ref, raw, numeric, typ)
		if bad.Key != "" {
			w.bad[path] = true
			w.add(at, bad.Key, bad.Args...)
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
		w.add(at, "submission.notYesNo", raw)
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
// A cell that holds no number gives the message saying why.
func (w *workbook) number(sheet, ref, raw string, numeric bool, typ excelize.CellType) (any, messages.Message) {
	if typ == excelize.CellTypeBool {
		return nil, messages.New("submission.numberNotBool")
	}
	dec, percent := w.format(sheet, ref)
	if numeric || typ == excelize.CellTypeFormula {
		if lit, ok := numberLiteral(raw, dec); ok {
			if percent {
				return nil, messages.New("submission.percentFormat")
			}
			return json.Number(lit), messages.Message{}
		}
	}
	if s, ok := textNumber(raw); ok {
		return json.Number(s), messages.Message{}
	}
	return nil, messages.New("submission.notNumber", raw)
}

// textNumber reads a number typed as text, as written ("7.0" stays "7.0"),
// allowing surrounding spaces, a leading +, thousands separators, a
// trailing % (5.8% is 5.8, the form changes are written in), and the
// full-width digits and signs a Chinese input method types (７．０, －３).
func textNumber(raw string) (string, bool) {
	s := strings.TrimSpace(width.Narrow.String(raw))
	s = strings.ReplaceAll(s, "\u2212", "-") // MINUS SIGN
	s = strings.TrimSuffix(s, "%")
	s = strings.TrimPrefix(s, "+")
	if thousandsRE.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if _, ok := dataset.NewNumber(s); !ok {
		return "", false
	}
	return s, true
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
