package submission

import (
	"errors"
	"slices"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
)

// Problem is one reason an upload is refused (an error) or needs an
// explanation (a warning). Where says where it is: "指标!C7" / "Indicators!C7"
// for a spreadsheet cell, "指标!第7行" / "Indicators!row 7" for a row, the
// field path ("indicators[3].unit") for JSON, YAML and the web form, or ""
// for the whole file.
type Problem struct {
	Path    string `json:"path,omitempty"`    // the dataset field path, when there is one
	Where   string `json:"where,omitempty"`   // Chinese location (sheet!cell), or Path
	WhereEn string `json:"whereEn,omitempty"` // English location, or Path
	Msg     string `json:"msg"`               // Chinese
	MsgEn   string `json:"msgEn"`             // English

	at *cellLoc // the cell or row, for sorting a workbook's problems
}

// Zh is the problem in Chinese: "指标!C7：应为数字".
func (p Problem) Zh() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + "：" + p.Msg
}

// En is the problem in English: "Indicators!C7: must be a number".
func (p Problem) En() string {
	if p.WhereEn == "" {
		return p.MsgEn
	}
	return p.WhereEn + ": " + p.MsgEn
}

// String gives both, Chinese first.
func (p Problem) String() string { return p.Zh() + " / " + p.En() }

// Problems are the errors that refuse an upload; Preview returns them (as
// error) and nothing is stored.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// AsProblems returns the list inside err, if err is (or wraps) Problems.
func AsProblems(err error) (Problems, bool) {
	var ps Problems
	ok := errors.As(err, &ps)
	return ps, ok
}

func problem(msg, msgEn string) Problem { return Problem{Msg: msg, MsgEn: msgEn} }

// said is the problem saying key with args (internal/messages), in each
// language.
func said(key string, args ...any) Problem {
	m := messages.New(key, args...)
	return Problem{Msg: m.In(messages.Zh), MsgEn: m.In(messages.En)}
}

// fromDataset turns dataset's errors into problems located by loc (nil:
// by field path), each message rendered in each language.
func fromDataset(es dataset.Errors, loc *locator) Problems {
	out := make(Problems, 0, len(es))
	for _, e := range es {
		p := Problem{Path: e.Path, Where: e.Path, WhereEn: e.Path, Msg: e.Text.In(messages.Zh), MsgEn: e.Text.In(messages.En)}
		if loc != nil {
			p.Where, p.WhereEn, p.at = loc.locate(e.Path)
		}
		out = append(out, p)
	}
	return out
}

// sortProblems orders a workbook's problems by sheet, row and column, the
// order the user reads them in; those without a cell go last, in order.
func sortProblems(ps Problems) {
	rank := map[string]int{sheetMeta: 1}
	for i, s := range listSheets {
		rank[s.name] = i + 2
	}
	key := func(p Problem) [3]int {
		if p.at == nil {
			return [3]int{1 << 20}
		}
		return [3]int{rank[p.at.sheet.zh], p.at.row, p.at.col}
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		ka, kb := key(a), key(b)
		for i := range ka {
			if ka[i] != kb[i] {
				return ka[i] - kb[i]
			}
		}
		return 0
	})
}
