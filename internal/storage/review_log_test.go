package storage_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// Verdicts given at once on one period all stay in the log: each append
// writes only over the log it read (storage's conditional write), and reads
// again when another verdict came first (internal/review over storage's
// GetReviewLog and PutReviewLogIf). Against a real MinIO.
func TestVerdictsGivenAtOnceAllStay(t *testing.T) {
	srv := shared(t)
	a := newClient(t, srv.RootConfig()).Archive(srv.NewBucket(t))
	ctx := testCtx(t)
	at := time.Date(2023, 2, 3, 4, 5, 6, 0, time.UTC)
	const n = 3
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := review.Append(ctx, a, "2023-01", review.Entry{Verdict: review.VerdictReturned, By: fmt.Sprintf("审核员%d", i),
				At: at, Comment: "请核实（虚构）", DatasetSHA256: strings.Repeat("a", 64)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	log, err := review.Read(ctx, a, "2023-01")
	if err != nil || len(log.Entries) != n {
		t.Fatalf("the log holds %d verdicts (%v), want %d: one was lost", len(log.Entries), err, n)
	}

	// A write over a log that is no longer the one read is refused.
	_, v, err := a.GetReviewLog(ctx, "2023-01", func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := review.Append(ctx, a, "2023-01", review.Entry{Verdict: review.VerdictAccepted, By: "审核员", At: at,
		DatasetSHA256: strings.Repeat("b", 64)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutReviewLogIf(ctx, "2023-01", []byte(`{}`), v.ETag); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("a write over a stale log: %v, want ErrConflict", err)
	}
	if _, err := a.PutReviewLogIf(ctx, "2023-01", []byte(`{}`), ""); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("a first write over an existing log: %v, want ErrConflict", err)
	}
	// An invalid verdict is refused as invalid and writes nothing.
	if _, err := review.Append(ctx, a, "2023-01", review.Entry{Verdict: review.VerdictReturned, By: "审核员", At: at,
		DatasetSHA256: strings.Repeat("c", 64)}); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("a returned verdict with no comment: %v, want ErrInvalid", err)
	}
	if log, err := review.Read(ctx, a, "2023-01"); err != nil || len(log.Entries) != n+1 {
		t.Fatalf("the log after the refusals: %d verdicts, %v", len(log.Entries), err)
	}
}
