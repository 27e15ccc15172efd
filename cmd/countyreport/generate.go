package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/report"
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
}

func parseGenerateFlags(args []string, stderr io.Writer) (*generateFlags, error) {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	g := &generateFlags{}
	fs.StringVar(&g.dataset, "dataset", "", "dataset file (YAML or JSON) to render")
	fs.StringVar(&g.out, "out", "", "directory to write report.pdf, bundle.zip and manifest.json into")
	fs.StringVar(&g.lang, "lang", "zh-CN", "edition: zh-CN or en")
	fs.StringVar(&g.font, "font", "", "font file (default $"+render.FontEnv+", else "+render.DefaultFont+" from Debian's "+render.FontPackage+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: countyreport generate --dataset FILE --out DIR [--lang zh-CN|en] [--font FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if g.dataset == "" || g.out == "" {
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
	return generateOffline(g, os.Stderr)
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
