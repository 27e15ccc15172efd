package city

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/render/pdftest"
	"github.com/countyreport/countyreport/internal/repo"
)

// sampleInput is 衡阳市's January 2023 comparison from the sample datasets
// (衡东县 has none: 未上报), ranked as config/samples/city.yaml says, in
// Chinese.
func sampleInput(t *testing.T) *Input { return sampleEdition(t, "zh-CN") }

// sampleEdition is sampleInput in the edition of language l: the board's
// words as the controller gives them, the members' English names from
// their datasets.
func sampleEdition(t *testing.T, l string) *Input {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	counties := []struct{ code, name, slug string }{
		{"430421", "衡阳县", "hengyangxian"}, {"430422", "衡南县", "hengnan"}, {"430423", "衡山县", "hengshan"},
		{"430424", "衡东县", ""}, {"430426", "祁东县", "qidong"}, {"430481", "耒阳市", "leiyang"}, {"430482", "常宁市", "changning"},
	}
	in := ranking.Input{Period: "2023-01", Method: ranking.Efficacy, Terms: []ranking.Term{
		{ID: "gdp", Measure: ranking.Value, Weight: 1, Direction: ranking.Higher},
		{ID: "gdp", Measure: ranking.Change, Weight: 1, Direction: ranking.Higher},
	}}
	out := &Input{Lang: l, CityName: "衡阳市", Period: "2023-01", Deadline: "2023年2月5日24时"}
	notReported, submitted := "未上报", "已报送"
	if l == "en" {
		out.CityNameEn, out.Deadline = "Hengyang City", "5 February 2023, 24:00"
		notReported, submitted = "Not reported", "Submitted, awaiting review"
	}
	for _, c := range counties {
		var d *dataset.Dataset
		row := BoardRow{Code: c.code, Name: c.name, State: notReported, SubmittedAt: "—", Verdict: "—"}
		if c.slug != "" {
			name := filepath.Join(root, "config", "samples", "datasets", c.slug+"-2023-01.yaml")
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = dataset.Parse(raw, name); err != nil {
				t.Fatal(err)
			}
			row.State = submitted
			s := d.Meta.Source
			out.Sources = append(out.Sources, Source{Code: c.code, County: c.name, Publication: s.Publication, PublicationEn: s.PublicationEn, Date: s.Date, URL: s.URL})
		}
		out.Board = append(out.Board, row)
		nameEn := ""
		if d != nil {
			nameEn = d.Meta.CountyNameEn
		}
		in.Members = append(in.Members, ranking.FromDataset(c.code, c.name, nameEn, d))
	}
	res, err := ranking.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	out.Ranking = res
	return out
}

func fonts(t *testing.T) *layout.Fonts {
	t.Helper()
	f, err := layout.LoadFonts([3]string{})
	if err != nil {
		t.Fatalf("fonts (make deps installs them): %v", err)
	}
	return f
}

func TestSampleReport(t *testing.T) {
	out, err := Render(sampleInput(t), fonts(t))
	if err != nil {
		t.Fatal(err)
	}
	if out.Pages < 5 {
		t.Fatalf("%d pages", out.Pages)
	}
	if dir := os.Getenv("CITY_REPORT_OUT"); dir != "" { // to look at it
		if err := os.WriteFile(filepath.Join(dir, "report-zh.pdf"), out.PDF, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := pdftest.Text(t, out.PDF, 1, out.Pages)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"县(市)主要指标比较月报", "一、报送情况", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源",
		"1 衡南县 84.84", "5 常宁市 76.48", "衡山县 缺项", "衡东县 未上报", "功效系数法", "4 衡阳县 5.2", "4 耒阳市 5.2",
		"358.72 445.25", "enghengyang.gov.cn", "第2页/共",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if len(out.Charts) == 0 || !bytes.HasPrefix(out.Charts[0].Data, []byte("<svg")) {
		t.Fatalf("charts: %d", len(out.Charts))
	}
	info := pdftest.Info(t, out.PDF)
	if !strings.Contains(info["Title"], "衡阳市") {
		t.Errorf("PDF title %q", info["Title"])
	}
}

// The same input gives the same bytes.
func TestReportIsReproducible(t *testing.T) {
	f := fonts(t)
	a, err := Render(sampleInput(t), f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(sampleInput(t), f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.PDF, b.PDF) {
		t.Fatal("two renderings of one input differ")
	}
}

func TestNoRankingIsAnError(t *testing.T) {
	if _, err := Render(&Input{CityName: "衡阳市", Period: "2023-01"}, fonts(t)); err == nil {
		t.Fatal("rendered without a ranking")
	}
}
