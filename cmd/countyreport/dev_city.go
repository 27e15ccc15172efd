package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// sampleDatasets stores, beside --dataset, the other counties' sample
// datasets of the same period (config/samples/datasets/<county>-<period>.yaml:
// only figures the counties published, each with its source), so the city
// has its members' submissions to review and compare. A county that already
// has a dataset for the period keeps it (a resumed platform, or staff who
// submitted through the portal); a county without a sample (衡东县, which
// published none of the figures) stays 未上报.
func (pl *platform) sampleDatasets(ctx context.Context) error {
	ds, err := pl.firstDataset()
	if err != nil {
		return err
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

// cityReports renders each city's report of the sample period on demand
// (a Manual ReportRun, as `kubectl create` or the schedule would), once the
// city is Ready, unless a run of that period already succeeded (a resumed
// platform): the city's archive then holds the month the samples fill.
func (pl *platform) cityReports(ctx context.Context) error {
	ds, err := pl.firstDataset()
	if err != nil {
		return err
	}
	period := ds.Meta.Period
	var cities v1alpha1.CityReportList
	if err := pl.c.List(ctx, &cities); err != nil {
		return err
	}
	for i := range cities.Items {
		if err := pl.cityReport(ctx, &cities.Items[i], period); err != nil {
			return err
		}
	}
	return nil
}

func (pl *platform) cityReport(ctx context.Context, c *v1alpha1.CityReport, period string) error {
	if err := pl.waitCityReady(ctx, c.Name); err != nil {
		return err
	}
	var runs v1alpha1.ReportRunList
	if err := pl.c.List(ctx, &runs, client.InNamespace(tenant.CityNamespace(c))); err != nil {
		return err
	}
	for _, r := range runs.Items {
		if r.Spec.CityReportName == c.Name && r.Spec.Period == period && r.Status.Phase == v1alpha1.RunSucceeded {
			pl.progress.say("city report %s of %s already rendered (%d pages)", period, c.Spec.City.Name, r.Status.Pages)
			return pl.waitCityLastReport(ctx, c.Name, period)
		}
	}
	run := tenant.CityRun(c, period, v1alpha1.RunManual, "countyreport dev")
	if err := pl.c.Create(ctx, run); err != nil {
		return fmt.Errorf("create the city's ReportRun: %w", err)
	}
	pl.progress.say("ReportRun %s/%s created for %s's report of %s; rendering", run.Namespace, run.Name, c.Spec.City.Name, period)
	if err := pl.waitRun(ctx, client.ObjectKeyFromObject(run)); err != nil {
		return err
	}
	return pl.waitCityLastReport(ctx, c.Name, period)
}

// waitCityLastReport waits until the city's status shows the period's
// report, which its reconcile records after the run succeeded: the table
// printed next reads it from there.
func (pl *platform) waitCityLastReport(ctx context.Context, name, period string) error {
	for {
		c := &v1alpha1.CityReport{}
		if err := pl.c.Get(ctx, client.ObjectKey{Name: name}, c); err != nil && ctx.Err() == nil {
			return err
		}
		if r := c.Status.LastReport; r != nil && r.Period >= period {
			return nil
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err()
			}
			return fmt.Errorf("CityReport %s does not show the %s report after %s (--timeout)", name, period, pl.opts.timeout)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitCityReady waits for the city's Ready condition.
func (pl *platform) waitCityReady(ctx context.Context, name string) error {
	for {
		c := &v1alpha1.CityReport{}
		if err := pl.c.Get(ctx, client.ObjectKey{Name: name}, c); err != nil && ctx.Err() == nil {
			return err
		}
		if meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionReady) {
			return nil
		}
		select {
		case <-ctx.Done():
			msg := ""
			if cond := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady); cond != nil {
				msg = cond.Reason + ": " + cond.Message
			}
			return fmt.Errorf("CityReport %s not Ready after %s (--timeout): %s", name, pl.opts.timeout, msg)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
