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
	// rendered from the dataset files: nothing was submitted, no deadline
	out := &Input{Lang: l, CityName: "衡阳市", Period: "2023-01"}
	if l == "en" {
		out.CityNameEn = "Hengyang City"
	}
	for _, c := range counties {
		var d *dataset.Dataset
		if c.slug != "" {
			name := filepath.Join(root, "config", "samples", "datasets", c.slug+"-2023-01.yaml")
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = dataset.Parse(raw, name); err != nil {
				t.Fatal(err)
			}
		}
		row, src := Provenance(c.code, c.name, d, false)
		out.Board = append(out.Board, row)
		if src != nil {
			out.Sources = append(out.Sources, *src)
		}
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
	flat := strings.Join(strings.Fields(rawText(t, out.PDF)), " ")
	for _, want := range []string{
		"县（市）主要指标比较", "（2022年数据）", "数据所属期 2022年", "一、数据来源", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源",
		"未经县（市）通过平台报送，也未经市级审核", "衡东县未找到公开数据", "据公开资料整理：衡阳日报",
		"1 衡南县 84.84", "5 常宁市 76.48", "衡山县 缺项", "功效系数法", "4 衡阳县 5.2 初步核算", "4 耒阳市 5.2 公布数",
		"358.72 预计", "衡山县 无此项数据", "衡东县 未找到公开数据", "数据不足、不排名的指标", "衡阳县 12.16（初步核算）",
		"总量（亿元）", "增速（%）", "413.80 29.44", "358.72（预计", "enghengyang.gov.cn", "第 2 页 / 共",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// nothing was submitted: no deadline, no submission state, no compiler;
	// no English in the Chinese edition, no ASCII 县(市), no indicator code
	for _, not := range []string{"月报", "报送截止", "已报送", "未上报", "编制单位", "repost", "English", "县(市)", "gdp", "413.804", "29.4431"} {
		if strings.Contains(flat, not) {
			t.Errorf("the report says %q", not)
		}
	}
	if !bytes.Contains(out.PDF, []byte("/S /URI /URI (http://www.enghengyang.gov.cn/CurrentNews/HotNews/Local/20231119/i3167850.html)")) {
		t.Error("the sources' web addresses are not links")
	}
	if len(out.Charts) == 0 || !bytes.HasPrefix(out.Charts[0].Data, []byte("<svg")) {
		t.Fatalf("charts: %d", len(out.Charts))
	}
	info := pdftest.Info(t, out.PDF)
	if !strings.Contains(info["Title"], "衡阳市") || !strings.Contains(info["Title"], "2022年数据") {
		t.Errorf("PDF title %q", info["Title"])
	}
	if a, ok := info["Author"]; ok {
		t.Errorf("PDF author %q of figures the city did not compile", a)
	}
}

// Figures submitted through the portal: the deadline, the submission and
// its review, and the city as compiler; a member that sent nothing is
// 未上报. (Made-up portal data: the states, times and account name are
// test fixtures, not a real submission.)
func TestPortalSubmissions(t *testing.T) {
	in := sampleInput(t)
	in.Deadline = "2023年2月5日24时"
	for i := range in.Board {
		b := &in.Board[i]
		switch b.Code {
		case "430423": // 衡山县, as if submitted and accepted
			b.From, b.State, b.SubmittedAt, b.By, b.Verdict = FromPortal, "已通过", "2023-02-03 10:00", "hs-staff", "已通过（测试审核人）"
		case "430424":
			b.State = "未上报"
		}
	}
	out, err := Render(in, fonts(t))
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(rawText(t, out.PDF)), " ")
	for _, want := range []string{
		"报送截止 2023年2月5日24时", "编制单位 衡阳市", "一、报送情况与数据来源",
		"衡山县 经平台报送 2022年 已通过 2023-02-03 10:00 hs-staff", "衡东县 未上报", "1个县（市）经平台报送，5个据公开资料整理",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// the introduction, across its line breaks
	if tight := strings.Join(strings.Fields(flat), ""); !strings.Contains(tight, "衡山县的数据经平台报送，报送截止时间为2023年2月5日24时") ||
		!strings.Contains(tight, "衡东县未上报。") {
		t.Error("the introduction does not say who submitted by the deadline and who did not report")
	}
	if a := pdftest.Info(t, out.PDF)["Author"]; a != "衡阳市" {
		t.Errorf("PDF author %q, want the city that compiled it", a)
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
