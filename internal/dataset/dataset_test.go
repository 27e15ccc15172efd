package dataset

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

const samplePath = "../../config/samples/datasets/hengshan-2023-01.yaml"

func readSample(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indicator(t *testing.T, d *Dataset, id string) *Indicator {
	t.Helper()
	for i := range d.Indicators {
		if d.Indicators[i].ID == id {
			return &d.Indicators[i]
		}
	}
	t.Fatalf("indicator %q missing", id)
	return nil
}

func TestHengshanSample(t *testing.T) {
	d, err := Parse(readSample(t), samplePath)
	if err != nil {
		t.Fatalf("sample refused:\n%v", err)
	}
	if d.Meta.CountyCode != "430423" || d.Meta.Period != "2023-01" || d.Meta.CountyName != "衡山县" {
		t.Errorf("meta = %+v", d.Meta)
	}
	figures := map[string]struct{ value, change string }{
		"urban_disposable_income":          {"", "7.0"},
		"key_project_investment":           {"54.98", ""},
		"local_tax":                        {"6.31", "10.8"},
		"gdp":                              {"", "5.8"},
		"petitions":                        {"", "-10.4"},
		"city_key_project_investment_rate": {"90.56", ""},
	}
	for id, want := range figures {
		in := indicator(t, d, id)
		if got := numStr(in.Value); got != want.value {
			t.Errorf("%s.value = %q, want %q", id, got, want.value)
		}
		if got := numStr(in.Change); got != want.change {
			t.Errorf("%s.change = %q, want %q", id, got, want.change)
		}
	}
	var plans, reviews int
	for _, s := range d.Sections {
		switch s.Kind {
		case KindPlan:
			plans++
			if s.Summary == "" || len(s.Items) == 0 {
				t.Errorf("plan %s lacks 思路 or 任务", s.Label)
			}
		case KindReview:
			reviews++
		}
	}
	if plans != 6 || reviews != 7 {
		t.Errorf("%d plans and %d reviews, want 6 大事 and 7 动能", plans, reviews)
	}
	norm, _ := d.Normalized()
	if !bytes.Contains(norm, []byte(`"change": 7.0`)) || !bytes.Contains(norm, []byte(`"value": 54.98`)) {
		t.Errorf("normalized JSON lost the published precision")
	}
}

func numStr(n *Number) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// toBlockYAML re-encodes JSON as block-style YAML, keeping number literals.
func toBlockYAML(t *testing.T, js []byte) []byte {
	var n yaml.Node
	if err := yaml.Unmarshal(js, &n); err != nil {
		t.Fatal(err)
	}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			n.Style = 0
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&n)
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTripJSONYAML(t *testing.T) {
	d, err := Parse(readSample(t), samplePath)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := d.Normalized()
	tests := map[string]struct {
		data []byte
		name string
	}{
		"json by extension":  {js, "d.json"},
		"json by content":    {js, "upload"},
		"yaml from the json": {toBlockYAML(t, js), "d.yaml"},
		"yaml by content":    {toBlockYAML(t, js), "upload"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d2, err := Parse(tc.data, tc.name)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			js2, _ := d2.Normalized()
			if !bytes.Equal(js, js2) {
				t.Errorf("round trip changed the dataset:\n%s", js2)
			}
		})
	}
}

func TestSchemaPublished(t *testing.T) {
	pub, err := os.ReadFile("../../config/schema/dataset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub, Schema) {
		t.Error("config/schema/dataset.schema.json differs from internal/dataset/schema.json: copy it")
	}
	for _, field := range []string{`"countyCode"`, `"indicators"`, `"sections"`, `"photos"`, `"review"`, `"plan"`, `"note"`} {
		if !bytes.Contains(Schema, []byte(field)) {
			t.Errorf("schema lacks %s", field)
		}
	}
}

const validJSON = `{
 "meta": {"countyCode": "430423", "countyName": "衡山县", "period": "2023-01", "title": "标题"},
 "indicators": [{"id": "gdp", "name": "GDP", "change": 5.8}],
 "sections": [{"kind": "review", "title": "回顾", "items": ["内容"]}]
}`

const validYAML = `meta:
  countyCode: "430423"
  countyName: 衡山县
  period: "2023-01"
  title: 标题
indicators:
  - id: gdp
    name: GDP
    change: 5.8
sections:
  - kind: review
    title: 回顾
    items: [内容]
`

