package submission

// A streaming scan of every worksheet before excelize reads one. excelize
// fills, when it loads a sheet, every cell from column A to the last cell
// of each row and every row from 1 to the last: one cell in column XFD
// costs 16,384 cells, one row 1,048,576 rows (a 35 KB workbook peaked at
// +2 GiB). The scan refuses a workbook with any cell past the limits,
// naming the sheet and the cell, while it reads the XML token by token.

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
)

const (
	maxCellsPerSheet  = limits.XLSXCells
	maxSharedStrings  = limits.XLSXSharedStrings
	partWorkbook      = "xl/workbook.xml"
	partWorkbookRels  = "xl/_rels/workbook.xml.rels"
	partSharedStrings = "xl/sharedstrings.xml" // lower-cased
)

// scanSheets checks every worksheet of zr against the row, column and cell
// limits, and the shared string table against its count.
func scanSheets(zr *zip.Reader) *Problem {
	names := sheetPartNames(zr)
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			sheet := names[name]
			if sheet == "" {
				sheet = path.Base(f.Name)
			}
			if p := scanPart(f, func(d *xml.Decoder) *Problem { return scanSheet(d, sheet) }); p != nil {
				return p
			}
		case name == partSharedStrings:
			if p := scanPart(f, scanSharedStrings); p != nil {
				return p
			}
		}
	}
	return nil
}

func scanPart(f *zip.File, scan func(*xml.Decoder) *Problem) *Problem {
	rc, err := f.Open()
	if err != nil {
		return nil // checkZip has read every part already
	}
	defer rc.Close()
	return scan(xml.NewDecoder(io.LimitReader(rc, limits.XLSXPartBytes)))
}

// scanSheet reads one worksheet's XML: <row r="N"> and <c r="A1"> (both
// attributes optional: then the next row, the next column).
func scanSheet(d *xml.Decoder, sheet string) *Problem {
	zh, en := sheet, sheet
	for _, s := range append([]sheetDef{{name: sheetMeta, nameEn: sheetMetaEn}}, listSheets...) {
		if s.name == sheet {
			en = s.nameEn
		}
	}
	row, col, cells := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil // the end, or XML excelize will refuse itself
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "row":
			row, col = row+1, 0
			if n, err := strconv.Atoi(attr(el, "r")); err == nil {
				row = n
			}
			if row > limits.XLSXRows {
				return sheetTooLarge(zh, en, messages.T(messages.Zh, "submission.row", row), messages.T(messages.En, "submission.row", row))
			}
		case "c":
			col++
			if ref := attr(el, "r"); ref != "" {
				c, r, err := excelize.CellNameToCoordinates(ref)
				if err != nil {
					continue // excelize will say so
				}
				col, row = c, max(row, r)
			}
			if cells++; col > limits.XLSXColumns || row > limits.XLSXRows || cells > maxCellsPerSheet {
				ref, _ := excelize.CoordinatesToCellName(max(col, 1), max(row, 1))
				return sheetTooLarge(zh, en, ref, ref)
			}
		}
	}
}

func sheetTooLarge(zh, en, at, atEn string) *Problem {
	last, _ := excelize.CoordinatesToCellName(limits.XLSXColumns, limits.XLSXRows)
	p := said("submission.sheetLimits", limits.XLSXColumns, limits.XLSXRows, last, maxCellsPerSheet)
	p.Where, p.WhereEn = zh+"!"+at, en+"!"+atEn
	return &p
}

// scanSharedStrings counts the entries of the shared string table, which
// excelize reads whole.
func scanSharedStrings(d *xml.Decoder) *Problem {
	n := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "si" {
			if n++; n > maxSharedStrings {
				p := said("submission.sharedStrings", maxSharedStrings)
				return &p
			}
		}
	}
}

func attr(el xml.StartElement, local string) string {
	for _, a := range el.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// sheetPartNames maps each worksheet part (lower-cased) to the sheet's name,
// from the workbook and its relationships; a part it cannot name is named
// by its file.
func sheetPartNames(zr *zip.Reader) map[string]string {
	ids := map[string]string{} // relationship id → sheet name
	targets := map[string]string{}
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case partWorkbook:
			_ = scanPart(f, func(d *xml.Decoder) *Problem {
				each(d, "sheet", func(el xml.StartElement) { ids[attr(el, "id")] = attr(el, "name") })
				return nil
			})
		case partWorkbookRels:
			_ = scanPart(f, func(d *xml.Decoder) *Problem {
				each(d, "Relationship", func(el xml.StartElement) { targets[attr(el, "Id")] = attr(el, "Target") })
				return nil
			})
		}
	}
	out := map[string]string{}
	for id, name := range ids {
		t := targets[id]
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		out[strings.ToLower(t)] = name
	}
	return out
}

// each calls f on every start element named local, at most XLSXParts times
// (a workbook has no more sheets than parts).
func each(d *xml.Decoder, local string, f func(xml.StartElement)) {
	for n := 0; n < limits.XLSXParts; {
		tok, err := d.RawToken()
		if err != nil {
			return
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == local {
			f(el)
			n++
		}
	}
}
