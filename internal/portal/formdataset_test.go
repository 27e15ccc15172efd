package portal

import (
	"bytes"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/submission"
)

// The made-up county of these tests (not a real place, no real figures).
var formCounty = &Config{CountyCode: "999001", CountyName: "样例县", EnglishName: "Sample County"}

// formFixture is a made-up dataset holding only what the web form shows.
func formFixture(t *testing.T, doc string) *dataset.Dataset {
	t.Helper()
	ds, err := dataset.Parse([]byte(doc), "fixture.yaml")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return ds
}

const formFixtureMeta = `meta: {countyCode: "999001", countyName: 样例县, countyNameEn: Sample County, period: "2023-02", title: 样例县二月经济运行（虚构数据）}
`

// The same figures handed in through the web form, a workbook made from
// the template, and a JSON file become the same dataset, byte for byte.
func TestFormWorkbookAndJSONAgree(t *testing.T) {
	tests := map[string]string{
		"one figure": formFixtureMeta + `indicators:
  - {id: gdp, name: 地区生产总值, nameEn: GDP, value: 54.98, unit: 亿元, change: 7.0}
sections:
  - {kind: review, title: 回顾, summary: 稳中有进。}
`,
		"precision, signs, a change alone, a basis": formFixtureMeta + `indicators:
  - {id: gdp, name: 地区生产总值, value: 54.90, unit: 亿元, change: -10.4, basis: 前三季度}
  - {id: retail, name: 社会消费品零售总额, change: 0.0}
  - {id: firms, name: 新增市场主体, value: 1200, unit: 户}
sections:
  - {kind: plan, label: 任务一, title: 项目建设, summary: 抓项目。, items: [开工十个项目, 竣工五个项目]}
  - {kind: note, title: 说明, items: [数据为虚构。]}
`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			want := formFixture(t, doc)
			wantJSON, err := want.Normalized()
			if err != nil {
				t.Fatal(err)
			}
			expect := submission.Expect{CountyCode: formCounty.CountyCode, Period: want.Meta.Period}
			form, err := newFormView(want.Meta.Period, want).upload(nil, formCounty)
			if err != nil {
				t.Fatal(err)
			}
			book, err := submission.Template(submission.TemplateInput{CountyCode: formCounty.CountyCode, CountyName: formCounty.CountyName,
				CountyNameEn: formCounty.EnglishName, Period: want.Meta.Period, Base: want})
			if err != nil {
				t.Fatal(err)
			}
			for path, up := range map[string]submission.Upload{
				"form":     form,
				"workbook": {Name: "sample.xlsx", Data: book},
				"JSON":     {Name: "sample.json", Data: wantJSON},
				"YAML":     {Name: "sample.yaml", Data: []byte(doc)},
			} {
				p, err := submission.Parse(up, expect)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if !bytes.Equal(p.Normalized, wantJSON) {
					t.Errorf("%s: the dataset differs:\n%s\nwant:\n%s", path, p.Normalized, wantJSON)
				}
			}
		})
	}
}

// A figure that is not a number is refused by the same validation whether
// it is typed into the form or written in a JSON or YAML file: the same
// problems at the same paths, which the form then names by its own rows.
func TestFormRefusedAsAFileIs(t *testing.T) {
	tests := map[string]struct {
		value, change, unit string
		wantForm            []string // the form's messages, in Chinese
	}{
		"text for the value": {value: "十二", change: "7.0", unit: "亿元",
			wantForm: []string{"指标第1行「地区生产总值」的数值：应为数字，实为字符串"}},
		"text for both, no unit": {value: "很多", change: "up", unit: "",
			wantForm: []string{"指标第1行「地区生产总值」的数值：应为数字，实为字符串", "指标第1行「地区生产总值」的同比：应为数字，实为字符串",
				"指标第1行「地区生产总值」的单位：不能为空"}},
		"a number out of range": {value: "1e400", unit: "亿元",
			wantForm: []string{"指标第1行「地区生产总值」的数值：应为数字，实为字符串"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := &formView{Period: "2023-02", Title: "样例（虚构）",
				Indicators: []formIndicator{{ID: "gdp", Name: "地区生产总值", Value: tc.value, Change: tc.change, Unit: tc.unit}},
				Sections:   []formSection{{Kind: dataset.KindNote, Title: "说明", Items: "数据为虚构。"}}}
			form, err := v.upload(nil, formCounty)
			if err != nil {
				t.Fatal(err)
			}
			file := `{"meta": {"countyCode": "999001", "countyName": "样例县", "countyNameEn": "Sample County", "period": "2023-02", "title": "样例（虚构）"},
"indicators": [{"id": "gdp", "name": "地区生产总值"` + field("value", tc.value) + field("change", tc.change) + field("unit", tc.unit) + `}],
"sections": [{"kind": "note", "title": "说明", "items": ["数据为虚构。"]}]}`
			expect := submission.Expect{CountyCode: "999001", Period: "2023-02"}
			var got [][]string
			for _, up := range []submission.Upload{form, {Name: "d.json", Data: []byte(file)}, {Name: "d.yaml", Data: []byte(file)}} {
				_, err := submission.Parse(up, expect)
				ps, ok := submission.AsProblems(err)
				if !ok {
					t.Fatalf("%s: not refused: %v", up.Name, err)
				}
				var pm []string
				for _, p := range ps {
					pm = append(pm, p.Path+": "+p.Msg)
				}
				got = append(got, pm)
				if up.Format == submission.FormatForm {
					v.locate(ps, "zh-CN")
					var texts []string
					for _, fp := range v.Problems {
						texts = append(texts, fp.Text)
					}
					if !equalSets(texts, tc.wantForm) {
						t.Errorf("the form says %q, want %q", texts, tc.wantForm)
					}
				}
			}
			for i, name := range []string{"JSON", "YAML"} {
				if !equalSets(got[0], got[i+1]) {
					t.Errorf("the form is refused with %q, a %s file with %q", got[0], name, got[i+1])
				}
			}
		})
	}
}

// field is `, "k": v` in a JSON object: a number as a number, other text
// as a string, nothing for an empty v.
func field(k, v string) string {
	if v == "" {
		return ""
	}
	if n, ok := dataset.NumberFromText(v); ok {
		return `, "` + k + `": ` + n.String()
	}
	return `, "` + k + `": "` + v + `"`
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s]--; seen[s] < 0 {
			return false
		}
	}
	return true
}
