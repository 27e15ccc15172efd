package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
)

// sampleDatasets stores, beside --dataset, the other counties' sample
// datasets of the same period (config/samples/datasets/<county>-<period>.yaml:
// only figures the counties published, each with its source), so the city
// has its members' submissions to review and compare. A county that already
// has a dataset for the period keeps it (a resumed platform, or staff who
// submitted through the portal); a county without a sample (衡东县, which
// published none of the figures) stays 未上报.
func (pl *platform) sampleDatasets(ctx context.Context) error {
	first, err := os.ReadFile(pl.opts.dataset)
	if err != nil {
		return fmt.Errorf("--dataset: %w", err)
	}
	ds, err := dataset.Parse(first, filepath.Base(pl.opts.dataset))
	if err != nil {
		return fmt.Errorf("--dataset %s: %w", pl.opts.dataset, err)
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(pl.opts.dataset), "*-"+ds.Meta.Period+".yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	admin, err := storage.New(pl.admin)
	if err != nil {
		return err
	}
	stored := 0
	for _, f := range files {
		if filepath.Clean(f) == filepath.Clean(pl.opts.dataset) {
			continue
		}
		ok, err := pl.storeSample(ctx, admin, f, ds.Meta.Period)
		if err != nil {
			return err
		}
		if ok {
			stored++
		}
	}
	pl.progress.say("stored %d more counties' sample datasets for %s (their published figures)", stored, ds.Meta.Period)
	return nil
}

// storeSample stores one sample dataset unless its county has one for
// the period already; it reports whether it stored.
func (pl *platform) storeSample(ctx context.Context, admin *storage.Client, file, period string) (bool, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	ds, err := dataset.Parse(raw, filepath.Base(file))
	if err != nil {
		return false, fmt.Errorf("sample dataset %s: %w", rel(pl.opts.root, file), err)
	}
	if ds.Meta.Period != period {
		return false, fmt.Errorf("sample dataset %s: period %s, its name says %s", rel(pl.opts.root, file), ds.Meta.Period, period)
	}
	cr, err := pl.countyByCode(ctx, ds.Meta.CountyCode)
	if err != nil {
		return false, fmt.Errorf("sample dataset %s: %w", rel(pl.opts.root, file), err)
	}
	a := admin.Archive(cr.Status.Bucket)
	if _, err := a.StatDataset(ctx, period); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	norm, err := ds.Normalized()
	if err != nil {
		return false, err
	}
	if _, err := a.PutDataset(ctx, period, norm); err != nil {
		return false, fmt.Errorf("store %s: %w", rel(pl.opts.root, file), err)
	}
	return true, nil
}
