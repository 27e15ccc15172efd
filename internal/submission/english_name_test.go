package submission

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The template has a column for an indicator's English name, says what it
// is for on its instructions sheet, and what is entered there reaches the
// dataset.
func TestTemplateEnglishNameColumn(t *testing.T) {
	x := workbook2023_02(t, func(f *excelize.File) {
		rows, err := f.GetRows("指标")
		must(t, err)
		col := -1
		for i, h := range rows[2] {
			if h == "nameEn" {
				col = i
			}
		}
		if col < 0 || rows[0][col] != "名称（英文）" || rows[1][col] != "Name (English)" {
			t.Fatalf("no English name column in the header rows: %q", rows[0])
		}
		cell, err := excelize.CoordinatesToCellName(col+1, nextRow(t, f, "指标"))
		must(t, err)
		appendIndicator(t, f)
		must(t, f.SetCellValue("指标", cell, "Made-up test count"))
	})
	f, err := excelize.OpenReader(bytes.NewReader(x))
	must(t, err)
	rules, err := f.GetRows(sheetInstructions)
	must(t, err)
	if !strings.Contains(fmt.Sprint(rules), "“名称（英文）”列填指标的英文名称") {
		t.Error("the instructions do not say what the English name column is for")
	}
	p, err := Parse(Upload{Name: "a.xlsx", Data: x}, Expect{CountyCode: "430423", Period: "2023-02", Base: hengshan(t)})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, in := range p.Dataset.Indicators {
		if in.ID == "made_up_test_count" && in.NameEn != "Made-up test count" {
			t.Errorf("English name %q, want the one entered", in.NameEn)
		}
	}
}
