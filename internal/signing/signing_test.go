package signing_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/signing/pdfsigtest"
)

// Fixed dates: the certificates span the years a test may run in, the
// signing time is the report's publication.
var (
	notBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	signedAt  = time.Date(2023, 2, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))
	hengshan  = signing.Tenant{Code: "430423", Name: "衡山县", EnglishName: "Hengshan County", Kind: "county"}
	hengnan   = signing.Tenant{Code: "430422", Name: "衡南县", EnglishName: "Hengnan County", Kind: "county"}
)

var (
	sampleOnce sync.Once
	sampleRes  *report.Result
	sampleErr  error
)

// sample is the county report rendered from the sample dataset: the
// unsigned, reproducible PDF.
func sample(t testing.TB) []byte { return sampleResult(t).PDF }

func sampleResult(t testing.TB) *report.Result {
	t.Helper()
	sampleOnce.Do(func() {
		const path = "../../config/samples/datasets/hengshan-2023-01.yaml"
		data, err := os.ReadFile(path)
		if err != nil {
			sampleErr = err
			return
		}
		ds, err := dataset.Parse(data, path)
		if err != nil {
			sampleErr = err
			return
		}
		res, err := report.Render(ds, report.Options{Assets: os.DirFS(filepath.Dir(path))})
		if err != nil {
			sampleErr = err
			return
		}
		sampleRes = res
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleRes
}

func newCA(t testing.TB) *signing.KeyPair {
	t.Helper()
	ca, err := signing.NewCA("countyreport test installation CA (made-up)", notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func signer(t testing.TB, ca *signing.KeyPair, tn signing.Tenant) *signing.Signer {
	t.Helper()
	kp, err := ca.Issue(tn, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	s, err := kp.Signer(tn.Code, func() time.Time { return signedAt }, tn.Name+" 发布 / published by "+tn.EnglishName)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignedPrefixIsTheUnsignedFile(t *testing.T) {
	ca := newCA(t)
	unsigned := sample(t)
	signed, err := signer(t, ca, hengshan).SignPDF(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, unsigned) {
		t.Fatal("the signed file does not begin with the unsigned one")
	}
	v, err := signing.Verify(signed, ca.Roots())
	if err != nil {
		t.Fatal(err)
	}
	if v.UnsignedSize != int64(len(unsigned)) || v.Code != "430423" || !v.SignedAt.Equal(signedAt) || v.SubFilter != signing.SubFilter {
		t.Fatalf("verified %+v", v)
	}
	// Deterministic: the same file, key and time sign to the same bytes.
	again, err := signer(t, ca, hengshan).SignPDF(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(signed) {
		t.Fatalf("a second signature has another length: %d, %d", len(again), len(signed))
	}
}

func TestPdfsigVerifiesAndDetectsAChangedByte(t *testing.T) {
	ca := newCA(t)
	signed, err := signer(t, ca, hengshan).SignPDF(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := pdfsigtest.NSSDB(t, ca.Cert)
	good := filepath.Join(dir, "good.pdf")
	os.WriteFile(good, signed, 0o644)
	out := pdfsigtest.RequireValid(t, db, good)
	for _, want := range []string{"ETSI.CAdES.detached", "衡山县", "Total document signed"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig does not show %q:\n%s", want, out)
		}
	}

	// One byte changed inside the reproducible part (in a content stream
	// or font: somewhere no reader would notice).
	bad := append([]byte(nil), signed...)
	bad[len(bad)/3] ^= 0x01
	badFile := filepath.Join(dir, "bad.pdf")
	os.WriteFile(badFile, bad, 0o644)
	pdfsigtest.RequireInvalid(t, db, badFile)
	if _, err := signing.Verify(bad, ca.Roots()); err == nil {
		t.Fatal("Verify accepts a changed byte")
	}

	// Another installation's CA: valid signature, untrusted certificate.
	other := pdfsigtest.Run(t, pdfsigtest.NSSDB(t, newCA(t).Cert), good)
	if strings.Contains(other, "Certificate is Trusted") {
		t.Fatalf("pdfsig trusts a certificate of another CA:\n%s", other)
	}
	if _, err := signing.Verify(signed, newCA(t).Roots()); err == nil {
		t.Fatal("Verify accepts a certificate of another CA")
	}
}

func TestVerifyRefuses(t *testing.T) {
	ca := newCA(t)
	unsigned := sample(t)
	signed, err := signer(t, ca, hengshan).SignPDF(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		pdf  []byte
		want string
	}{
		"unsigned":       {unsigned, "not signed"},
		"bytes appended": {append(append([]byte(nil), signed...), "\n%junk\n"...), "does not cover the whole file"},
		"changed in the prefix": {func() []byte {
			b := append([]byte(nil), signed...)
			b[100] ^= 1
			return b
		}(), ""},
		"changed in the update's /M": {bytes.Replace(signed, []byte("(D:20230201"), []byte("(D:20230202"), 1), "digest"},
		"not a PDF":                  {[]byte("hello"), "not a PDF"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := signing.Verify(tc.pdf, ca.Roots())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestSignerRefusesAnotherTenantsCertificate(t *testing.T) {
	ca := newCA(t)
	kp, err := ca.Issue(hengnan, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	// Hengnan's key pair, found in Hengshan's Secret, signs nothing for Hengshan.
	if _, err := kp.Signer(hengshan.Code, nil, ""); err == nil {
		t.Fatal("a signer for 430423 was made from 430422's certificate")
	}
}

func TestSignsAPageWithLinks(t *testing.T) {
	// A made-up minimal PDF whose first page has /Annots already.
	ca := newCA(t)
	pdf := minimalPDF("/Annots [4 0 R]")
	signed, err := signer(t, ca, hengshan).SignPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.Verify(signed, ca.Roots()); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "min.pdf")
	os.WriteFile(f, signed, 0o644)
	pdfsigtest.RequireValid(t, pdfsigtest.NSSDB(t, ca.Cert), f)
	if _, err := signer(t, ca, hengshan).SignPDF(signed); err == nil {
		t.Fatal("a signed PDF was signed again")
	}
}

func TestKeyPairRoundTrip(t *testing.T) {
	ca := newCA(t)
	kp, err := ca.Issue(hengshan, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncodeKeyPair(kp)
	if err != nil {
		t.Fatal(err)
	}
	back, err := signing.DecodeKeyPair(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(kp.Cert) || len(back.Chain) != 1 || !back.Chain[0].Equal(ca.Cert) {
		t.Fatalf("round trip lost the chain: %d issuers", len(back.Chain))
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		kp   *signing.KeyPair
		t    signing.Tenant
		at   time.Time
		want string
	}{
		"good":         {back, hengshan, at, ""},
		"other tenant": {back, hengnan, at, "names code"},
		"expiring":     {back, hengshan, notAfter.Add(-signing.RenewBefore / 2), "expires"},
		"other CA":     {mustIssue(t, newCA(t), hengshan), hengshan, at, "not issued by the installation CA"},
		"no key pair":  {nil, hengshan, at, "no certificate"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := signing.NeedsRenewal(tc.kp, tc.t, ca.Roots(), tc.at)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("NeedsRenewal = %q, want %q", got, tc.want)
			}
		})
	}
}

func mustIssue(t *testing.T, ca *signing.KeyPair, tn signing.Tenant) *signing.KeyPair {
	kp, err := ca.Issue(tn, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// minimalPDF is a one-page PDF written as internal/render/layout writes
// them (classic xref table), with extra entries in the page dictionary.
func minimalPDF(pageExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Lang <FEFF007A0068> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] " + pageExtra + " >>",
		"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Border [0 0 0] /Dest [3 0 R /XYZ 0 0 null] >>",
	}
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		b.WriteString(strings.Join([]string{itoa(i + 1), " 0 obj\n", o, "\nendobj\n"}, ""))
	}
	x := b.Len()
	b.WriteString("xref\n0 " + itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, o := range offs {
		b.WriteString(pad10(o) + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + itoa(len(objs)+1) + " /Root 1 0 R /ID [<00> <00>] >>\nstartxref\n" + itoa(x) + "\n%%EOF\n")
	return b.Bytes()
}
