package submission

import (
	"errors"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// County A's scoped credentials cannot read or write county B's submissions
// through any path of this package, and the attempts leave B's bucket as it
// was.
func TestOtherCountyRefused(t *testing.T) {
	srv := minioServer(t)
	a, b := newCounty(t, srv), newCounty(t, srv)
	ctx := testCtx(t)
	clock := &fakeClock{t: time.Date(2023, 3, 1, 8, 0, 0, 0, time.UTC)}

	svcB := b.service(clock)
	janB, err := svcB.Preview(ctx, "2023-01", Upload{Name: "b.yaml", Data: hengshanYAML(t)})
	if err != nil {
		t.Fatal(err)
	}
	eB, err := svcB.Confirm(ctx, janB, Confirmation{By: "b-editor"})
	if err != nil {
		t.Fatal(err)
	}
	// A's own preview of the same period, to try to confirm into B.
	svcA := a.service(clock)
	janA, err := svcA.Preview(ctx, "2023-02", Upload{Name: "a.yaml", Data: []byte(februaryYAML)})
	if err != nil {
		t.Fatal(err)
	}

	// A's credentials, B's bucket: what a portal of A would do with a forged
	// bucket name.
	intruder := New(a.client.Archive(b.bucket), hengshanCounty)
	intruder.now = clock.now
	before := snapshot(t, srv, b.bucket)
	attempts := map[string]func() error{
		"template": func() error { _, err := intruder.Template(ctx, "2023-02"); return err },
		"preview": func() error {
			_, err := intruder.Preview(ctx, "2023-02", Upload{Name: "a.yaml", Data: []byte(februaryYAML)})
			return err
		},
		"confirm":  func() error { _, err := intruder.Confirm(ctx, janA, Confirmation{By: "a-editor"}); return err },
		"history":  func() error { _, err := intruder.History(ctx, "2023-01"); return err },
		"overview": func() error { _, err := intruder.Overview(ctx, nil); return err },
		"version":  func() error { _, err := intruder.Version(ctx, "2023-01", eB.VersionID); return err },
		"upload":   func() error { _, _, err := intruder.UploadFile(ctx, "2023-01", eB.Record.ID); return err },
	}
	arch := a.client.Archive(b.bucket)
	for name, f := range map[string]func() error{
		"put upload": func() error {
			key, _ := storage.SubmissionUploadKey("2023-02", time.Now(), "x.xlsx")
			_, err := arch.PutSubmissionUpload(ctx, key, []byte("x"), "a-editor", time.Now(), "")
			return err
		},
		"put record":  func() error { _, err := arch.PutSubmissionRecord(ctx, "2023-02", "x", []byte("{}")); return err },
		"put dataset": func() error { _, err := arch.PutDatasetIf(ctx, "2023-02", []byte("{}"), "", ""); return err },
		"overwrite dataset": func() error {
			_, err := arch.PutDatasetIf(ctx, "2023-01", []byte("{}"), eB.Record.Dataset.SHA256, "")
			return err
		},
	} {
		attempts[name] = f
	}
	for name, try := range attempts {
		t.Run(name, func(t *testing.T) {
			err := try()
			if !errors.Is(err, storage.ErrAccessDenied) {
				t.Fatalf("with A's credentials on B's bucket: %v, want access denied", err)
			}
		})
	}
	if after := snapshot(t, srv, b.bucket); !sameList(before, after) {
		t.Fatalf("B's bucket changed:\nbefore %v\nafter  %v", before, after)
	}
	// And B's submission is still whole.
	h, err := svcB.History(ctx, "2023-01")
	if err != nil || len(h) != 1 || h[0].Record == nil || h[0].Record.By != "b-editor" {
		t.Fatalf("B's history after the attempts: %v, %+v", err, h)
	}
}

// februaryYAML is a made-up February for Hengshan (a test fixture: the
// figures are invented, not from any source).
const februaryYAML = `# made up for tests
meta:
  countyCode: "430423"
  countyName: 衡山县
  period: "2023-02"
  title: 测试用虚构数据
indicators:
  - id: local_tax
    name: 地方税收
    value: 6.5
    unit: 亿元
    change: 12.0
sections:
  - kind: note
    items: [测试用虚构数据。]
`
