package submission

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
)

// hengshan is the one real dataset (config/samples, transcribed from the seed article).
func hengshan(t testing.TB) *dataset.Dataset {
	t.Helper()
	ds, err := dataset.Parse(hengshanYAML(t), "hengshan-2023-01.yaml")
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
	checkTemplateSheets(t, x)
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

// checkTemplateSheets: the sheets in order, number and yes/no columns
// validated, fixed document times.
func checkTemplateSheets(t *testing.T, x []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "说明,基本信息,指标,文字,项目,图片"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	dvs, err := f.GetDataValidations("指标")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, dv := range dvs {
		got = append(got, dv.Sqref+" "+dv.Type)
	}
	for _, want := range []string{"C4:C", "E4:E", "F4:F"} { // value, change, target
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) && strings.HasSuffix(s, " decimal") }) {
			t.Errorf("no decimal validation on %s…: %v", want, got)
		}
	}
	if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "H4:H") && strings.HasSuffix(s, " list") }) {
		t.Errorf("no yes/no list on the estimated column: %v", got)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Created != "2023-01-01T00:00:00Z" || props.Modified != props.Created {
		t.Errorf("document times: %+v, %v", props, err)
	}
}

// A template for a new period carries the county's standing information
// and the indicator list, not last month's occasion, source or lead.
func TestTemplateNewPeriod(t *testing.T) {
	data := workbook2023_02(t, nil)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for key, want := range map[string]string{
		"period": "2023-02", "countyName": "衡山县", "city": "衡阳市", "title": hengshan(t).Meta.Title,
		"subtitle": "", "lead": "", "event.name": "", "source.publication": "",
	} {
		got, err := f.GetCellValue(sheetMeta, metaCell(t, f, key))
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", key, got, err, want)
		}
	}
}
