package submission

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
)

// workbook2023_02 is Hengshan's February template (prefilled from the real
// January dataset) after edit, as a user would leave it; the edits in the
// tests are made up.
func workbook2023_02(t *testing.T, edit func(f *excelize.File)) []byte {
	t.Helper()
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: hengshan(t)})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if edit != nil {
		edit(f)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// metaCell is the value cell of field key on the meta sheet ("D7").
func metaCell(t *testing.T, f *excelize.File, key string) string {
	t.Helper()
	rows, err := f.GetRows(sheetMeta)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) >= metaColField && r[metaColField-1] == key {
			return fmt.Sprintf("D%d", i+1)
		}
	}
	t.Fatalf("no row for %s on %s", key, sheetMeta)
	return ""
}

// nextRow is the first row below a sheet's last filled one.
func nextRow(t *testing.T, f *excelize.File, sheet string) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows) + 1
}

// appendIndicator adds a made-up indicator row below the last one.
func appendIndicator(t *testing.T, f *excelize.File) {
	t.Helper()
	must(t, f.SetSheetRow("指标", fmt.Sprintf("A%d", nextRow(t, f, "指标")), &[]any{"made_up_test_count", "测试用虚构指标", 3, "个"}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// In the template, 指标 row 6 is local_tax (6.31 亿元, +10.8%), row 4 gdp
// (change only), row 5 budget_revenue.
func TestParseWorkbookProblems(t *testing.T) {
	const ind = "指标"
	cases := []struct {
		name   string
		edit   func(t *testing.T, f *excelize.File)
		zh, en string // the first problem, Chinese and English
	}{
		{"word in a number cell", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "C6", "六点三")) },
			"指标!C6：应为数字，实为“六点三”", `Indicators!C6: must be a number, not "六点三"`},
		{"percent format", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellFloat(ind, "E6", 0.108, -1, 64))
			st, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
			must(t, f.SetCellStyle(ind, "E6", "E6", st))
		}, "指标!E6：请直接填写百分数的数值（如 5.8），不要使用百分比格式", "Indicators!E6: enter the percentage as a plain number (5.8), not in percent format"},
		{"formula without a saved result", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellDefault(ind, "C6", ""))
			must(t, f.SetCellFormula(ind, "C6", "=1+2"))
		},
			"指标!C6：公式没有保存的计算结果：请在 Excel 中打开、保存后再上传（公式不会在服务器上计算）",
			"Indicators!C6: the formula has no saved result: open and save the file in Excel, then upload it again (formulas are never calculated on the server)"},
		{"not yes or no", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "H6", "也许")) },
			"指标!H6：应填“是”或“否”，实为“也许”", `Indicators!H6: must be 是 (yes) or 否 (no), not "也许"`},
		{"value without unit", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "D6", "")) },
			"指标!D6：", "Indicators!D6: "},
		{"neither value nor change", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "E4", "")) },
			"指标!第4行：", "Indicators!row 4: "},
		{"bad id", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "A6", "Local Tax")) },
			"指标!A6：", "Indicators!A6: "},
		{"duplicate id", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "A6", "gdp")) },
			"指标!A6：", "Indicators!A6: "},
		{"another period", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellStr(sheetMeta, metaCell(t, f, "period"), "2023-03"))
		},
			"基本信息!{period}：应为本次报送的期次 2023-02，实为 2023-03", "Basic information!{period}: must be the period being submitted, 2023-02, not 2023-03"},
		{"another county", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellStr(sheetMeta, metaCell(t, f, "countyCode"), "430421"))
		},
			"基本信息!{countyCode}：应为本县的代码 430423，实为 430421", "Basic information!{countyCode}: must be this county's code 430423, not 430421"},
		{"title left empty", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(sheetMeta, metaCell(t, f, "title"), "")) },
			"基本信息（标题 title）：", "Basic information (Title, title): "},
		{"field name changed", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "J3", "remark")) },
			"指标!J3：不认识的字段名“remark”", `Indicators!J3: unknown field name "remark"`},
		{"a meta value without its field name", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellStr(sheetMeta, "C"+strings.TrimPrefix(metaCell(t, f, "title"), "D"), ""))
		}, "基本信息!C{titleRow}：这一行有值但没有字段名", "Basic information!C{titleRow}: this row has a value but no field name"},
		{"a field name deleted", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "C3", "")) },
			"指标!C3：这一列（如 C6）有数据但第3行没有字段名", "Indicators!C3: this column has data (e.g. C6) but no field name in row 3"},
		{"a column added", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "Z9", "草稿")) },
			"指标!Z3：这一列（如 Z9）有数据", "Indicators!Z3: this column has data (e.g. Z9)"},
		{"sheet deleted", func(t *testing.T, f *excelize.File) { must(t, f.DeleteSheet(ind)) },
			"指标：缺少工作表“指标”：请使用下载的模板", `Indicators: the sheet "指标" (Indicators) is missing: use the downloaded template`},
		{"unknown section kind", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr("文字", "A6", "总结")) },
			"文字!A6：", "Sections!A6: "},
		{"continuation row with a title", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr("文字", "C7", "另起一节")) },
			"文字!A7：", "Sections!A7: "},
	}
	// Rows of the meta sheet follow the model: find them.
	var refs []string
	workbook2023_02(t, func(f *excelize.File) {
		for _, k := range []string{"period", "countyCode"} {
			refs = append(refs, "{"+k+"}", metaCell(t, f, k))
		}
		refs = append(refs, "{titleRow}", strings.TrimPrefix(metaCell(t, f, "title"), "D"))
	})
	at := strings.NewReplacer(refs...)
	for _, tc := range cases {
		tc.zh, tc.en = at.Replace(tc.zh), at.Replace(tc.en)
		t.Run(tc.name, func(t *testing.T) {
			data := workbook2023_02(t, func(f *excelize.File) { tc.edit(t, f) })
			_, err := Parse(Upload{Name: "衡山县.xlsx", Data: data}, Expect{CountyCode: "430423", Period: "2023-02", Base: hengshan(t)})
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("Parse: %v, want problems", err)
			}
			if got := ps[0].Zh(); !strings.HasPrefix(got, tc.zh) {
				t.Errorf("first problem in Chinese:\n got %s\nwant %s…\nall:\n%v", got, tc.zh, ps)
			}
			if got := ps[0].En(); !strings.HasPrefix(got, tc.en) {
				t.Errorf("first problem in English:\n got %s\nwant %s…", got, tc.en)
			}
		})
	}
}

