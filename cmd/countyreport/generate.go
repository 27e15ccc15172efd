package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
)

func init() {
	register("generate", "render one county's report for one period (report.pdf, bundle.zip, manifest.json)", runGenerate)
}

// generateFlags are the generate subcommand's settings. Add new flags (publishing,
// storage) here and in parseGenerateFlags.
type generateFlags struct {
	dataset string
	out     string
	lang    string
	font    string

	// Publishing into the county's archive (--publish, --period).
	period  string
	publish bool
	bucket  string
	storage storage.Config
	timeout time.Duration
}

func parseGenerateFlags(args []string, stderr io.Writer) (*generateFlags, error) {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := storage.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	g := &generateFlags{storage: cfg}
	g.storage.RegisterFlags(fs)
	fs.StringVar(&g.period, "period", "", "period YYYY-MM; without --dataset, data/<period>/dataset.json is read from the bucket")
	fs.BoolVar(&g.publish, "publish", false, "publish report.pdf, bundle.zip and manifest.json (last) into the county's bucket")
	fs.StringVar(&g.bucket, "bucket", os.Getenv(storage.EnvBucket), "the county's bucket (env "+storage.EnvBucket+")")
	fs.DurationVar(&g.timeout, "timeout", 10*time.Minute, "give up after this long (storage modes)")
	fs.StringVar(&g.dataset, "dataset", "", "dataset file (YAML or JSON) to render")
	fs.StringVar(&g.out, "out", "", "directory to write report.pdf, bundle.zip and manifest.json into")
	fs.StringVar(&g.lang, "lang", "zh-CN", "edition: zh-CN or en")
	fs.StringVar(&g.font, "font", "", "font file (default $"+render.FontEnv+", else "+render.DefaultFont+" from Debian's "+render.FontPackage+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: countyreport generate --dataset FILE --out DIR [--lang zh-CN|en] [--font FILE]")
		fmt.Fprintln(stderr, "       countyreport generate --period YYYY-MM [--dataset FILE] --publish [--bucket B] [storage flags] [--out DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if g.period != "" {
		if _, err := period.Parse(g.period); err != nil {
			return nil, fmt.Errorf("--period: %w", err)
		}
	}
	switch {
	case g.publish || g.period != "":
		if g.dataset == "" && g.period == "" {
			return nil, errors.New("--publish needs --period (or --dataset)")
		}
		if !g.publish && g.out == "" {
			return nil, errors.New("--period needs --publish or --out")
		}
		if g.dataset == "" || g.publish {
			if g.bucket == "" {
				return nil, fmt.Errorf("the bucket is missing: --bucket or $%s", storage.EnvBucket)
			}
			if err := g.storage.Validate(); err != nil {
				return nil, fmt.Errorf("storage settings: %w", err)
			}
		}
	case g.dataset == "" || g.out == "":
		fs.Usage()
		return nil, errors.New("--dataset and --out are required")
	}
	if _, err := report.Language(g.lang); err != nil {
		return nil, err
	}
	return g, nil
}

func runGenerate(ctx context.Context, args []string) error {
	g, err := parseGenerateFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	if g.publish || g.period != "" {
		err := generateStored(ctx, g, os.Stderr)
		if errors.Is(err, errNoData) {
			// A distinct exit code: the Job's pod failure policy fails at once on it.
			fmt.Fprintf(os.Stderr, "countyreport generate: %v\n", err)
			os.Exit(executor.ExitNoData)
		}
		return err
	}
	return generateOffline(g, os.Stderr)
}

// errNoData marks a period without data/<period>/dataset.json.
var errNoData = errors.New("NoData")

// generateStored renders from the archive's dataset (or --dataset) and, with
// --publish, publishes into the archive (manifest last). Nothing is published
// when the dataset is missing or invalid.
func generateStored(ctx context.Context, g *generateFlags, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	c, err := storage.New(g.storage)
	if err != nil {
		return err
	}
	defer c.Close()
	a := c.Archive(g.bucket)
	var data []byte
	name := g.dataset
	if g.dataset != "" {
		if data, err = os.ReadFile(g.dataset); err != nil {
			return err
		}
	} else {
		name = storage.DatasetKey(g.period)
		data, err = a.GetDataset(ctx, g.period)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: %s 没有数据（%s 不存在）/ no dataset for %s in bucket %s", errNoData, g.period, name, g.period, g.bucket)
		}
		if err != nil {
			return err
		}
	}
	ds, err := dataset.Parse(data, name)
	if err != nil {
		if es, ok := dataset.AsErrors(err); ok {
			fmt.Fprintf(stderr, "%s: %d 处错误 / %d problem(s):\n", name, len(es), len(es))
			for _, e := range es {
				fmt.Fprintf(stderr, "  %s\n", e.Error())
			}
			return fmt.Errorf("invalid dataset %s; nothing published", name)
		}
		return err
	}
	if g.period == "" {
		g.period = ds.Meta.Period
	}
	if ds.Meta.Period != g.period {
		return fmt.Errorf("%s is for %s, not --period %s; nothing published", name, ds.Meta.Period, g.period)
	}
	var assets fs.FS = executor.AssetsFS(ctx, a)
	if g.dataset != "" {
		assets = os.DirFS(filepath.Dir(g.dataset))
	}
	res, err := report.Render(ds, report.Options{Language: g.lang, FontPath: g.font, Assets: assets})
	if err != nil {
		return err
	}
	if g.out != "" {
		if err := report.WriteDir(g.out, res); err != nil {
			return err
		}
	}
	if !g.publish {
		return nil
	}
	rep, err := a.Publish(ctx, g.period, []storage.Artifact{
		{Name: report.PDFName, Data: res.PDF},
		{Name: report.BundleName, Data: res.Bundle},
	}, res.Manifest)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "published %s (%d pages, %d bytes) to %s/reports/%s/\n", g.period, rep.Pages, rep.Size, g.bucket, g.period)
	return nil
}

// generateOffline renders the dataset file into g.out. Nothing is written when
// the dataset is invalid or rendering fails.
func generateOffline(g *generateFlags, stderr io.Writer) error {
	data, err := os.ReadFile(g.dataset)
	if err != nil {
		return err
	}
	ds, err := dataset.Parse(data, g.dataset)
	if err != nil {
		if es, ok := dataset.AsErrors(err); ok {
			fmt.Fprintf(stderr, "%s: %d 处错误 / %d problem(s):\n", g.dataset, len(es), len(es))
			for _, e := range es {
				fmt.Fprintf(stderr, "  %s\n", e.Error())
			}
			return fmt.Errorf("invalid dataset %s; nothing written", g.dataset)
		}
		return err
	}
	res, err := report.Render(ds, report.Options{
		Language: g.lang,
		FontPath: g.font,
		Assets:   os.DirFS(filepath.Dir(g.dataset)),
	})
	if err != nil {
		return err
	}
	if err := report.WriteDir(g.out, res); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d pages), %s, %s in %s\n", report.PDFName, res.Pages, report.BundleName, report.ManifestName, g.out)
	return nil
}
