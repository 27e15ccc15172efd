package submission

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/messages"
)

// locator maps dataset field paths back to the spreadsheet cells they were
// read from, so that dataset's own errors ("indicators[3].unit: required")
// reach the user as "指标!D7".
type locator struct {
	cells  map[string]cellLoc // a value's path → its cell
	rows   map[string]cellLoc // a list item's path ("indicators[3]") → its first row
	cols   map[string]int     // "indicators.unit" → column (1-based)
	sheets map[string]sheetNames
}

type sheetNames struct{ zh, en string }

type cellLoc struct {
	sheet sheetNames
	col   int // 0: the whole row
	row   int
}

func newLocator() *locator {
	return &locator{cells: map[string]cellLoc{}, rows: map[string]cellLoc{}, cols: map[string]int{}, sheets: map[string]sheetNames{}}
}

func (c cellLoc) names() (zh, en string) {
	if c.col == 0 {
		return messages.T(messages.Zh, "submission.sheetRow", c.sheet.zh, c.row), messages.T(messages.En, "submission.sheetRow", c.sheet.en, c.row)
	}
	ref, _ := excelize.CoordinatesToCellName(c.col, c.row)
	return c.sheet.zh + "!" + ref, c.sheet.en + "!" + ref
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]`)

// parent strips the last element of a path: "a[1].b" → "a[1]", "a[1]" → "a".
func parent(path string) (string, string, bool) {
	if i := strings.LastIndexByte(path, '['); i > 0 && strings.HasSuffix(path, "]") && i > strings.LastIndexByte(path, '.') {
		return path[:i], path[i:], true
	}
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path, false
	}
	return path[:i], path[i+1:], true
}

// where locates path: its cell; or the cell of its column in its item's row
// (a required field left empty); or the nearest enclosing value or row; or
// the sheet its top-level part came from (with the field named).
func (l *locator) where(path string) (zh, en string) {
	zh, en, _ = l.locate(path)
	return zh, en
}

// locate is where, with the cell or row found (nil: none).
func (l *locator) locate(path string) (zh, en string, at *cellLoc) {
	found := func(c cellLoc) (string, string, *cellLoc) {
		zh, en := c.names()
		return zh, en, &c
	}
	if c, ok := l.cells[path]; ok {
		return found(c)
	}
	for p, child := path, ""; ; {
		if r, ok := l.rows[p]; ok {
			if f := strings.Split(strings.TrimPrefix(path, p+"."), ".")[0]; child != "" {
				if col, ok := l.cols[indexRE.ReplaceAllString(p, "")+"."+indexRE.ReplaceAllString(f, "")]; ok {
					return found(cellLoc{r.sheet, col, r.row})
				}
			}
			return found(r)
		}
		if c, ok := l.cells[p]; ok && p != path {
			return found(c)
		}
		up, last, ok := parent(p)
		if !ok {
			break
		}
		p, child = up, last
	}
	top, _, _ := strings.Cut(indexRE.ReplaceAllString(path, ""), ".")
	if s, ok := l.sheets[top]; ok {
		field := strings.TrimPrefix(path, top+".")
		if field == top {
			return s.zh, s.en, nil
		}
		zhl, enl := labelOf(indexRE.ReplaceAllString(field, ""))
		return fmt.Sprintf("%s（%s %s）", s.zh, zhl, field), fmt.Sprintf("%s (%s, %s)", s.en, enl, field), nil
	}
	return path, path, nil
}