// What a user may type is read as she meant it.
func TestParseWorkbookValues(t *testing.T) {
	const ind = "指标"
	cases := []struct {
		name string
		edit func(t *testing.T, f *excelize.File)
		get  func(ds *dataset.Dataset) string
		want string
	}{
		{"number as number", func(t *testing.T, f *excelize.File) { must(t, f.SetCellFloat(ind, "C6", 7.02, -1, 64)) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "7.02"},
		{"the cell's decimals kept", func(t *testing.T, f *excelize.File) { must(t, f.SetCellFloat(ind, "C6", 7, -1, 64)) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "7.00"},
		{"a digit past the format kept", func(t *testing.T, f *excelize.File) { must(t, f.SetCellFloat(ind, "C6", 6.315, -1, 64)) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "6.315"},
		{"binary noise rounded away", func(t *testing.T, f *excelize.File) { must(t, f.SetCellDefault(ind, "C6", "6.3099999999999996")) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "6.31"},
		{"number as text, as written", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "E6", " +7.0 ")) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Change.String() }, "7.0"},
		{"thousands separators", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "C6", "1,234.5")) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "1234.5"},
		{"negative change", func(t *testing.T, f *excelize.File) { must(t, f.SetCellFloat(ind, "E6", -3, -1, 64)) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Change.String() }, "-3.0"},
		{"formula's saved result", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellFormula(ind, "C6", "=SUM(Z1:Z2)"))
			// excelize writes no result; set the one Excel would have saved.
			must(t, f.SetCellDefault(ind, "C6", "8.5"))
			must(t, f.SetCellFormula(ind, "C6", "=SUM(Z1:Z2)"))
		}, func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "8.50"},
		{"yes and no words", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellStr(ind, "H6", "是"))
			must(t, f.SetCellStr(ind, "H4", "否"))
		},
			func(ds *dataset.Dataset) string {
				return boolWord(ds.Indicators[2].Estimated) + boolWord(ds.Indicators[0].Estimated)
			}, "yesno"},
		{"a bool cell", func(t *testing.T, f *excelize.File) { must(t, f.SetCellBool(ind, "H6", true)) },
			func(ds *dataset.Dataset) string { return boolWord(ds.Indicators[2].Estimated) }, "yes"},
		{"a number in a text column", func(t *testing.T, f *excelize.File) { must(t, f.SetCellInt(ind, "G6", 2023)) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Basis }, "2023"},
		{"a date Excel recognised", func(t *testing.T, f *excelize.File) {
			must(t, f.SetCellStr(sheetMeta, metaCell(t, f, "event.name"), "测试用虚构会议"))
			must(t, f.SetCellValue(sheetMeta, metaCell(t, f, "event.date"), time.Date(2023, 2, 9, 0, 0, 0, 0, time.UTC)))
		}, func(ds *dataset.Dataset) string { return ds.Meta.Event.Date }, "2023-02-09"},
		{"a new indicator row", func(t *testing.T, f *excelize.File) {
			appendIndicator(t, f)
		}, func(ds *dataset.Dataset) string {
			in := ds.Indicators[len(ds.Indicators)-1]
			return in.ID + " " + in.Value.String() + " " + in.Unit
		}, "made_up_test_count 3 个"},
		{"full-width digits", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "C6", "７．０２")) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "7.02"},
		{"a change typed with %", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr(ind, "E6", "－3.5%")) },
			func(ds *dataset.Dataset) string { return ds.Indicators[2].Change.String() }, "-3.5"},
		{"sheets renamed to English", func(t *testing.T, f *excelize.File) {
			must(t, f.SetSheetName(ind, "Indicators"))
			must(t, f.SetCellFloat("Indicators", "C6", 7.5, -1, 64))
		}, func(ds *dataset.Dataset) string { return ds.Indicators[2].Value.String() }, "7.50"},
		{"kind in English", func(t *testing.T, f *excelize.File) { must(t, f.SetCellStr("文字", "A6", "plan")) },
			func(ds *dataset.Dataset) string { return ds.Sections[1].Kind }, "plan"},
		{"history carried from January", nil,
			func(ds *dataset.Dataset) string {
				h := ds.Indicators[2].History
				return h[len(h)-1].Period + " " + h[len(h)-1].Value.String()
			}, "2023-01 6.31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := workbook2023_02(t, func(f *excelize.File) {
				if tc.edit != nil {
					tc.edit(t, f)
				}
			})
			p, err := Parse(Upload{Name: "衡山县.xlsx", Data: data}, Expect{CountyCode: "430423", Period: "2023-02", Base: hengshan(t)})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tc.get(p.Dataset); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
