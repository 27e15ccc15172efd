package submission

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// JSON, YAML and the web form are refused by field path, with dataset's
// own messages split into Chinese and English.
func TestParseFileProblems(t *testing.T) {
	want := Expect{CountyCode: "430423", Period: "2023-02"}
	cases := []struct {
		name   string
		up     Upload
		zh, en string // the first problem
		n      int    // how many
	}{
		{"another county", Upload{Name: "f.yaml", Data: []byte(strings.Replace(februaryYAML, `"430423"`, `"430421"`, 1))},
			"meta.countyCode：应为本县的代码 430423，实为 430421", "meta.countyCode: must be this county's code 430423, not 430421", 1},
		{"another period, as JSON", Upload{Name: "f.json", Data: []byte(`{"meta":{"countyCode":"430423","countyName":"衡山县","period":"2023-03","title":"t"},
			"indicators":[{"id":"a","name":"测试","change":1}],"sections":[{"kind":"note","items":["x"]}]}`)},
			"meta.period：应为本次报送的期次 2023-02，实为 2023-03", "meta.period: must be the period being submitted, 2023-02, not 2023-03", 1},
		{"value without unit", Upload{Name: "f.yaml", Data: []byte(strings.Replace(februaryYAML, "    unit: 亿元\n", "", 1))},
			"indicators[0].unit：", "indicators[0].unit: ", 1},
		{"the form", Upload{Format: FormatForm, Data: []byte(`{"meta":{"countyCode":"430423","period":"2023-02"}}`)},
			"meta.countyName：", "meta.countyName: ", 4},
		{"YAML syntax", Upload{Name: "f.yml", Data: []byte("meta: [")}, "", "", 1},
		{"JSON by content", Upload{Name: "upload", Data: []byte(`{"meta": 1}`)}, "meta：", "meta: ", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.up, want)
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("Parse: %v, want problems", err)
			}
			if tc.n > 0 && len(ps) != tc.n {
				t.Errorf("%d problems, want %d:\n%v", len(ps), tc.n, ps)
			}
			if !strings.HasPrefix(ps[0].Zh(), tc.zh) || !strings.HasPrefix(ps[0].En(), tc.en) || ps[0].Msg == "" || ps[0].MsgEn == "" {
				t.Errorf("first problem:\n got %s\n     %s\nwant %s… / %s…", ps[0].Zh(), ps[0].En(), tc.zh, tc.en)
			}
			if strings.Contains(ps[0].Msg, " / ") {
				t.Errorf("Chinese message still holds the English: %q", ps[0].Msg)
			}
		})
	}
}

// A county without stored data gets a blank template, and what a user
// fills in it (made up here) reads back.
func TestBlankTemplate(t *testing.T) {
	x, err := Template(TemplateInput{CountyCode: "430423", CountyName: "衡山县", Period: "2023-02"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(Upload{Name: "blank.xlsx", Data: x}, Expect{CountyCode: "430423", Period: "2023-02"})
	ps, ok := AsProblems(err)
	if !ok || !strings.Contains(ps.Error(), "基本信息（标题 title）：不能为空") || !strings.Contains(ps.Error(), "至少需要一项指标") {
		t.Fatalf("the blank template as it comes: %v", err)
	}
	filled := fill(t, x, func(f *excelize.File) {
		must(t, f.SetCellStr(sheetMeta, metaCell(t, f, "title"), "测试用虚构标题"))
		must(t, f.SetSheetRow("指标", "A4", &[]any{"made_up_test_count", "测试用虚构指标", 3, "个", 1.5}))
		must(t, f.SetSheetRow("文字", "A4", &[]any{"说明", "", "", "", "测试用虚构条目一"}))
		must(t, f.SetCellStr("文字", "E5", "测试用虚构条目二"))
	})
	p, err := Parse(Upload{Name: "filled.xlsx", Data: filled}, Expect{CountyCode: "430423", Period: "2023-02"})
	if err != nil {
		t.Fatalf("the filled blank template: %v", err)
	}
	d := p.Dataset
	got := fmt.Sprintf("%s|%s %s %s %s|%s %v", d.Meta.Title, d.Indicators[0].ID, d.Indicators[0].Value, d.Indicators[0].Unit, d.Indicators[0].Change, d.Sections[0].Kind, d.Sections[0].Items)
	if want := "测试用虚构标题|made_up_test_count 3 个 1.5|note [测试用虚构条目一 测试用虚构条目二]"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestPending(t *testing.T) {
	clock := &fakeClock{t: time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)}
	s := NewPending(time.Minute, 2)
	s.now = clock.now
	p1, p2, p3 := &Preview{Period: "1"}, &Preview{Period: "2"}, &Preview{Period: "3"}
	t1 := s.Put("wang", p1)
	if got, ok := s.Get("wang", t1); !ok || got != p1 {
		t.Fatal("own preview not found")
	}
	if _, ok := s.Get("li", t1); ok {
		t.Fatal("another account's token gave the preview")
	}
	if _, ok := s.Get("wang", "guess"); ok {
		t.Fatal("a guessed token gave a preview")
	}
	t2, t3 := s.Put("wang", p2), s.Put("wang", p3) // over the limit: the oldest goes
	if _, ok := s.Get("wang", t1); ok {
		t.Fatal("the oldest preview was kept past the limit")
	}
	if _, ok := s.Get("wang", t2); !ok {
		t.Fatal("a newer preview was dropped")
	}
	s.Delete(t2)
	if _, ok := s.Get("wang", t2); ok {
		t.Fatal("a deleted preview was found")
	}
	clock.mu.Lock()
	clock.t = clock.t.Add(2 * time.Minute)
	clock.mu.Unlock()
	if _, ok := s.Get("wang", t3); ok {
		t.Fatal("an expired preview was found")
	}
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		name string
		data string
		want Format
	}{
		{"a.xlsx", "PK\x03\x04...", FormatXLSX},
		{"a.json", "PK\x03\x04...", FormatXLSX}, // a workbook renamed
		{"A.XLSX", "not a zip", FormatXLSX},     // refused later as not a workbook
		{"a.json", "meta: {}", FormatJSON},
		{"a.yml", "{}", FormatYAML},
		{"C:\\dir\\a.yaml", "{}", FormatYAML},
		{"upload", " \n{\"meta\":{}}", FormatJSON},
		{"upload", "meta: {}", FormatYAML},
	}
	for _, tc := range cases {
		if got := DetectFormat(tc.name, []byte(tc.data)); got != tc.want {
			t.Errorf("DetectFormat(%q, %q) = %s, want %s", tc.name, tc.data, got, tc.want)
		}
	}
}
