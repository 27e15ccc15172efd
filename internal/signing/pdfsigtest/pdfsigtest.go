// Package pdfsigtest runs poppler's pdfsig against an NSS database that
// trusts a CA, for tests: the standard offline check a reader of a
// published PDF makes (docs/signing.md).
package pdfsigtest

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"crypto/x509"
)

// Tools names each binary used and the Debian package that provides it.
var Tools = map[string]string{"pdfsig": "poppler-utils", "certutil": "libnss3-tools"}

func need(t testing.TB, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s is not installed: apt-get install %s (make deps does)", bin, Tools[bin])
	}
	return p
}

// NSSDB makes an NSS database in a temporary directory trusting ca with
// the flags C,C,C and returns its "sql:DIR" name.
func NSSDB(t testing.TB, ca *x509.Certificate) string {
	t.Helper()
	certutil := need(t, "certutil")
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sql:" + dir
	for _, args := range [][]string{
		{"-N", "-d", db, "--empty-password"},
		{"-A", "-d", db, "-n", "installation-ca", "-t", "C,C,C", "-i", pemFile},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return db
}

// Run runs pdfsig on file with db and returns its output. pdfsig exits 0
// even for a bad signature (2 for none): callers read the output.
func Run(t testing.TB, db, file string) string {
	t.Helper()
	pdfsig := need(t, "pdfsig")
	out, err := exec.Command(pdfsig, "-nssdir", db, file).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Fatalf("pdfsig %s: %v\n%s", file, err, out)
		}
	}
	return string(out)
}

// RequireValid fails unless pdfsig says the signature is valid and the
// certificate trusted.
func RequireValid(t testing.TB, db, file string) string {
	t.Helper()
	out := Run(t, db, file)
	for _, want := range []string{"Signature is Valid", "Certificate is Trusted"} {
		if !strings.Contains(out, want) {
			t.Fatalf("pdfsig %s does not say %q:\n%s", file, want, out)
		}
	}
	return out
}

// RequireInvalid fails if pdfsig says the signature is valid.
func RequireInvalid(t testing.TB, db, file string) string {
	t.Helper()
	out := Run(t, db, file)
	if strings.Contains(out, "Signature is Valid") {
		t.Fatalf("pdfsig %s says a changed file's signature is valid:\n%s", file, out)
	}
	return out
}
