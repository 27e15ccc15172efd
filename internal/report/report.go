// Package report is the facade the platform calls to turn a validated dataset
// into a report: report.pdf, bundle.zip and manifest.json. Render is pure
// (no clock, no network, no files other than the font and photo assets) and
// reproducible: the same dataset and options give the same bytes. It is safe
// for concurrent use; the font is loaded once per process and shared.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/countyreport/countyreport/internal/bundle"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/version"
)

// File names in the output directory (and in storage under reports/<period>/).
const (
	PDFName      = "report.pdf"
	BundleName   = "bundle.zip"
	ManifestName = "manifest.json"
)

// Options choose the edition.
type Options struct {
	Language string // "zh-CN" (default) or "en"
	// Fonts overrides where the three faces are read from ("" = the face's
	// environment variable, else its Debian package's path).
	Fonts render.FontPaths
	// Assets holds the photo files the dataset names (Photo.Asset); nil = none.
	// A photo whose file is missing is listed by its caption.
	Assets fs.FS
}

// Result is one rendered report.
type Result struct {
	PDF      []byte // report.pdf
	Bundle   []byte // bundle.zip
	Manifest []byte // manifest.json written beside the zip (Files and Artifacts)
	Pages    int
	// ManifestInfo is Manifest parsed.
	ManifestInfo *manifest.Manifest
	// IndicatorPage is the 1-based page with the key indicators.
	IndicatorPage int
}

// Language returns the canonical language for s ("" means zh-CN).
func Language(s string) (string, error) {
	switch s {
	case "", "zh-CN", "zh":
		return "zh-CN", nil
	case "en":
		return "en", nil
	}
	return "", fmt.Errorf("unknown language %q: want zh-CN or en", s)
}

// Render renders ds.
func Render(ds *dataset.Dataset, opts Options) (*Result, error) {
	if ds == nil {
		return nil, errors.New("report: nil dataset")
	}
	lang, err := Language(opts.Language)
	if err != nil {
		return nil, err
	}
	fonts, err := render.LoadFonts(opts.Fonts)
	if err != nil {
		return nil, err
	}
	// The normalised dataset and its digest are made while the report renders.
	var (
		norm    []byte
		normErr error
		sum     [sha256.Size]byte
		normed  = make(chan struct{})
	)
	go func() {
		defer close(normed)
		if norm, normErr = ds.Normalized(); normErr == nil {
			sum = sha256.Sum256(norm)
		}
	}()
	out, err := render.Render(ds, fonts, render.Options{Lang: lang, Assets: opts.Assets})
	<-normed
	if normErr != nil {
		return nil, normErr
	}
	if err != nil {
		return nil, err
	}
	m := manifest.Manifest{
		Schema:        manifest.Schema,
		Generator:     "countyreport " + version.Version,
		CountyCode:    ds.Meta.CountyCode,
		CountyName:    ds.Meta.CountyName,
		Period:        ds.Meta.Period,
		Title:         ds.Meta.Title,
		DatasetSHA256: hex.EncodeToString(sum[:]),
		Options:       manifest.Options{Language: lang, Paper: "A4", Template: "standard"},
		Pages:         out.Pages,
	}
	entries := []bundle.Entry{
		{Name: PDFName, Data: out.PDF},
		{Name: "dataset.json", Data: norm},
		{Name: "report.html", Data: out.HTML},
	}
	for _, c := range out.Charts {
		entries = append(entries, bundle.Entry{Name: "charts/" + c.Name, Data: c.Data})
	}
	zipData, inner, err := bundle.Build(entries, m)
	if err != nil {
		return nil, err
	}
	outer := *inner
	outer.Artifacts = []manifest.File{manifest.FileOf(PDFName, out.PDF), manifest.FileOf(BundleName, zipData)}
	mdata, err := outer.Marshal()
	if err != nil {
		return nil, err
	}
	return &Result{PDF: out.PDF, Bundle: zipData, Manifest: mdata, Pages: out.Pages, ManifestInfo: &outer, IndicatorPage: out.IndicatorPage}, nil
}

// WriteDir writes report.pdf, bundle.zip and manifest.json into dir (created
// if missing) atomically: each goes to a temporary file first and is renamed
// into place, manifest.json last. On failure the temporary files are removed.
func WriteDir(dir string, r *Result) (err error) {
	if r == nil {
		return errors.New("report: nil result")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{PDFName, r.PDF}, {BundleName, r.Bundle}, {ManifestName, r.Manifest}}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, f := range files {
		t, err := os.CreateTemp(dir, "."+f.name+".tmp-*")
		if err != nil {
			return err
		}
		temps = append(temps, t.Name())
		_, werr := t.Write(f.data)
		if werr == nil {
			werr = t.Sync()
		}
		if cerr := t.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(t.Name(), 0o644)
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", f.name, werr)
		}
	}
	for i, f := range files {
		if err := os.Rename(temps[i], filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	temps = nil
	return nil
}
