package submission

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// A confirm that fails at any write leaves the stored dataset and the
// history as they were; only the commit (the dataset write) makes a
// submission, and a retry goes through.
func TestConfirmFailureLeavesNothingHalfDone(t *testing.T) {
	for _, step := range []string{"upload", "record", "dataset"} {
		t.Run(step, func(t *testing.T) {
			srv := minioServer(t)
			c := newCounty(t, srv)
			ctx := testCtx(t)
			svc := c.service(&fakeClock{t: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)})
			jan, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(februaryYAML)})
			if err != nil {
				t.Fatal(err)
			}
			first, err := svc.Confirm(ctx, jan, Confirmation{By: "wang"})
			if err != nil {
				t.Fatal(err)
			}
			next, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(strings.Replace(februaryYAML, "value: 6.5", "value: 6.6", 1))})
			if err != nil {
				t.Fatal(err)
			}
			injected := errors.New("injected failure")
			svc.beforeWrite = func(s string) error {
				if s == step {
					return injected
				}
				return nil
			}
			if _, err := svc.Confirm(ctx, next, Confirmation{By: "li"}); !errors.Is(err, injected) {
				t.Fatalf("confirm failing at %s: %v", step, err)
			}
			stored, err := c.client.Archive(c.bucket).GetDataset(ctx, "2023-02")
			if err != nil || !bytes.Equal(stored, jan.Normalized) {
				t.Fatalf("dataset after a failure at %s: %v, unchanged %v", step, err, bytes.Equal(stored, jan.Normalized))
			}
			h, err := svc.History(ctx, "2023-02")
			if err != nil || len(h) != 1 || h[0].VersionID != first.VersionID {
				t.Fatalf("history after a failure at %s: %v, %+v", step, err, h)
			}
			svc.beforeWrite = nil
			if _, err := svc.Confirm(ctx, next, Confirmation{By: "li"}); err != nil {
				t.Fatalf("retry after a failure at %s: %v", step, err)
			}
			if h, err := svc.History(ctx, "2023-02"); err != nil || len(h) != 2 || h[0].Record.By != "li" {
				t.Fatalf("history after the retry: %v, %+v", err, h)
			}
		})
	}
}

// Two editors preview the same stored version; the second confirm, even
// when it passes the first look, is refused by the conditional write and
// changes nothing that counts.
func TestConcurrentConfirmsOneWins(t *testing.T) {
	srv := minioServer(t)
	c := newCounty(t, srv)
	ctx := testCtx(t)
	svc := c.service(&fakeClock{t: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)})
	base, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(februaryYAML)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, base, Confirmation{By: "wang"}); err != nil {
		t.Fatal(err)
	}
	mk := func(v string) *Preview {
		p, err := svc.Preview(ctx, "2023-02", Upload{Name: "feb.yaml", Data: []byte(strings.Replace(februaryYAML, "value: 6.5", "value: "+v, 1))})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1, p2 := mk("6.6"), mk("6.7")
	// p2's confirm passes its first look, then p1 is confirmed just before
	// p2's dataset write.
	other := c.service(&fakeClock{t: time.Date(2023, 3, 2, 0, 0, 0, 0, time.UTC)})
	var won *Entry
	svc.beforeWrite = func(s string) error {
		if s == "dataset" && won == nil {
			var err error
			won, err = other.Confirm(ctx, p1, Confirmation{By: "li"})
			return err
		}
		return nil
	}
	if _, err := svc.Confirm(ctx, p2, Confirmation{By: "zhao"}); !errors.Is(err, ErrStale) {
		t.Fatalf("the losing confirm: %v, want ErrStale", err)
	}
	stored, err := c.client.Archive(c.bucket).GetDataset(ctx, "2023-02")
	if err != nil || !bytes.Equal(stored, p1.Normalized) {
		t.Fatalf("stored after the race: %v; the winner's %v", err, bytes.Equal(stored, p1.Normalized))
	}
	h, err := svc.History(ctx, "2023-02")
	if err != nil || len(h) != 2 || h[0].VersionID != won.VersionID || h[0].Record.By != "li" {
		t.Fatalf("history after the race: %v, %+v", err, h)
	}
	// A stale preview is refused before it writes anything.
	before := snapshot(t, srv, c.bucket)
	svc.beforeWrite = nil
	if _, err := svc.Confirm(ctx, p2, Confirmation{By: "zhao"}); !errors.Is(err, ErrStale) {
		t.Fatalf("a stale preview: %v, want ErrStale", err)
	}
	if after := snapshot(t, srv, c.bucket); !sameList(before, after) {
		t.Fatalf("a stale confirm wrote to the bucket")
	}
}
