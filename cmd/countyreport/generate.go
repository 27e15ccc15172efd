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
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/signing"
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
	fonts   render.FontPaths

	// Publishing into the county's archive (--publish, --period).
	period  string
	publish bool
	bucket  string
	storage storage.Config
	timeout time.Duration

	// Signing: the tenant's signing Secret mounted as files (the Job's), or
	// an explicit --unsigned.
	signingDir string
	unsigned   bool
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
	fs.StringVar(&g.signingDir, "signing-dir", os.Getenv(signing.EnvDir),
		"directory with the county's signing key (tls.crt, tls.key, ca.crt): report.pdf is signed (env "+signing.EnvDir+")")
	fs.BoolVar(&g.unsigned, "unsigned", false, "publish without signing report.pdf (by hand only; the operator's runs always sign)")
	fs.StringVar(&g.dataset, "dataset", "", "dataset file (YAML or JSON) to render")
	fs.StringVar(&g.out, "out", "", "directory to write report.pdf, bundle.zip and manifest.json into")
	fs.StringVar(&g.lang, "lang", "zh-CN", "edition: zh-CN or en")
	for _, f := range []struct {
		flag string
		dst  *string
		face layout.FaceFile
	}{{"font", &g.fonts.Sans, layout.Faces[layout.Sans]}, {"font-serif", &g.fonts.Serif, layout.Faces[layout.Serif]}, {"font-kai", &g.fonts.Kai, layout.Faces[layout.Kai]}} {
		fs.StringVar(f.dst, f.flag, "", fmt.Sprintf("font file (default $%s, else %s from Debian's %s)", f.face.Env, f.face.Default, f.face.Package))
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: countyreport generate --dataset FILE --out DIR [--lang zh-CN|en] [--font FILE] [--font-serif FILE] [--font-kai FILE]")
		fmt.Fprintln(stderr, "       countyreport generate --period YYYY-MM [--dataset FILE] --publish [--bucket B] [storage flags] [--out DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, messages.Errorf("cli.extraArguments", fs.Args())
	}
	if g.period != "" {
		if _, err := period.Parse(g.period); err != nil {
			return nil, fmt.Errorf("--period: %w", err)
		}
	}
	switch {
	case g.publish || g.period != "":
		if g.dataset == "" && g.period == "" {
			return nil, messages.Errorf("cli.publishNeedsPeriod")
		}
		if !g.publish && g.out == "" {
			return nil, messages.Errorf("cli.periodNeedsOut")
		}
		if g.publish && g.signingDir == "" && !g.unsigned {
			return nil, messages.Errorf("cli.publishNeedsSigning", signing.EnvDir)
		}
		if g.dataset == "" || g.publish {
			if g.bucket == "" {
				return nil, messages.Errorf("cli.noBucket", storage.EnvBucket)
			}
			if err := g.storage.Validate(); err != nil {
				return nil, fmt.Errorf("storage settings: %w", err)
			}
		}
	case g.dataset == "" || g.out == "":
		fs.Usage()
		return nil, messages.Errorf("cli.datasetAndOut")
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
			return fmt.Errorf("%w: %s", errNoData, messages.Both("cli.noData", g.period, name, g.bucket))
		}
		if err != nil {
			return err
		}
	}
	ds, err := dataset.Parse(data, name)
	if err != nil {
		if es, ok := dataset.AsErrors(err); ok {
			fmt.Fprintf(stderr, "%s: %s:\n", name, messages.Both("cli.problems", len(es)))
			for _, e := range es {
				printProblem(stderr, e)
			}
			return messages.Errorf("cli.invalidNotPublished", name)
		}
		return err
	}
	if g.period == "" {
		g.period = ds.Meta.Period
	}
	if ds.Meta.Period != g.period {
		return messages.Errorf("cli.otherPeriod", name, ds.Meta.Period, g.period)
	}
	var assets fs.FS = executor.AssetsFS(ctx, a)
	if g.dataset != "" {
		assets = os.DirFS(filepath.Dir(g.dataset))
	}
	res, err := report.Render(ds, report.Options{Language: g.lang, Fonts: g.fonts, Assets: assets})
	if err != nil {
		return err
	}
	if err := signResult(ctx, g, ds, res, a); err != nil {
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
			fmt.Fprintf(stderr, "%s: %s:\n", g.dataset, messages.Both("cli.problems", len(es)))
			for _, e := range es {
				printProblem(stderr, e)
			}
			return messages.Errorf("cli.invalidNotWritten", g.dataset)
		}
		return err
	}
	res, err := report.Render(ds, report.Options{
		Language: g.lang,
		Fonts:    g.fonts,
		Assets:   os.DirFS(filepath.Dir(g.dataset)),
	})
	if err != nil {
		return err
	}
	if err := signResult(context.Background(), g, ds, res, nil); err != nil {
		return err
	}
	if err := report.WriteDir(g.out, res); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d pages), %s, %s in %s\n", report.PDFName, res.Pages, report.BundleName, report.ManifestName, g.out)
	return nil
}

// signResult signs res.PDF with the key in --signing-dir, when given, and
// rewrites res.Manifest to record both hashes (internal/signing). The key
// must be the dataset's county's: another county's certificate is refused.
// With a, an unchanged report already published there is kept as it is.
func signResult(ctx context.Context, g *generateFlags, ds *dataset.Dataset, res *report.Result, a *storage.Archive) error {
	if g.signingDir == "" {
		return nil
	}
	kp, err := signing.ReadDir(g.signingDir)
	if err != nil {
		return err
	}
	t := signing.Tenant{Code: ds.Meta.CountyCode, Name: ds.Meta.CountyName, EnglishName: ds.Meta.CountyNameEn}
	s, err := kp.Signer(t.Code, time.Now, signing.Reason(t))
	if err != nil {
		return err
	}
	var signed, mdata []byte
	if a != nil {
		signed, mdata, err = signing.SignForArchive(ctx, a, ds.Meta.Period, s, res.PDF, res.Manifest)
	} else {
		signed, mdata, err = signing.SignReport(s, res.PDF, res.Manifest, nil)
	}
	if err != nil {
		return err
	}
	m, err := manifest.Parse(mdata)
	if err != nil {
		return err
	}
	res.PDF, res.Manifest, res.ManifestInfo = signed, mdata, m
	return nil
}

// printProblem prints one dataset problem, with where it is in the file.
func printProblem(w io.Writer, e dataset.Error) {
	if where := e.Where(); where != "" {
		fmt.Fprintf(w, "  %s: %s\n", where, e.Error())
		return
	}
	fmt.Fprintf(w, "  %s\n", e.Error())
}
