package submission

import (
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// bigWorkbook is the template with n made-up indicator rows.
func bigWorkbook(b testing.TB, n int) []byte {
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02"})
	if err != nil {
		b.Fatal(err)
	}
	return fill(b, x, func(f *excelize.File) {
		f.SetCellStr(sheetMeta, "D8", "测试用虚构标题")
		for i := 0; i < n; i++ {
			f.SetSheetRow("指标", fmt.Sprintf("A%d", i+4), &[]any{fmt.Sprintf("made_up_%d", i), "测试用虚构指标", i, "个", 1.5, 2, "2022年", "否", "是", "测试"})
		}
		f.SetSheetRow("文字", "A4", &[]any{"说明", "", "", "", "测试"})
	})
}

// BenchmarkParseWorkbook reads a workbook at the row limit of a sheet.
func BenchmarkParseWorkbook(b *testing.B) {
	data := bigWorkbook(b, 4900)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(Upload{Name: "big.xlsx", Data: data}, Expect{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTemplate makes Hengshan's template from the real January dataset.
func BenchmarkTemplate(b *testing.B) {
	in := TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: hengshan(b)}
	for b.Loop() {
		if _, err := Template(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseHengshan reads that template back.
func BenchmarkParseHengshan(b *testing.B) {
	base := hengshan(b)
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02", Base: base})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(x)))
	for b.Loop() {
		if _, err := Parse(Upload{Name: "t.xlsx", Data: x}, Expect{CountyCode: "430423", Period: "2023-02", Base: base}); err != nil {
			b.Fatal(err)
		}
	}
}
