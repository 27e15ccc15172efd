package main

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/signing/pdfsigtest"
)

// testSigning is a made-up installation CA and the key pair it issued to
// one tenant, written as a Job sees its mounted Secret.
type testSigning struct {
	ca     *signing.KeyPair
	dir    string // tls.crt, tls.key, ca.crt
	caFile string // the CA certificate, PEM: what readers get
}

func newTestSigning(t *testing.T, holder signing.Tenant) *testSigning {
	t.Helper()
	from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := signing.NewCA("countyreport test installation CA (made-up)", from, to)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(holder, from, to)
	if err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncodeKeyPair(kp)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testSigning{ca: ca, dir: t.TempDir()}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(ts.dir, k), v, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ts.caFile = filepath.Join(t.TempDir(), "installation-ca.pem")
	if err := os.WriteFile(ts.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return ts
}

var hengshanTenant = signing.Tenant{Code: "430423", Name: "衡山县", EnglishName: "Hengshan County", Kind: "county"}

// Offline: generate signs with --signing-dir; pdfsig and `archive verify
// --file` accept the result, the bundle's PDF is the signed file's
// prefix, and a changed byte is caught by both.
func TestGenerateSignsAndArchiveVerifyChecks(t *testing.T) {
	ts := newTestSigning(t, hengshanTenant)
	out := t.TempDir()
	var stderr bytes.Buffer
	g, err := parseGenerateFlags([]string{"--dataset", "../../config/samples/datasets/hengshan-2023-01.yaml", "--out", out, "--signing-dir", ts.dir}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := generateOffline(g, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	pdf := filepath.Join(out, "report.pdf")
	db := pdfsigtest.NSSDB(t, ts.ca.Cert)
	pdfsigtest.RequireValid(t, db, pdf)

	verify := func(file string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := runArchive(t.Context(), []string{"verify", "--file", file, "--ca", ts.caFile, "--manifest", filepath.Join(out, "manifest.json")}, &stdout, &stderr)
		return stdout.String(), err
	}
	got, err := verify(pdf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"signature valid", "SERIALNUMBER=430423", "the manifest records both"} {
		if !strings.Contains(got, want) {
			t.Errorf("archive verify says:\n%s\nwant %q", got, want)
		}
	}

	signed, _ := os.ReadFile(pdf)
	tampered := append([]byte(nil), signed...)
	tampered[len(tampered)/2] ^= 0x20
	bad := filepath.Join(t.TempDir(), "report.pdf")
	os.WriteFile(bad, tampered, 0o644)
	if _, err := verify(bad); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("archive verify of a changed file: %v", err)
	}
	pdfsigtest.RequireInvalid(t, db, bad)

	// Another installation's CA: refused.
	other := newTestSigning(t, hengshanTenant)
	var so, se bytes.Buffer
	if err := runArchive(t.Context(), []string{"verify", "--file", pdf, "--ca", other.caFile}, &so, &se); err == nil {
		t.Fatal("archive verify trusted a certificate another CA did not issue")
	}
}

// A key pair of another county in the signing folder signs nothing.
func TestGenerateRefusesAnotherCountysKey(t *testing.T) {
	ts := newTestSigning(t, signing.Tenant{Code: "430422", Name: "衡南县", Kind: "county"})
	out := t.TempDir()
	var stderr bytes.Buffer
	g, err := parseGenerateFlags([]string{"--dataset", "../../config/samples/datasets/hengshan-2023-01.yaml", "--out", out, "--signing-dir", ts.dir}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	err = generateOffline(g, &stderr)
	if err == nil || !strings.Contains(err.Error(), "430422") {
		t.Fatalf("generate with 430422's key for 430423: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "report.pdf")); !os.IsNotExist(err) {
		t.Fatal("something was written")
	}
}
