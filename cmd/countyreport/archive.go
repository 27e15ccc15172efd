package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/storage"
)

func init() {
	register("archive", "list, download, verify or link a county's archived reports (list|get|url|verify)", func(ctx context.Context, args []string) error {
		return runArchive(ctx, args, os.Stdout, os.Stderr)
	})
}

const archiveUsage = `usage: countyreport archive <list|get|url|verify> [flags]

  list                                   the complete periods (--all: also incomplete ones and why)
  get    --period YYYY-MM [--name FILE] [--out DIR|-]
                                         download verified files (default: all of the period into DIR)
  url    --period YYYY-MM [--name FILE] [--expiry 15m]
                                         a short-lived download link
  verify --period YYYY-MM [--ca FILE]    download and re-hash every file of the period; with --ca, check
                                         report.pdf's signature, its certificate chain to the installation
                                         CA and the manifest's record of both hashes
  verify --file report.pdf --ca FILE [--manifest manifest.json]
                                         the same for files received (no storage needed)

Storage settings come from flags or the environment (flags win); the bucket is
--bucket or $` + storage.EnvBucket + `.
`

type archiveFlags struct {
	cfg     storage.Config
	bucket  string
	period  string
	name    string
	out     string
	expiry  time.Duration
	timeout time.Duration
	all     bool
	json    bool

	// verify: the installation CA (PEM), and files to check offline.
	ca, file, manifest string
}

func parseArchiveFlags(sub string, args []string, stderr io.Writer) (*archiveFlags, error) {
	cfg, err := storage.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	f := &archiveFlags{cfg: cfg}
	fs := flag.NewFlagSet("archive "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, archiveUsage, "\nflags:\n"); fs.PrintDefaults() }
	f.cfg.RegisterFlags(fs)
	fs.StringVar(&f.bucket, "bucket", os.Getenv(storage.EnvBucket), "the county's bucket (env "+storage.EnvBucket+")")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up after this long")
	switch sub {
	case "list":
		fs.BoolVar(&f.all, "all", false, "also show incomplete periods and why")
		fs.BoolVar(&f.json, "json", false, "print JSON")
	case "get":
		fs.StringVar(&f.period, "period", "", "period YYYY-MM")
		fs.StringVar(&f.name, "name", "", "one file (report.pdf, bundle.zip, manifest.json); default all")
		fs.StringVar(&f.out, "out", ".", "directory to write into, or - for standard output (one --name only)")
	case "url":
		fs.StringVar(&f.period, "period", "", "period YYYY-MM")
		fs.StringVar(&f.name, "name", "report.pdf", "file to link")
		fs.DurationVar(&f.expiry, "expiry", storage.DefaultPresignExpiry, "link lifetime (at most 168h)")
	case "verify":
		fs.StringVar(&f.period, "period", "", "period YYYY-MM")
		fs.StringVar(&f.ca, "ca", "", "the installation CA certificate (PEM): check report.pdf's signature and chain")
		fs.StringVar(&f.file, "file", "", "a report.pdf to check offline (needs --ca; no storage)")
		fs.StringVar(&f.manifest, "manifest", "", "with --file: the manifest.json published beside it")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if f.file != "" {
		if f.ca == "" {
			return nil, errors.New("--file needs --ca (the installation CA certificate)")
		}
		return f, nil
	}
	if f.manifest != "" {
		return nil, errors.New("--manifest goes with --file")
	}
	if f.bucket == "" {
		return nil, fmt.Errorf("no bucket: set --bucket or %s", storage.EnvBucket)
	}
	if sub != "list" {
		if _, err := period.Parse(f.period); err != nil {
			return nil, fmt.Errorf("--period: %w", err)
		}
	}
	if sub == "get" && f.out == "-" && f.name == "" {
		return nil, errors.New("--out - needs one --name")
	}
	return f, f.cfg.Validate()
}

func runArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stderr, archiveUsage)
		return flag.ErrHelp
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, archiveUsage)
		return errors.New("no archive command given")
	}
	sub := args[0]
	switch sub {
	case "list", "get", "url", "verify":
	default:
		fmt.Fprint(stderr, archiveUsage)
		return fmt.Errorf("unknown archive command %q", sub)
	}
	f, err := parseArchiveFlags(sub, args[1:], stderr)
	if err != nil {
		return err
	}
	if f.file != "" {
		return verifyFiles(f, stdout)
	}
	client, err := storage.New(f.cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	a := client.Archive(f.bucket)
	switch sub {
	case "list":
		return archiveList(ctx, a, f, stdout)
	case "get":
		return archiveGet(ctx, a, f, stdout, stderr)
	case "url":
		u, err := a.PresignGet(ctx, f.period, f.name, f.expiry)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, u.String())
		return nil
	default: // verify
		r, err := a.Verify(ctx, f.period)
		if err != nil {
			return err
		}
		for _, o := range r.Artifacts {
			fmt.Fprintf(stdout, "ok  %s  %d bytes  sha256 %s\n", o.Key, o.Size, o.SHA256)
		}
		if f.ca == "" {
			return nil
		}
		return verifyArchived(ctx, a, r, f.ca, stdout)
	}
}

type listEntry struct {
	Period    string    `json:"period"`
	Complete  bool      `json:"complete"`
	Pages     int       `json:"pages,omitempty"`
	Size      int64     `json:"size,omitempty"`
	Time      time.Time `json:"time,omitzero"`
	PDFSHA256 string    `json:"pdfSha256,omitempty"`
	Problem   string    `json:"problem,omitempty"`
}

func archiveList(ctx context.Context, a *storage.Archive, f *archiveFlags, stdout io.Writer) error {
	reports, problems, err := a.Scan(ctx)
	if err != nil {
		return err
	}
	var entries []listEntry
	for _, r := range reports {
		e := listEntry{Period: r.Period, Complete: true, Pages: r.Pages, Size: r.Size, Time: r.Time.UTC()}
		if o, ok := r.Artifact("report.pdf"); ok {
			e.PDFSHA256 = o.SHA256
		}
		entries = append(entries, e)
	}
	if f.all {
		for p, err := range problems {
			entries = append(entries, listEntry{Period: p, Problem: err.Error()})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Period < entries[j].Period })
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if entries == nil {
			entries = []listEntry{}
		}
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERIOD\tPAGES\tSIZE\tPUBLISHED\tREPORT SHA-256")
	for _, e := range entries {
		if !e.Complete {
			fmt.Fprintf(tw, "%s\t-\t-\tincomplete\t%s\n", e.Period, e.Problem)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", e.Period, e.Pages, e.Size, e.Time.Format(time.RFC3339), e.PDFSHA256)
	}
	return tw.Flush()
}

func archiveGet(ctx context.Context, a *storage.Archive, f *archiveFlags, stdout, stderr io.Writer) error {
	names := []string{f.name}
	if f.name == "" {
		r, err := a.Report(ctx, f.period)
		if err != nil {
			return err
		}
		names = names[:0]
		for _, o := range r.Artifacts {
			names = append(names, o.Name)
		}
		names = append(names, storage.ManifestName)
	}
	if f.out != "-" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return err
		}
	}
	for _, name := range names {
		if strings.ContainsAny(name, `/\`) {
			return fmt.Errorf("refusing file name %q", name)
		}
		data, o, err := a.Get(ctx, f.period, name)
		if err != nil {
			return err
		}
		if f.out == "-" {
			_, err := stdout.Write(data)
			return err
		}
		path := filepath.Join(f.out, name)
		if err := writeFileAtomic(path, data); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s (%d bytes, sha256 %s verified)\n", path, len(data), o.SHA256)
	}
	return nil
}

// writeFileAtomic writes data beside path and renames it into place, so an
// interrupted download never leaves a partial file under the final name.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
