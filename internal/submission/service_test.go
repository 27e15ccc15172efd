package submission

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage"
)

func hengshanYAML(t testing.TB) []byte {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fill opens a template, lets edit change it as a user in Excel would, and
// saves it.
func fill(t testing.TB, tmpl []byte, edit func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	edit(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The story of issue 10 against a real MinIO with the county's scoped
// credentials: January from the YAML file, then February from the Excel
// template: an error by cell that stores nothing, the fix, the preview with
// a warning, the explanation, the confirm, a correction, the history with
// every version downloadable, and the state of each period. February's
// figures are made up for the test.
func TestSubmissionStory(t *testing.T) {
	srv := minioServer(t)
	a := newCounty(t, srv)
	clock := &fakeClock{t: time.Date(2023, 3, 3, 9, 0, 0, 0, time.UTC)}
	svc := a.service(clock)
	ctx := testCtx(t)

	// January, as the YAML file.
	jan, err := svc.Preview(ctx, "2023-01", Upload{Name: "hengshan-2023-01.yaml", Data: hengshanYAML(t)})
	if err != nil {
		t.Fatalf("preview January: %v", err)
	}
	if len(jan.Diff.Added) != len(jan.Dataset.Indicators) || jan.Stored != nil || len(jan.Warnings) != 0 {
		t.Fatalf("January preview: %d added of %d, stored %v, warnings %v", len(jan.Diff.Added), len(jan.Dataset.Indicators), jan.Stored, jan.Warnings)
	}
	if _, err := svc.Confirm(ctx, jan, Confirmation{By: "wang"}); err != nil {
		t.Fatalf("confirm January: %v", err)
	}

	// February's template is prefilled from January.
	tmpl, err := svc.Template(ctx, "2023-02")
	if err != nil {
		t.Fatal(err)
	}
	bad := fill(t, tmpl, func(f *excelize.File) {
		must(t, f.SetCellStr("指标", "C6", "7.02亿")) // local_tax: a word in a number cell
		must(t, f.SetCellFloat("指标", "E5", 250, -1, 64))
	})
	before := snapshot(t, srv, a.bucket)
	_, err = svc.Preview(ctx, "2023-02", Upload{Name: "衡山县2月.xlsx", Data: bad})
	ps, ok := AsProblems(err)
	if !ok || len(ps) != 1 || ps[0].Zh() != "指标!C6：应为数字，实为“7.02亿”" || ps[0].En() != `Indicators!C6: must be a number, not "7.02亿"` {
		t.Fatalf("preview with a word in a number cell: %v", err)
	}
	if after := snapshot(t, srv, a.bucket); !sameList(before, after) {
		t.Fatalf("a refused upload changed the bucket:\nbefore %v\nafter  %v", before, after)
	}

	// Fixed: the preview shows the changes and warns about +250%.
	good := fill(t, tmpl, func(f *excelize.File) {
		must(t, f.SetCellStr("文字", "E4", "测试：二月的文字，虚构。"))
		must(t, f.SetCellFloat("指标", "C6", 7.02, -1, 64))
		must(t, f.SetCellFloat("指标", "E5", 250, -1, 64))
	})
	feb, err := svc.Preview(ctx, "2023-02", Upload{Name: "../衡山县2月.xlsx", Data: good})
	if err != nil {
		t.Fatalf("preview February: %v", err)
	}
	if feb.Name != "衡山县2月.xlsx" || feb.Previous != "2023-01" || feb.Format != FormatXLSX {
		t.Fatalf("February preview: name %q, previous %q, format %q", feb.Name, feb.Previous, feb.Format)
	}
	if len(feb.Warnings) != 1 || feb.Warnings[0].Code != WarnChange || feb.Warnings[0].Where != "指标!E5" || feb.Warnings[0].ID != "budget_revenue" {
		t.Fatalf("February warnings: %+v", feb.Warnings)
	}
	if got := changeOf(feb.VsPrevious, "local_tax", "value"); got != "6.31 → 7.02" {
		t.Fatalf("local_tax month on month: %q (%+v)", got, feb.VsPrevious.Changed)
	}
	if _, err := svc.Confirm(ctx, feb, Confirmation{By: "wang"}); !errors.Is(err, ErrExplanationRequired) {
		t.Fatalf("confirm without an explanation: %v, want ErrExplanationRequired", err)
	}
	if after := snapshot(t, srv, a.bucket); !sameList(before, after) {
		t.Fatalf("a refused confirm changed the bucket")
	}
	const why = "测试：虚构的增幅，用于检查说明流程。"
	e, err := svc.Confirm(ctx, feb, Confirmation{By: "王 芳", Explanation: why})
	if err != nil {
		t.Fatalf("confirm February: %v", err)
	}
	if e.Record.By != "王 芳" || e.Record.Explanation != why || e.VersionID == "" || !strings.HasPrefix(e.Record.Upload.Key, "uploads/2023-02/") || !strings.HasSuffix(e.Record.Upload.Key, "-衡山县2月.xlsx") {
		t.Fatalf("February entry: %+v / %+v", e, e.Record)
	}
	stored, err := a.client.Archive(a.bucket).GetDataset(ctx, "2023-02")
	if err != nil || !bytes.Equal(stored, feb.Normalized) {
		t.Fatalf("data/2023-02/dataset.json: %v; equal to the preview's %v", err, bytes.Equal(stored, feb.Normalized))
	}
	if _, err := svc.Confirm(ctx, feb, Confirmation{By: "wang", Explanation: why}); !errors.Is(err, ErrStale) {
		t.Fatalf("confirming the same preview twice: %v, want ErrStale", err)
	}

	// A correction: the diff is against what is stored now.
	tmpl2, err := svc.Template(ctx, "2023-02")
	if err != nil {
		t.Fatal(err)
	}
	fix := fill(t, tmpl2, func(f *excelize.File) {
		must(t, f.SetCellFloat("指标", "E5", 25, -1, 64))
		appendIndicator(t, f)
		must(t, f.RemoveRow("指标", 7)) // industrial_value_added
	})
	corr, err := svc.Preview(ctx, "2023-02", Upload{Name: "更正.xlsx", Data: fix})
	if err != nil {
		t.Fatalf("preview the correction: %v", err)
	}
	if got := changeOf(corr.Diff, "budget_revenue", "change"); got != "250 → 25" || len(corr.Diff.Added) != 1 || len(corr.Diff.Removed) != 1 ||
		corr.Diff.Removed[0].ID != "industrial_value_added" || len(corr.Warnings) != 0 {
		t.Fatalf("correction diff: %+v, warnings %v", corr.Diff, corr.Warnings)
	}
	e2, err := svc.Confirm(ctx, corr, Confirmation{By: "li"})
	if err != nil {
		t.Fatal(err)
	}
	same, err := svc.Preview(ctx, "2023-02", Upload{Name: "更正.xlsx", Data: fix})
	if err != nil || !same.Unchanged {
		t.Fatalf("preview of what is stored: %v, unchanged %v", err, same != nil && same.Unchanged)
	}
	if _, err := svc.Confirm(ctx, same, Confirmation{By: "li"}); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("confirm of what is stored: %v, want ErrUnchanged", err)
	}

	// The history: both versions, newest first, each downloadable with its upload.
	h, err := svc.History(ctx, "2023-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].VersionID != e2.VersionID || !h[0].Current || h[1].VersionID != e.VersionID || h[1].Current ||
		h[0].Record == nil || h[0].Record.By != "li" || h[1].Record == nil || h[1].Record.Explanation != why ||
		h[0].Record.Dataset.BaseVersionID != e.VersionID {
		t.Fatalf("history: %+v", h)
	}
	old, err := svc.Version(ctx, "2023-02", h[1].VersionID)
	if err != nil || !bytes.Equal(old, feb.Normalized) {
		t.Fatalf("the first version: %v, equal %v", err, bytes.Equal(old, feb.Normalized))
	}
	up, name, err := svc.UploadFile(ctx, "2023-02", h[1].Record.ID)
	if err != nil || !bytes.Equal(up, good) || name != "衡山县2月.xlsx" {
		t.Fatalf("the first upload: %v, %q, equal %v", err, name, bytes.Equal(up, good))
	}

	// The Data page's list.
	admin, err := storage.New(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	publishFake(t, admin.Archive(a.bucket), "2023-01", jan.Normalized)
	ov, err := svc.Overview(ctx, []string{"2023-03"})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, s := range ov {
		by := ""
		if s.Current != nil && s.Current.Record != nil {
			by = s.Current.Record.By
		}
		upToDate := s.Report != nil && s.Report.UpToDate
		states = append(states, s.Period+" "+string(s.State)+" "+by+" "+map[bool]string{true: "current", false: "-"}[upToDate])
	}
	want := "2023-03 not-submitted  -|2023-02 submitted li -|2023-01 generated wang current"
	if got := strings.Join(states, "|"); got != want {
		t.Fatalf("overview:\n got %s\nwant %s", got, want)
	}
}

func changeOf(d Diff, id, field string) string {
	for _, c := range d.Changed {
		if c.ID == id && c.Field == field {
			return c.Old + " → " + c.New
		}
	}
	return ""
}

// publishFake archives a stand-in report for period whose manifest names
// the dataset it was made from, as countyreport generate does.
func publishFake(t *testing.T, a *storage.Archive, period string, ds []byte) {
	t.Helper()
	parsed, err := dataset.Parse(ds, "dataset.json")
	if err != nil {
		t.Fatal(err)
	}
	m := manifestFor(t, parsed, ds)
	pdf := []byte("%PDF-1.7\n% stand-in for the test\n")
	if _, err := a.Publish(testCtx(t), period, []storage.Artifact{{Name: "report.pdf", Data: pdf}}, m); err != nil {
		t.Fatalf("publish %s: %v", period, err)
	}
}
