package dataset

import (
	"strconv"
	"strings"
	"testing"
)

// The faults issue 12 found in Parse's messages, one test each.

func parseErrs(t *testing.T, doc, name string) Errors {
	t.Helper()
	_, err := Parse([]byte(doc), name)
	es, ok := AsErrors(err)
	if !ok {
		t.Fatalf("error is %T (%v), want Errors", err, err)
	}
	return es
}

// A field over the length limit is one problem: no spurious 不能为空 beside it.
func TestOneErrorPerProblem(t *testing.T) {
	long := strings.Repeat("长", MaxStringRunes+1)
	doc := strings.Replace(validJSON, `"标题"`, `"`+long+`"`, 1)
	es := parseErrs(t, doc, "d.json")
	if len(es) != 1 || es[0].Path != "meta.title" || !strings.Contains(es[0].Msg, "过长") {
		t.Errorf("want one 过长 error at meta.title, got:\n%v", es)
	}
}

// A type error reads cleanly in each language: the Chinese half names the
// kind in Chinese, the English half in English.
func TestTypeErrorBilingual(t *testing.T) {
	doc := strings.Replace(validJSON, `"change": 5.8`, `"change": "5.8"`, 1)
	es := parseErrs(t, doc, "d.json")
	want := "应为数字，实为字符串 / must be a number, not a string"
	if len(es) != 1 || es[0].Msg != want {
		t.Errorf("got %v, want %q", es, want)
	}
}

// A non-UTF-8 file names the line and column and says how to fix it.
func TestNonUTF8Line(t *testing.T) {
	doc := "meta:\n  countyCode: \"430423\"\n  title: \"\xb1\xea\xcc\xe2\"\n"
	es := parseErrs(t, doc, "d.yaml")
	if len(es) != 1 {
		t.Fatalf("got %v", es)
	}
	for _, s := range []string{"第 3 行第 11 列", "另存为 UTF-8", "line 3, column 11", "save it as UTF-8"} {
		if !strings.Contains(es[0].Msg, s) {
			t.Errorf("message %q lacks %q", es[0].Msg, s)
		}
	}
}

// A YAML syntax error names the line (and column) where the problem is,
// not where the enclosing mapping began.
func TestYAMLSyntaxErrorLine(t *testing.T) {
	for _, tc := range []struct{ doc, zh, en string }{
		// yaml.v3 itself says line 1 (the mapping's start) for this one
		{"meta:\n  countyCode: \"430423\"\n  countyName: 衡山县\n  period: \"2023-01\"\n  - title\nindicators: []\n", "第 5 行第 3 列", "line 5, column 3"},
		// and line 4 for this one
		{"meta:\n  countyCode: \"430423\"\n  countyName: 衡山县\n  period: \"2023-01\"\n title: 标题\n", "第 5 行第 2 列", "line 5, column 2"},
		{"meta:\n  countyCode: \"430423\"\n  title: 标题\n   bad: x\nindicators: []\n", "第 4 行", "line 4"},
	} {
		es := parseErrs(t, tc.doc, "d.yaml")
		if len(es) != 1 || !strings.Contains(es[0].Msg, tc.zh) || !strings.Contains(es[0].Msg, tc.en) {
			t.Errorf("%q: got %v, want %s / %s", tc.doc, es, tc.zh, tc.en)
		}
	}
}

// A JSON syntax error names its line and column.
func TestJSONSyntaxErrorColumn(t *testing.T) {
	doc := "{\n  \"meta\": {\"countyCode\": \"430423\",, \"x\": 1}\n}\n"
	es := parseErrs(t, doc, "d.json")
	if len(es) != 1 || !strings.Contains(es[0].Msg, "第 2 行第 35 列") || !strings.Contains(es[0].Msg, "line 2, column 35") {
		t.Errorf("got %v", es)
	}
}

// Every problem says where it is in the file: the value's line and column,
// or, for a missing field, where its object begins.
func TestErrorsLocated(t *testing.T) {
	yamlDoc := "meta:\n  countyCode: \"430423\"\n  countyName: 衡山县\n  period: \"2023-01\"\n  title: 标题\nindicators:\n  - id: gdp\n    name: GDP\n    change: \"5.8\"\n  - id: tax\n    name: 税收\n    value: 6.31\nsections:\n  - kind: review\n    title: 回顾\n    items: [内容]\n"
	jsonDoc := "{\n \"meta\": {\"countyCode\": \"430423\", \"countyName\": \"衡山县\", \"period\": \"2023-13\", \"title\": \"标题\"},\n \"indicators\": [{\"id\": \"gdp\", \"name\": \"GDP\", \"change\": 5.8}],\n \"sections\": [{\"kind\": \"review\", \"title\": \"回顾\", \"items\": [\"内容\"]}]\n}"
	for _, tc := range []struct {
		doc, name, path string
		line, col       int
	}{
		{yamlDoc, "d.yaml", "indicators[0].change", 9, 13}, // a string, not a number
		{yamlDoc, "d.yaml", "indicators[1].unit", 10, 5},   // missing: where indicators[1] begins
		{jsonDoc, "d.json", "meta.period", 2, 66},
	} {
		es := parseErrs(t, tc.doc, tc.name)
		found := false
		for _, e := range es {
			if e.Path == tc.path {
				found = true
				if e.Line != tc.line || e.Col != tc.col {
					t.Errorf("%s at line %d, column %d; want %d, %d", tc.path, e.Line, e.Col, tc.line, tc.col)
				}
				if w := e.Where(); !strings.Contains(w, "第 "+strconv.Itoa(tc.line)+" 行") {
					t.Errorf("Where() = %q", w)
				}
			}
		}
		if !found {
			t.Errorf("no error at %s: %v", tc.path, es)
		}
	}
}

// A figure is an estimate or a preliminary figure, not both: one problem,
// at the indicator's preliminary field, in both languages.
func TestEstimatedOrPreliminary(t *testing.T) {
	doc := strings.Replace(validJSON, `"change": 5.8`, `"change": 5.8, "estimated": true, "preliminary": true`, 1)
	es := parseErrs(t, doc, "d.json")
	if len(es) != 1 || !strings.HasSuffix(es[0].Path, ".preliminary") || !strings.Contains(es[0].Msg, "只能选一") || !strings.Contains(es[0].Msg, "not both") {
		t.Errorf("want one error at .preliminary, got:\n%v", es)
	}
	ok := strings.Replace(validJSON, `"change": 5.8`, `"change": 5.8, "preliminary": true`, 1)
	d, err := Parse([]byte(ok), "d.json")
	if err != nil || !d.Indicators[0].Preliminary {
		t.Fatalf("a preliminary figure: %v", err)
	}
}
