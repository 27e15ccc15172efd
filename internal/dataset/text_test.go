package dataset

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNumberFromText(t *testing.T) {
	tests := map[string]struct {
		text, want string
		ok         bool
	}{
		"as written":       {text: "7.0", want: "7.0", ok: true},
		"space and plus":   {text: " +10.8 ", want: "10.8", ok: true},
		"negative":         {text: "-10.4", want: "-10.4", ok: true},
		"exponent":         {text: "1E5", want: "1E5", ok: true},
		"empty":            {text: "  ", ok: true},
		"words":            {text: "十二"},
		"two plus signs":   {text: "++1"},
		"leading zero":     {text: "007"},
		"trailing point":   {text: "1."},
		"out of range":     {text: "1e400"},
		"not a number":     {text: "NaN"},
		"hexadecimal":      {text: "0x10"},
		"thousands commas": {text: "1,200"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, ok := NumberFromText(tc.text)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			got := ""
			if n != nil {
				got = n.String()
			}
			if got != tc.want {
				t.Fatalf("%q read as %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// A form's text where a number belongs is refused as the same text in a
// file is: the same problems, the field counted as given (no "unit
// required" missing, no "value or change required" added).
func TestParseFormReadsTypedTextInPlace(t *testing.T) {
	const head = `{"meta":{"countyCode":"999001","countyName":"样例县","period":"2023-02","title":"虚构"},` +
		`"sections":[{"kind":"note","title":"说明","items":["虚构数据。"]}],"indicators":[{"id":"a","name":"甲"`
	tests := map[string]struct {
		typed map[string]string
		file  string // the same text written in the file
	}{
		"value":            {typed: map[string]string{"indicators[0].value": "十二"}, file: `,"value":"十二"`},
		"value and change": {typed: map[string]string{"indicators[0].value": "x", "indicators[0].change": "y"}, file: `,"change":"y","value":"x"`},
		"no such row":      {typed: map[string]string{"indicators[5].value": "x"}, file: ``},
		"not a path":       {typed: map[string]string{"indicators[0.value": "x", "meta.title.x": "y"}, file: ``},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, errForm := ParseForm([]byte(head+`,"unit":"个"}]}`), "form.json", tc.typed)
			_, errFile := Parse([]byte(head+`,"unit":"个"`+tc.file+`}]}`), "file.json")
			if msg(errForm) != msg(errFile) {
				t.Fatalf("the form is refused with\n%v\nthe file with\n%v", errForm, errFile)
			}
		})
	}
}

func msg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Whatever is typed, NumberFromText keeps a number exactly as typed (but
// for space and a plus sign) or refuses it, and ParseForm then refuses it
// as Parse refuses the same text in a file.
func FuzzNumberFromText(f *testing.F) {
	for _, s := range []string{"7.0", " +10.8 ", "", "1e400", "NaN", "0x10", "-0", "1_000", "+", "\u00a01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n, ok := NumberFromText(text)
		trimmed := strings.TrimPrefix(strings.TrimSpace(text), "+")
		switch {
		case ok && n == nil:
			if trimmed != "" {
				t.Fatalf("%q read as no figure", text)
			}
			return
		case ok:
			if n.String() != trimmed || !json.Valid([]byte(n.String())) || !finite(n.String()) {
				t.Fatalf("%q read as %q", text, n.String())
			}
			return
		}
		quoted, err := json.Marshal(trimmed)
		if err != nil {
			t.Fatal(err)
		}
		const head = `{"meta":{"countyCode":"999001","countyName":"样例县","period":"2023-02","title":"虚构"},"sections":[],"indicators":[{"id":"a","name":"甲","unit":"个"`
		_, errForm := ParseForm([]byte(head+`}]}`), "form.json", map[string]string{"indicators[0].value": trimmed})
		_, errFile := Parse([]byte(head+`,"value":`+string(quoted)+`}]}`), "file.json")
		if errForm == nil || msg(errForm) != msg(errFile) {
			t.Fatalf("%q: the form is refused with\n%v\nthe file with\n%v", text, errForm, errFile)
		}
	})
}