func TestValidMinimal(t *testing.T) {
	for name, doc := range map[string]string{"a.json": validJSON, "a.yaml": validYAML} {
		if _, err := Parse([]byte(doc), name); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	r := strings.NewReplacer
	j := func(old, new string) string { return r(old, new).Replace(validJSON) }
	y := func(old, new string) string { return r(old, new).Replace(validYAML) }
	four := `"indicators": [{"id": "a", "name": "A", "change": 1}, {"id": "b", "name": "B", "change": 2}, {"id": "c", "name": "C", "value": 3, "unit": "个"}, {"id": "d", "name": "D", "value": 4}]`
	tests := map[string]struct {
		doc, name string
		paths     []string
	}{
		"missing county code":       {j(`"countyCode": "430423", `, ""), "d.json", []string{"meta.countyCode"}},
		"short county code":         {j(`"430423"`, `"4304"`), "d.json", []string{"meta.countyCode"}},
		"county code as number":     {j(`"430423"`, `430423`), "d.json", []string{"meta.countyCode"}},
		"month 13":                  {j(`"2023-01"`, `"2023-13"`), "d.json", []string{"meta.period"}},
		"period with slash":         {j(`"2023-01"`, `"2023/01"`), "d.json", []string{"meta.period"}},
		"period as yaml date":       {y(`period: "2023-01"`, `period: 2023-01-09`), "d.yaml", []string{"meta.period"}},
		"missing title":             {j(`, "title": "标题"`, ""), "d.json", []string{"meta.title"}},
		"title with newline":        {j(`"标题"`, `"标\n题"`), "d.json", []string{"meta.title"}},
		"no indicators":             {j(`[{"id": "gdp", "name": "GDP", "change": 5.8}]`, `[]`), "d.json", []string{"indicators"}},
		"fourth unit missing":       {j(`"indicators": [{"id": "gdp", "name": "GDP", "change": 5.8}]`, four), "d.json", []string{"indicators[3].unit"}},
		"neither value nor change":  {j(`, "change": 5.8`, ""), "d.json", []string{"indicators[0]"}},
		"duplicate ids":             {j(`[{"id": "gdp", "name": "GDP", "change": 5.8}]`, `[{"id": "gdp", "name": "GDP", "change": 5.8}, {"id": "gdp", "name": "G", "change": 1}]`), "d.json", []string{"indicators[1].id"}},
		"bad id":                    {j(`"id": "gdp"`, `"id": "GDP-1"`), "d.json", []string{"indicators[0].id"}},
		"value as string":           {j(`"change": 5.8`, `"change": "5.8"`), "d.json", []string{"indicators[0].change"}},
		"yaml nan":                  {y(`change: 5.8`, `change: .nan`), "d.yaml", []string{"indicators[0].change"}},
		"yaml inf":                  {y(`change: 5.8`, `change: .inf`), "d.yaml", []string{"indicators[0].change"}},
		"yaml minus inf":            {y(`change: 5.8`, `change: -.Inf`), "d.yaml", []string{"indicators[0].change"}},
		"json overflow to inf":      {j(`5.8`, `1e999`), "d.json", []string{"indicators[0].change"}},
		"json NaN token":            {j(`5.8`, `NaN`), "d.json", []string{""}},
		"string past the limit":     {j(`["内容"]`, `["`+strings.Repeat("长", MaxStringRunes+1)+`"]`), "d.json", []string{"sections[0].items[0]"}},
		"non-UTF-8 bytes":           {j(`"标题"`, "\"\xff\xfe标题\""), "d.json", []string{""}},
		"unknown section kind":      {j(`"kind": "review"`, `"kind": "summary"`), "d.json", []string{"sections[0].kind"}},
		"section without text":      {j(`, "items": ["内容"]`, ""), "d.json", []string{"sections[0].items"}},
		"photo climbs out":          {j(`"sections"`, `"photos": [{"asset": "../../etc/passwd", "caption": "c"}], "sections"`), "d.json", []string{"photos[0].asset"}},
		"photo climbs in middle":    {j(`"sections"`, `"photos": [{"asset": "a/../../b.jpg", "caption": "c"}], "sections"`), "d.json", []string{"photos[0].asset"}},
		"photo absolute":            {j(`"sections"`, `"photos": [{"asset": "/etc/passwd", "caption": "c"}], "sections"`), "d.json", []string{"photos[0].asset"}},
		"photo without caption":     {j(`"sections"`, `"photos": [{"asset": "a.jpg"}], "sections"`), "d.json", []string{"photos[0].caption"}},
		"unknown field":             {j(`"title": "标题"`, `"title": "标题", "colour": "red"`), "d.json", []string{"meta.colour"}},
		"sections not a list":       {j(`[{"kind": "review", "title": "回顾", "items": ["内容"]}]`, `{"kind": "review"}`), "d.json", []string{"sections"}},
		"bad event date":            {j(`"title": "标题"`, `"title": "标题", "event": {"name": "会", "date": "2023-02-30"}`), "d.json", []string{"meta.event.date"}},
		"history not earlier":       {j(`"change": 5.8`, `"change": 5.8, "history": [{"period": "2023-02", "change": 1}]`), "d.json", []string{"indicators[0].history[0].period"}},
		"duplicate yaml key":        {y("  title: 标题\n", "  title: 标题\n  title: 又一个\n"), "d.yaml", []string{""}},
		"not an object":             {`[1, 2]`, "d.json", []string{""}},
		"reference period month 13": {j(`"period": "2023-01"`, `"period": "2023-01", "referencePeriod": "2022-13"`), "d.json", []string{"meta.referencePeriod"}},
		"target without period":     {j(`"change": 5.8`, `"change": 5.8, "unit": "%", "target": 6`), "d.json", []string{"meta.targetPeriod"}},
		"bad target bound":          {r(`"period": "2023-01"`, `"period": "2023-01", "targetPeriod": "2023"`, `"change": 5.8`, `"change": 5.8, "unit": "%", "target": 6, "targetBound": "over"`).Replace(validJSON), "d.json", []string{"indicators[0].targetBound"}},
		"itemsEn count":             {j(`"items": ["内容"]`, `"items": ["内容"], "itemsEn": ["a", "b"]`), "d.json", []string{"sections[0].itemsEn"}},
		"leadEn without lead":       {j(`"title": "标题"`, `"title": "标题", "leadEn": ["x"]`), "d.json", []string{"meta.leadEn"}},
		"translation without by":    {j(`"title": "标题"`, `"title": "标题", "translation": {"note": "x"}`), "d.json", []string{"meta.translation.by"}},
		"empty file":                {``, "d.yaml", []string{""}},
	}
	tests["every error at once"] = struct {
		doc, name string
		paths     []string
	}{
		`{"meta": {"countyCode": "x", "period": "2023", "title": ""}, "indicators": [{"id": "a", "name": "A", "value": 1}, {"id": "a", "name": "B", "change": 0.5}], "sections": [{"kind": "x"}]}`,
		"d.json", []string{"meta.countyCode", "meta.countyName", "meta.period", "meta.title", "indicators[0].unit", "indicators[1].id", "sections[0].kind", "sections[0].items"},
	}
	if len(tests) < 20 {
		t.Fatalf("only %d cases", len(tests))
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := Parse([]byte(tc.doc), tc.name)
			if err == nil {
				t.Fatalf("accepted: %+v", d.Meta)
			}
			es, ok := AsErrors(err)
			if !ok {
				t.Fatalf("error is %T, want Errors", err)
			}
			got := map[string]bool{}
			for _, e := range es {
				got[e.Path] = true
				if e.Msg == "" {
					t.Errorf("empty message at %q", e.Path)
				}
			}
			for _, p := range tc.paths {
				if !got[p] {
					t.Errorf("no error at %q; got:\n%v", p, err)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readSample(f), "d.yaml")
	f.Add([]byte(validJSON), "d.json")
	f.Add([]byte(validYAML), "d.yaml")
	f.Add([]byte("a: &a [*a]"), "d.yaml")
	f.Add([]byte(`{"meta": 1e400}`), "d.json")
	f.Add(jsonValues(3000), "d.json")
	f.Add([]byte("x: ["+strings.Repeat("0,", 2000)+"0]"), "d.yaml")
	f.Add([]byte(strings.Repeat("[", 200)), "d.json")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		d, err := Parse(data, name)
		if err != nil {
			if _, ok := AsErrors(err); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		js, err := d.Normalized()
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Parse(js, "n.json")
		if err != nil {
			t.Fatalf("normalized form refused: %v\n%s", err, js)
		}
		js2, _ := d2.Normalized()
		if !bytes.Equal(js, js2) {
			t.Fatalf("normalized form not stable")
		}
	})
}

// Every field of the model is described in the schema, at its place, and
// the schema describes nothing the model lacks.
func TestSchemaCoversModel(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	var walk func(path string, typ reflect.Type, node map[string]any)
	walk = func(path string, typ reflect.Type, node map[string]any) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
			if items, ok := node["items"].(map[string]any); ok {
				node = items
			}
		}
		if ref, ok := node["$ref"].(string); ok {
			node, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeOf(Number{}) {
			return
		}
		props, _ := node["properties"].(map[string]any)
		for i := 0; i < typ.NumField(); i++ {
			name := jsonName(typ.Field(i))
			sub, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("schema lacks %s.%s", path, name)
				continue
			}
			walk(path+"."+name, typ.Field(i).Type, sub)
		}
		if len(props) != typ.NumField() {
			t.Errorf("%s: schema has %d properties, the model %d", path, len(props), typ.NumField())
		}
	}
	walk("", reflect.TypeOf(Dataset{}), root)
}

