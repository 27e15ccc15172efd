package submission

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// Every header of the template is in its row's language: Chinese in row
// 1, English (with no CJK and no full-width brackets) in row 2, whatever
// field the dataset adds.
func TestHeadersInTheirLanguage(t *testing.T) {
	all := append([]field{}, metaFields...)
	for _, s := range listSheets {
		all = append(all, s.fields...)
	}
	for _, f := range all {
		zh, en := labelOf(f.key)
		if !strings.ContainsFunc(zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("%s: Chinese header %q", f.key, zh)
		}
		if en == f.key || strings.ContainsFunc(en, func(r rune) bool { return unicode.Is(unicode.Han, r) || r == '（' || r == '）' }) {
			t.Errorf("%s: English header %q", f.key, en)
		}
	}
}

// The template states every rule the upload checks, fills 所属市 from the
// county's configuration, and heads every column in each row's language.
func TestTemplateRulesCityHeaders(t *testing.T) {
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", City: "衡阳市", CityEn: "Hengyang", Period: "2023-02"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheetInstructions)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, r := range rows {
		text.WriteString(strings.Join(r, " ") + "\n")
	}
	for _, want := range []string{"文字：至少需要一节", "只能报送已经结束的月份", "编号以小写字母开头", "有数值或目标必须填单位",
		"目标表述只填“以上”或“以内”", "标题和标签至少填一项", "概述和条目至少填一项", "有投资额必须填单位", "不超过 200 字",
		"Sections: at least one section", ".xls、.csv"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("说明 lacks %q", want)
		}
	}
	meta, err := f.GetRows(sheetMeta)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, r := range meta {
		if len(r) > metaColValue-1 {
			found[r[metaColField-1]] = r[metaColValue-1]
		}
	}
	if found["city"] != "衡阳市" || found["cityEn"] != "Hengyang" {
		t.Errorf("所属市: %q, %q", found["city"], found["cityEn"])
	}
	for _, s := range listSheets {
		hdr, err := f.GetRows(s.name)
		if err != nil || len(hdr) < 3 {
			t.Fatalf("%s: %v", s.name, err)
		}
		for i, zh := range hdr[0] {
			if zh == hdr[2][i] {
				t.Errorf("%s: column %d headed by its field name %q", s.name, i+1, zh)
			}
		}
	}
}
