package storage_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/countyreport/countyreport/internal/storage"
)

// A county that writes more entries than a listing walks (periods, versions
// of one dataset) gets ErrTooLarge from the listing, not one request or
// stat per entry without end. The limit is lowered for the test.
func TestListingsBounded(t *testing.T) {
	srv := shared(t)
	a := newClient(t, srv.RootConfig()).Archive(srv.NewBucket(t))
	ctx := testCtx(t)
	storage.SetMaxListed(t, 5)
	for i := range 6 {
		if _, err := a.PutDataset(ctx, "2023-02", fmt.Appendf(nil, `{"v":%d}`, i)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutDataset(ctx, fmt.Sprintf("2022-%02d", i+1), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.DatasetVersions(ctx, "2023-02"); !errors.Is(err, storage.ErrTooLarge) {
		t.Errorf("six versions past a limit of five: %v, want ErrTooLarge", err)
	}
	if _, err := a.Datasets(ctx); !errors.Is(err, storage.ErrTooLarge) {
		t.Errorf("seven periods past a limit of five: %v, want ErrTooLarge", err)
	}
	storage.SetMaxListed(t, 100)
	if ps, err := a.Datasets(ctx); err != nil || len(ps) != 7 {
		t.Errorf("within the limit: %v, %v", ps, err)
	}
}