func TestEnglishAmount(t *testing.T) {
	for _, tc := range []struct{ lit, unit, value, unitEn string }{
		{"54.98", "亿元", "5.498", "billion yuan"},
		{"6.31", "亿元", "631", "million yuan"},
		{"10.62", "亿元", "1.062", "billion yuan"},
		{"2.06", "亿元", "206", "million yuan"},
		{"50.24", "万亩", "502400", "mu"},
		{"50", "万亩", "500000", "mu"},
		{"21", "万吨", "210000", "tonnes"},
		{"6350", "万元", "63.5", "million yuan"},
		{"0.5", "万元", "5000", "yuan"},
		{"-1.5", "亿元", "-150", "million yuan"},
		{"200", "亿元", "20", "billion yuan"},
	} {
		v, u, ok := EnglishAmount(tc.lit, tc.unit)
		if !ok || v != tc.value || u != tc.unitEn {
			t.Errorf("EnglishAmount(%s %s) = %q %q %v, want %q %q", tc.lit, tc.unit, v, u, ok, tc.value, tc.unitEn)
		}
	}
	if _, _, ok := EnglishAmount("79", "个"); ok {
		t.Error("个 has no scale")
	}
}

// EnglishAmount never panics, and what it returns is a number.
func FuzzEnglishAmount(f *testing.F) {
	for _, s := range []string{"54.98", "0.5", "-1.5", "200", "0", "0.0001", "1e5", "007", "."} {
		f.Add(s, "亿元")
		f.Add(s, "万亩")
	}
	f.Fuzz(func(t *testing.T, lit, unit string) {
		v, u, ok := EnglishAmount(lit, unit)
		if !ok {
			return
		}
		if _, good := NewNumber(v); !good || u == "" && unit != "亿" && unit != "万" {
			t.Fatalf("EnglishAmount(%q, %q) = %q, %q", lit, unit, v, u)
		}
	})
}

