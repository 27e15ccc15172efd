package manifest

import (
	"strings"
	"testing"
)

func sample() *Manifest {
	return &Manifest{
		Schema: Schema, Generator: "test", CountyCode: "430423", CountyName: "衡山县", Period: "2023-01",
		Options: Options{Language: "zh-CN", Paper: "A4", Template: "standard"}, Pages: 3,
		Files:     []File{FileOf("report.pdf", []byte("pdf"))},
		Artifacts: []File{FileOf("report.pdf", []byte("pdf")), FileOf("bundle.zip", []byte("zip"))},
	}
}

func TestRoundTrip(t *testing.T) {
	b, err := sample().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.Marshal()
	if string(again) != string(b) {
		t.Fatalf("not stable:\n%s\n%s", b, again)
	}
	if f, ok := m.Artifact("bundle.zip"); !ok || f.Size != 3 || f.SHA256 != FileOf("", []byte("zip")).SHA256 {
		t.Errorf("artifact %+v %v", f, ok)
	}
	if _, ok := m.Artifact("missing"); ok {
		t.Error("found an artifact that is not listed")
	}
}

func TestParseRefuses(t *testing.T) {
	tests := map[string]struct {
		json string
		want string
	}{
		"not JSON":       {json: "{", want: "manifest:"},
		"other schema":   {json: `{"schema":"x","period":"2023-01"}`, want: "schema"},
		"no period":      {json: `{"schema":"` + Schema + `"}`, want: "period"},
		"short checksum": {json: `{"schema":"` + Schema + `","period":"2023-01","files":[{"name":"a","size":1,"sha256":"ab"}]}`, want: "bad file"},
		"nameless file":  {json: `{"schema":"` + Schema + `","period":"2023-01","artifacts":[{"name":"","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}]}`, want: "bad file"},
		"negative size":  {json: `{"schema":"` + Schema + `","period":"2023-01","files":[{"name":"a","size":-1,"sha256":"` + strings.Repeat("a", 64) + `"}]}`, want: "bad file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	b, _ := sample().Marshal()
	f.Add(b)
	f.Add([]byte(`{"schema":"` + Schema + `","period":"2023-01"}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses must survive its own round trip.
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
	})
}
