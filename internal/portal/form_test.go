package portal

import (
	"encoding/json"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

// The web form's fields, whatever is typed, become one JSON document that
// dataset.ParseForm then judges (it never panics, never yields invalid JSON,
// and a number is never silently changed).
func FuzzFormDataset(f *testing.F) {
	f.Add("标题", "local_tax", "6.31", "亿元", "+10.8", "2022年", "summary\nitem")
	f.Add("", "", "1e400", "", "NaN", "", "")
	f.Add("<script>", "x", "0x10", "%", "-0", "\u0000", "\r\n\r\n")
	cfg := &Config{CountyCode: "999001", CountyName: "样例县"}
	f.Fuzz(func(t *testing.T, title, id, value, unit, change, basis, items string) {
		v := &formView{Period: "2023-02", Title: title,
			Indicators: []formIndicator{{ID: id, Name: "名称", Value: value, Unit: unit, Change: change, Basis: basis}},
			Sections:   []formSection{{Kind: dataset.KindNote, Title: title, Items: items}}}
		up, err := v.upload(nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(up.Data) {
			t.Fatalf("invalid JSON: %s", up.Data)
		}
		ds, err := dataset.ParseForm(up.Data, "form.json", up.Typed)
		if err != nil {
			return // refused with its reasons: fine
		}
		if in := ds.Indicators[0]; in.Value != nil && in.Value.String() != trimPlus(value) {
			t.Fatalf("value %q became %q", value, in.Value.String())
		}
	})
}

func trimPlus(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	return s
}
