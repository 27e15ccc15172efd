package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
)

// `archive verify --ca`: report.pdf's signature, its chain to the
// installation CA, and the manifest's record of it (internal/signing).

// maxManifest bounds a manifest read from a file.
const maxManifest = 4 << 20

// verifyFiles checks a received report.pdf (and its manifest) offline.
func verifyFiles(f *archiveFlags, stdout io.Writer) error {
	roots, err := readRoots(f.ca)
	if err != nil {
		return err
	}
	pdf, err := readLimited(f.file, signing.MaxPDF)
	if err != nil {
		return err
	}
	var m *manifest.Manifest
	if f.manifest != "" {
		raw, err := readLimited(f.manifest, maxManifest)
		if err != nil {
			return err
		}
		if m, err = manifest.Parse(raw); err != nil {
			return fmt.Errorf("%s: %w", f.manifest, err)
		}
	}
	v, err := checkSignature(pdf, m, roots)
	if err != nil {
		return fmt.Errorf("%s: %w", f.file, err)
	}
	printVerified(stdout, f.file, v, m != nil)
	return nil
}

// verifyArchived checks the period's report.pdf as published.
func verifyArchived(ctx context.Context, a *storage.Archive, r *storage.Report, caFile string, stdout io.Writer) error {
	roots, err := readRoots(caFile)
	if err != nil {
		return err
	}
	pdf, o, err := a.Get(ctx, r.Period, signing.PDFName)
	if err != nil {
		return err
	}
	v, err := checkSignature(pdf, r.Manifest, roots)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Key, err)
	}
	printVerified(stdout, o.Key, v, true)
	return nil
}

// checkSignature verifies pdf against roots and, given m, that m records
// this signature: the signed and unsigned hashes, the signer's code, and
// the unsigned file as the bundle's report.pdf.
func checkSignature(pdf []byte, m *manifest.Manifest, roots *x509.CertPool) (*signing.Verified, error) {
	v, err := signing.Verify(pdf, roots)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return v, nil
	}
	s := m.Signature
	switch {
	case s == nil:
		return nil, errors.New("the manifest records no signature")
	case s.SignedSHA256 != v.SignedSHA256:
		return nil, fmt.Errorf("the manifest records signed sha256 %s, the file is %s", s.SignedSHA256, v.SignedSHA256)
	case s.UnsignedSHA256 != v.UnsignedSHA256 || s.UnsignedSize != v.UnsignedSize:
		return nil, fmt.Errorf("the manifest records unsigned sha256 %s, the file's prefix is %s", s.UnsignedSHA256, v.UnsignedSHA256)
	case v.Code != m.CountyCode:
		return nil, fmt.Errorf("signed by %s, but the report is %s's", v.Code, m.CountyCode)
	}
	if a, ok := m.Artifact(signing.PDFName); ok && a.SHA256 != v.SignedSHA256 {
		return nil, fmt.Errorf("the manifest lists report.pdf with sha256 %s, the file is %s", a.SHA256, v.SignedSHA256)
	}
	for _, f := range m.Files {
		if f.Name == signing.PDFName && f.SHA256 != v.UnsignedSHA256 {
			return nil, fmt.Errorf("the bundle's report.pdf (sha256 %s) is not the signed file's prefix (%s)", f.SHA256, v.UnsignedSHA256)
		}
	}
	return v, nil
}

func printVerified(w io.Writer, name string, v *signing.Verified, withManifest bool) {
	fmt.Fprintf(w, "ok  %s  signature valid (%s), signed %s by %s\n", name, v.SubFilter, v.SignedAt.Format("2006-01-02 15:04:05 -07:00"), v.Cert.Subject)
	fmt.Fprintf(w, "    certificate sha256 %s, issued by %s (trusted)\n", signing.Fingerprint(v.Cert), v.Cert.Issuer)
	fmt.Fprintf(w, "    unsigned %d bytes sha256 %s; signed sha256 %s\n", v.UnsignedSize, v.UnsignedSHA256, v.SignedSHA256)
	if withManifest {
		fmt.Fprintln(w, "    the manifest records both")
	}
}

// readRoots reads the installation CA's certificate(s), PEM.
func readRoots(file string) (*x509.CertPool, error) {
	b, err := readLimited(file, 1<<20)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--ca %s: %w", file, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("--ca %s: no PEM certificate", file)
	}
	return pool, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(file string, limit int64) ([]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", file, limit)
	}
	return b, nil
}
