package submission

import (
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
)

// A dataset stored another way (the command line, a sample) shows in the
// history without a record, is what a submission diffs against and
// replaces, and a report made from it stops being up to date when it is
// replaced.
func TestDatasetWrittenOutsideThePortal(t *testing.T) {
	srv := minioServer(t)
	c := newCounty(t, srv)
	ctx := testCtx(t)
	ds, err := dataset.Parse(hengshanYAML(t), "hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	norm, err := ds.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	arch := c.client.Archive(c.bucket)
	seeded, err := arch.PutDataset(ctx, "2023-01", norm)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := storage.New(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	publishFake(t, admin.Archive(c.bucket), "2023-01", norm)

	svc := c.service(&fakeClock{t: time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)})
	h, err := svc.History(ctx, "2023-01")
	if err != nil || len(h) != 1 || h[0].Record != nil || h[0].VersionID != seeded.VersionID || !h[0].Current {
		t.Fatalf("history of a seeded period: %v, %+v", err, h)
	}
	ov, err := svc.Overview(ctx, nil)
	if err != nil || len(ov) != 1 || ov[0].State != StateGenerated || ov[0].Current.Record != nil || !ov[0].Report.UpToDate {
		t.Fatalf("overview of a seeded period: %v, %+v", err, ov)
	}

	// A correction of one figure (made up): diffed against the seeded
	// dataset, replacing it.
	ds.Indicators[2].Value, _ = dataset.NewNumber("6.32")
	edited, err := ds.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Preview(ctx, "2023-01", Upload{Format: FormatForm, Data: edited})
	if err != nil {
		t.Fatal(err)
	}
	if p.Stored == nil || p.Stored.VersionID != seeded.VersionID || changeOf(p.Diff, "local_tax", "value") != "6.31 → 6.32" || len(p.Diff.Changed) != 1 {
		t.Fatalf("preview against the seeded dataset: stored %+v, diff %+v", p.Stored, p.Diff)
	}
	if _, err := svc.Confirm(ctx, p, Confirmation{By: "wang"}); err != nil {
		t.Fatal(err)
	}
	ov, err = svc.Overview(ctx, nil)
	if err != nil || ov[0].State != StateGenerated || ov[0].Report.UpToDate || ov[0].Current.Record == nil || ov[0].Current.Record.Format != FormatForm {
		t.Fatalf("overview after the correction: %v, %+v", err, ov[0])
	}
	if h, err := svc.History(ctx, "2023-01"); err != nil || len(h) != 2 || h[1].Record != nil || h[0].Record.Upload.Name != "form.json" {
		t.Fatalf("history after the correction: %v, %+v", err, h)
	}
}