// The period a figure covers: its own basis, else the dataset's reference period.
func TestBasisOf(t *testing.T) {
	d := &Dataset{Meta: Meta{ReferencePeriod: "2022"}}
	own := &Indicator{Basis: "前三季度", BasisEn: "first three quarters"}
	for _, tc := range []struct {
		ref  string
		in   *Indicator
		lang string
		want string
	}{
		{"2022", &Indicator{}, "zh-CN", "2022年"},
		{"2022", &Indicator{}, "en", "2022"},
		{"2022-12", &Indicator{}, "zh-CN", "2022年12月"},
		{"2022-Q3", &Indicator{}, "zh-CN", "2022年第3季度"},
		{"2022", own, "zh-CN", "前三季度"},
		{"2022", own, "en", "first three quarters"},
		{"", &Indicator{}, "zh-CN", ""},
	} {
		d.Meta.ReferencePeriod = tc.ref
		if got := d.BasisOf(tc.in, tc.lang); got != tc.want {
			t.Errorf("BasisOf(%q, %+v, %s) = %q, want %q", tc.ref, tc.in, tc.lang, got, tc.want)
		}
	}
}

func TestEnglishScaleAndShift(t *testing.T) {
	scales := map[string]struct {
		unit    string
		largest float64
		shift   int
		unitEn  string
	}{
		"亿元 in billions":   {"亿元", 445.25, -1, "billion yuan"},
		"亿元 of 10 exactly": {"亿元", 10, -1, "billion yuan"},
		"亿元 in millions":   {"亿元", 6.31, 2, "million yuan"},
		"万元 in millions":   {"万元", 6350, -2, "million yuan"},
		"万亩 in thousands?": {"万亩", 50.24, 4, "mu"},
		"万吨 in millions":   {"万吨", 210, -2, "million tonnes"},
	}
	for name, tc := range scales {
		shift, u, ok := EnglishScale(tc.unit, tc.largest)
		if !ok || shift != tc.shift || u != tc.unitEn {
			t.Errorf("%s: %d %q %v, want %d %q", name, shift, u, ok, tc.shift, tc.unitEn)
		}
	}
	if _, _, ok := EnglishScale("个", 3); ok {
		t.Error("个 has a scale")
	}
	shifts := map[string]struct {
		lit  string
		k    int
		want string
	}{
		"down one":  {"445.25", -1, "44.525"},
		"up two":    {"6.31", 2, "631"},
		"past zero": {"54.98", -3, "0.05498"},
		"padding":   {"1.3", 3, "1300"},
		"negative":  {"-10.4", -1, "-1.04"},
		"zero":      {"0", -2, "0"},
		"unchanged": {"7.0", 0, "7.0"},
	}
	for name, tc := range shifts {
		if got := ShiftDecimal(tc.lit, tc.k); got != tc.want {
			t.Errorf("%s: ShiftDecimal(%q, %d) = %q, want %q", name, tc.lit, tc.k, got, tc.want)
		}
	}
}
