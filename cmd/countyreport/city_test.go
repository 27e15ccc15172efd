package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/pdftest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/tenant"
)

const (
	sampleCity     = "../../config/samples/city.yaml"
	sampleDatasets = "../../config/samples/datasets"
)

func TestCityRankOffline(t *testing.T) {
	var out bytes.Buffer
	err := runCity(context.Background(), []string{"rank", "--city", sampleCity, "--datasets", sampleDatasets, "--period", "2023-01"}, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	// Lines as printed (columns padded to their display width).
	for _, want := range []string{
		"综合得分 Composite score — 功效系数法 (efficacy coefficient, 60–100)",
		"1          衡南县         84.84",
		"—          衡山县         缺项 gdp/value",
		"—          衡东县         未上报",
		"4          衡阳县         5.2",
		"4          耒阳市         5.2",
		"6          常宁市         5.1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A figure only one county gives is no comparison: 衡阳县's budget
	// revenue value is not ranked (nor its growth, which only 衡山县 also
	// gives: fewer than ranking.MinMembers).
	if strings.Contains(out.String(), "(budget_revenue, 数值 value)") {
		t.Errorf("a one-county figure is ranked:\n%s", out.String())
	}
}

// The JSON holds the input: computing it again gives the same result.
func TestCityRankJSONReproduces(t *testing.T) {
	var out bytes.Buffer
	err := runCity(context.Background(), []string{"rank", "--json", "--city", sampleCity, "--datasets", sampleDatasets, "--period", "2023-01"}, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var stored ranking.Result
	if err := json.Unmarshal(out.Bytes(), &stored); err != nil {
		t.Fatal(err)
	}
	again, err := ranking.Compute(stored.Input)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(again, "", "  ")
	if string(b)+"\n" != out.String() {
		t.Fatalf("recomputed differs:\n%s\nstored:\n%s", b, out.String())
	}
	if len(stored.Input.Members) != 7 || stored.Input.Members[3].Code != "430424" || stored.Input.Members[3].Submitted {
		t.Fatalf("input members: %+v", stored.Input.Members)
	}
}

func TestCityFlags(t *testing.T) {
	tests := map[string][]string{
		"no subcommand":           {},
		"unknown subcommand":      {"sort"},
		"rank without period":     {"rank", "--city", "c", "--datasets", "d"},
		"rank with both inputs":   {"rank", "--city", "c", "--period", "2023-01", "--datasets", "d", "--members", "m"},
		"bad period":              {"rank", "--city", "c", "--period", "2023-13", "--datasets", "d"},
		"publish without bucket":  {"rank", "--city", "c", "--period", "2023-01", "--datasets", "d", "--publish"},
		"return without comment":  {"review", "--members", "m", "--county", "430421", "--period", "2023-01", "--by", "x", "--return"},
		"accept and return":       {"review", "--members", "m", "--county", "430421", "--period", "2023-01", "--by", "x", "--accept", "--return", "--comment", "c"},
		"review without reviewer": {"review", "--members", "m", "--county", "430421", "--period", "2023-01", "--accept"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			if err := runCity(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// Review through a members Secret mounted as files, against MinIO: the
// board shows 衡南县 submitted, a return with a comment, then returned.
func TestCityReviewAndBoardThroughMountedSecret(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	admin, err := storage.New(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	bucket := srv.NewBucket(t)
	raw, err := os.ReadFile(filepath.Join(sampleDatasets, "hengnan-2023-01.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Archive(bucket).PutDataset(ctx, "2023-01", raw); err != nil {
		t.Fatal(err)
	}
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := issuer.IssueMember(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k, v := range map[string]string{
		tenant.SecretEndpoint: srv.Endpoint(), tenant.SecretInsecure: "true", tenant.SecretMembers: "430422",
		tenant.MemberKey("430422", tenant.SecretAccessKey): c.AccessKey, tenant.MemberKey("430422", tenant.SecretSecretKey): c.SecretKey,
		tenant.MemberKey("430422", tenant.SecretSessionToken): c.SessionToken, tenant.MemberKey("430422", tenant.SecretBucket): bucket,
	} {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	board := func() string {
		var out bytes.Buffer
		if err := runCity(ctx, []string{"board", "--city", sampleCity, "--members", dir, "--period", "2023-01"}, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if b := board(); !strings.Contains(b, "430422         已报送 submitted") {
		t.Fatalf("board before review:\n%s", b)
	}
	var out bytes.Buffer
	err = runCity(ctx, []string{"review", "--members", dir, "--county", "430422", "--period", "2023-01",
		"--by", "市统计局", "--return", "--comment", "请注明数据来源"}, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "430422 2023-01: returned by 市统计局") {
		t.Fatalf("review output: %s", out.String())
	}
	if b := board(); !strings.Contains(b, "已退回 returned") || !strings.Contains(b, "returned 市统计局 请注明数据来源") {
		t.Fatalf("board after return:\n%s", b)
	}
	// A county the Secret has no credentials for cannot be reviewed.
	err = runCity(ctx, []string{"review", "--members", dir, "--county", "430426", "--period", "2023-01", "--by", "x", "--accept"}, &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not a member") {
		t.Fatalf("review of a non-member: %v", err)
	}
}

// The offline report comes in the manifest's edition or in --lang's; an
// edition that does not exist is refused, naming the flag.
func TestCityReportOfflineEditions(t *testing.T) {
	render := func(lang string) string {
		t.Helper()
		out := t.TempDir()
		args := []string{"report", "--city", sampleCity, "--datasets", sampleDatasets, "--period", "2023-01", "--out", out}
		if lang != "" {
			args = append(args, "--lang", lang)
		}
		if err := runCity(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		pdf, err := os.ReadFile(filepath.Join(out, "report.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(pdftest.Text(t, pdf, 1, 2)), " ")
	}
	zh, en := render(""), render("en")
	// rendered from dataset files: figures compiled from published
	// sources, nothing submitted, so no deadline and no 未上报
	for _, want := range []string{"一、数据来源", "衡东县", "未找到公开数据", "据公开资料整理", "数据所属期 2022年"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese edition lacks %q", want)
		}
	}
	for _, want := range []string{"1. Where the figures come from", "Hengyang City", "Hengdong County", "No published figures", "Figures for 2022"} {
		if !strings.Contains(en, want) {
			t.Errorf("English edition lacks %q", want)
		}
	}
	for _, not := range []string{"未上报", "报送截止", "2023年2月5日24时", "编制单位"} {
		if strings.Contains(zh, not) {
			t.Errorf("Chinese edition says %q", not)
		}
	}
	if strings.Contains(en, "未找到") || strings.Contains(en, "数据来源") || strings.Contains(en, "Deadline") {
		t.Errorf("English edition has Chinese words or a deadline:\n%s", en)
	}
	err := runCity(context.Background(), []string{"report", "--city", sampleCity, "--datasets", sampleDatasets, "--period", "2023-01", "--out", t.TempDir(), "--lang", "fr"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Fatalf("--lang fr: %v", err)
	}
}
