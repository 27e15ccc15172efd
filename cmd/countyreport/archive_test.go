package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

func TestArchiveCommand(t *testing.T) {
	srv := miniotest.Start(t)
	root := srv.RootConfig()
	bucket := srv.NewBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Publish one period with a scoped county credential, as a Job would.
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cfg := creds.Config(root)
	client, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	pdf, zip := []byte("%PDF-1.7 衡山县"), []byte("PK\x03\x04 bundle")
	m := manifest.Manifest{Schema: manifest.Schema, Period: "2024-01", CountyCode: "430423", Pages: 3}
	raw, _ := m.Marshal()
	if _, err := client.Archive(bucket).Publish(ctx, "2024-01", []storage.Artifact{{Name: "report.pdf", Data: pdf}, {Name: "bundle.zip", Data: zip}}, raw); err != nil {
		t.Fatal(err)
	}

	// Settings from the environment, as in a Job; the bucket from a flag.
	t.Setenv(storage.EnvEndpoint, cfg.Endpoint)
	t.Setenv(storage.EnvAccessKey, cfg.AccessKey)
	t.Setenv(storage.EnvSecretKey, cfg.SecretKey)
	t.Setenv(storage.EnvSessionToken, cfg.SessionToken)
	t.Setenv(storage.EnvInsecure, "true")
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runArchive(ctx, args, &out, &errOut)
		return out.String(), err
	}

	out, err := run("list", "--bucket", bucket)
	if err != nil || !strings.Contains(out, "2024-01") || !strings.Contains(out, manifest.FileOf("", pdf).SHA256) {
		t.Fatalf("archive list: %v\n%s", err, out)
	}
	out, err = run("list", "--bucket", bucket, "--json")
	var entries []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &entries) != nil || len(entries) != 1 || entries[0]["pages"] != 3.0 {
		t.Fatalf("archive list --json: %v\n%s", err, out)
	}

	dir := t.TempDir()
	if _, err := run("get", "--bucket", bucket, "--period", "2024-01", "--out", dir); err != nil {
		t.Fatalf("archive get: %v", err)
	}
	for name, want := range map[string][]byte{"report.pdf": pdf, "bundle.zip": zip} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("downloaded %s: %q, %v", name, got, err)
		}
	}
	if _, err := manifest.Parse(mustRead(t, filepath.Join(dir, "manifest.json"))); err != nil {
		t.Fatalf("downloaded manifest: %v", err)
	}
	if out, err := run("get", "--bucket", bucket, "--period", "2024-01", "--name", "report.pdf", "--out", "-"); err != nil || out != string(pdf) {
		t.Fatalf("archive get to stdout: %q, %v", out, err)
	}

	out, err = run("url", "--bucket", bucket, "--period", "2024-01", "--expiry", "1m")
	if err != nil {
		t.Fatalf("archive url: %v", err)
	}
	resp, err := http.Get(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, pdf) {
		t.Fatalf("GET the link: %d %q", resp.StatusCode, body)
	}
	if out, err := run("verify", "--bucket", bucket, "--period", "2024-01"); err != nil || strings.Count(out, "ok ") != 2 {
		t.Fatalf("archive verify: %v\n%s", err, out)
	}

	// Clear errors.
	cases := map[string]struct {
		args []string
		env  map[string]string
		kind error
		msg  string
	}{
		"no bucket":         {args: []string{"list"}, msg: storage.EnvBucket},
		"bad period":        {args: []string{"get", "--bucket", bucket, "--period", "2024-1"}, msg: "--period"},
		"missing period":    {args: []string{"get", "--bucket", bucket, "--period", "2023-12"}, kind: storage.ErrNotFound},
		"another bucket":    {args: []string{"list", "--bucket", "countyreport-other"}, kind: storage.ErrAccessDenied},
		"wrong secret":      {args: []string{"list", "--bucket", bucket, "--storage-secret-key", "wrong"}, kind: storage.ErrBadCredentials},
		"unknown command":   {args: []string{"delete"}, msg: "unknown archive command"},
		"endpoint with URL": {args: []string{"list", "--bucket", bucket, "--storage-endpoint", "http://" + cfg.Endpoint}, msg: "without a scheme"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := run(tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Fatalf("got %v, want %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v does not mention %q", err, tc.msg)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
