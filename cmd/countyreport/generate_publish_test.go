package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/signing/pdfsigtest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

func TestGeneratePublish(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	cfg := srv.RootConfig()
	c, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := c.Archive(bucket)
	raw, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Parse(raw, "hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := ds.Normalized()
	ctx := context.Background()
	if _, err := a.PutDataset(ctx, "2023-01", norm); err != nil {
		t.Fatal(err)
	}
	// Storage settings from the environment, as in the Job.
	t.Setenv(storage.EnvEndpoint, cfg.Endpoint)
	t.Setenv(storage.EnvAccessKey, cfg.AccessKey)
	t.Setenv(storage.EnvSecretKey, cfg.SecretKey)
	t.Setenv(storage.EnvInsecure, "true")
	t.Setenv(storage.EnvBucket, bucket)
	ts := newTestSigning(t, hengshanTenant)
	other := newTestSigning(t, signing.Tenant{Code: "430422", Name: "衡南县", Kind: "county"})

	tests := map[string]struct {
		args    []string
		noData  bool
		wantErr string
		period  string
	}{
		"from the bucket":       {args: []string{"--period", "2023-01", "--publish", "--signing-dir", ts.dir}, period: "2023-01"},
		"no dataset for period": {args: []string{"--period", "2023-02", "--publish", "--signing-dir", ts.dir}, noData: true, wantErr: "2023-02 没有数据（存储桶 " + bucket + " 中没有 data/2023-02/dataset.json）/ no dataset for 2023-02: data/2023-02/dataset.json is not in bucket " + bucket},
		"period mismatch":       {args: []string{"--period", "2023-03", "--dataset", "../../config/samples/datasets/hengshan-2023-01.yaml", "--publish", "--signing-dir", ts.dir}, wantErr: "not --period 2023-03"},
		"another county's key":  {args: []string{"--period", "2023-01", "--publish", "--signing-dir", other.dir}, wantErr: "not 430423: refusing to sign"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			g, err := parseGenerateFlags(tc.args, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			err = generateStored(ctx, g, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if errors.Is(err, errNoData) != tc.noData {
					t.Errorf("NoData = %v, want %v", errors.Is(err, errNoData), tc.noData)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			rep, err := a.Verify(ctx, tc.period)
			if err != nil {
				t.Fatalf("published period does not verify: %v", err)
			}
			if rep.Pages != 13 || len(rep.Artifacts) != 2 {
				t.Errorf("published %d pages, %d artifacts", rep.Pages, len(rep.Artifacts))
			}
			checkPublishedSignature(t, a, ts, tc.period)
		})
	}
	if _, err := a.Report(ctx, "2023-02"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a failed generate published 2023-02: %v", err)
	}
}

// checkPublishedSignature: the published report.pdf is signed (pdfsig
// trusts it with the CA), its prefix is the bundle's unsigned PDF, and
// `archive verify --ca` checks it and the manifest; publishing the same
// report again keeps the same signed file.
func checkPublishedSignature(t *testing.T, a *storage.Archive, ts *testSigning, period string) {
	t.Helper()
	pdf, _, err := a.Get(t.Context(), period, "report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "report.pdf")
	os.WriteFile(f, pdf, 0o644)
	pdfsigtest.RequireValid(t, pdfsigtest.NSSDB(t, ts.ca.Cert), f)
	rep, err := a.Report(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Manifest.Signature == nil || rep.Manifest.Signature.SignerCode != "430423" {
		t.Fatalf("the manifest's signature record: %+v", rep.Manifest.Signature)
	}
	var stdout, stderr bytes.Buffer
	if err := runArchive(t.Context(), []string{"verify", "--period", period, "--ca", ts.caFile}, &stdout, &stderr); err != nil {
		t.Fatalf("archive verify --ca: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "signature valid") {
		t.Fatalf("archive verify --ca says:\n%s", stdout.String())
	}
	// Published again from the same data: the same signed file stays.
	g, err := parseGenerateFlags([]string{"--period", period, "--publish", "--signing-dir", ts.dir}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := generateStored(t.Context(), g, &stderr); err != nil {
		t.Fatal(err)
	}
	again, _, err := a.Get(t.Context(), period, "report.pdf")
	if err != nil || !bytes.Equal(again, pdf) {
		t.Fatalf("re-publishing the same report changed the signed file (%v)", err)
	}
}

func TestGeneratePublishFlags(t *testing.T) {
	t.Setenv(storage.EnvBucket, "")
	t.Setenv(storage.EnvEndpoint, "")
	t.Setenv(signing.EnvDir, "")
	tests := map[string][]string{
		"publish without period or dataset": {"--publish", "--bucket", "b", "--storage-endpoint", "h:1"},
		"bad period":                        {"--period", "2023-13", "--publish"},
		"no bucket":                         {"--period", "2023-01", "--publish", "--storage-endpoint", "h:1"},
		"no endpoint":                       {"--period", "2023-01", "--publish", "--bucket", "b"},
		"no signing key":                    {"--period", "2023-01", "--publish", "--bucket", "b", "--storage-endpoint", "h:1"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseGenerateFlags(args, &bytes.Buffer{}); err == nil {
				t.Error("accepted")
			}
		})
	}
}
