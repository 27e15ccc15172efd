package submission

import (
	"bytes"
	"os"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/repo"
)

// hengshan is the one real dataset (config/samples, transcribed from the seed article).
func hengshan(t testing.TB) *dataset.Dataset {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Parse(data, "hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// A template made from a dataset reads back as that dataset.
func TestTemplateRoundTrip(t *testing.T) {
	ds := hengshan(t)
	in := TemplateInput{CountyCode: "430423", CountyName: "衡山县", CountyNameEn: "Hengshan County", Period: "2023-01", Base: ds}
	x, err := Template(in)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Template(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("two templates from the same input differ (%d and %d bytes)", len(x), len(y))
	}
	os.WriteFile("/tmp/tmpl.xlsx", x, 0o644)
	p, err := Parse(Upload{Name: "t.xlsx", Data: x}, Expect{CountyCode: "430423", Period: "2023-01", Base: ds})
	if err != nil {
		t.Fatalf("parse the template back: %v", err)
	}
	want, _ := ds.Normalized()
	if !bytes.Equal(p.Normalized, want) {
		os.WriteFile("/tmp/got.json", p.Normalized, 0o644)
		os.WriteFile("/tmp/want.json", want, 0o644)
		t.Fatalf("round trip differs: diff /tmp/want.json /tmp/got.json")
	}
}
