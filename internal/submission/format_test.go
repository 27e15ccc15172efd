package submission

import (
	"strings"
	"testing"
)

func TestForeignFormat(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 64)...)
	cases := []struct {
		name string
		data []byte
		want string // in the Chinese message; "" for none
	}{
		{"衡山县.xls", ole, "不能读取旧版 Excel 文件（.xls）"},
		{"说明.DOC", ole, "Word 文档（.doc）"},
		{"data.csv", []byte("指标,数值\n地区生产总值,1.0\n"), "不能读取CSV 文件（.csv）"},
		{"renamed.xlsx", ole, ""},      // encrypted, or renamed: the workbook reader says so
		{"noext", ole, "旧版 Office 文件"}, // the bytes tell
		{"report.bin", []byte("%PDF-1.7\n"), "PDF 文件（.pdf）"},
		{`C:\用户\表格.ET`, ole, "WPS 表格文件（.et）"},
		{"data.xlsx", []byte("PK\x03\x04rest"), ""},
		{"data.json", []byte(`{"meta":{}}`), ""},
		{"data.yaml", []byte("meta:\n"), ""},
		{"", []byte(`{}`), ""},
	}
	for _, c := range cases {
		pr := ForeignFormat(c.name, c.data)
		switch {
		case c.want == "" && pr != nil:
			t.Errorf("%s: refused: %s", c.name, pr)
		case c.want != "" && (pr == nil || !strings.Contains(pr.Zh(), c.want) || !strings.Contains(pr.Zh(), ".xlsx 模板")):
			t.Errorf("%s: got %v, want it to name %q", c.name, pr, c.want)
		}
	}
	// Through Parse: the refusal, not the JSON parser's "应为对象".
	_, err := Parse(Upload{Name: "data.csv", Data: []byte("a,b\n1,2\n")}, Expect{CountyCode: "430423", Period: "2023-02"})
	if ps, ok := AsProblems(err); !ok || len(ps) != 1 || !strings.Contains(ps[0].Zh(), "不能读取CSV 文件（.csv）") || !strings.Contains(ps[0].En(), "cannot read CSV files (.csv):") {
		t.Fatalf("csv: %v", err)
	}
}

// ForeignFormat reads any name and bytes without panicking, and never
// refuses a zip not named as a foreign format.
func FuzzForeignFormat(f *testing.F) {
	f.Add("a.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add("a.xlsx", []byte("PK\x03\x04"))
	f.Add(`..\x.CSV`, []byte("%PDF-"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		pr := ForeignFormat(name, data)
		if pr != nil && (pr.Msg == "" || pr.MsgEn == "") {
			t.Fatalf("a refusal without words: %+v", pr)
		}
		if strings.HasSuffix(strings.ToLower(name), ".xlsx") && len(data) >= 4 && string(data[:4]) == "PK\x03\x04" && pr != nil {
			t.Fatalf("a workbook refused: %s", pr)
		}
	})
}
