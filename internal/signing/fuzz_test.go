package signing

import (
	"crypto/x509"
	"fmt"
	"testing"
	"time"
)

// The readers of untrusted bytes (a PDF someone received, a Secret's
// PEM) never panic and stay bounded.

func fuzzSeedPDF(f *testing.F) []byte {
	ca, err := NewCA("fuzz CA (made-up)", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	kp, err := ca.Issue(Tenant{Code: "990001", Name: "虚构县"}, ca.Cert.NotBefore, ca.Cert.NotAfter)
	if err != nil {
		f.Fatal(err)
	}
	s, err := kp.Signer("990001", func() time.Time { return time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC) }, "")
	if err != nil {
		f.Fatal(err)
	}
	var pdf []byte
	var offs []int
	pdf = append(pdf, "%PDF-1.7\n"...)
	for i, o := range []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R >>"} {
		offs = append(offs, len(pdf))
		pdf = fmt.Appendf(pdf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := len(pdf)
	pdf = append(pdf, "xref\n0 4\n0000000000 65535 f \n"...)
	for _, o := range offs {
		pdf = fmt.Appendf(pdf, "%010d 00000 n \n", o)
	}
	pdf = fmt.Appendf(pdf, "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	signed, err := s.SignPDF(pdf)
	if err != nil {
		f.Fatal(err)
	}
	return signed
}

func FuzzVerify(f *testing.F) {
	signed := fuzzSeedPDF(f)
	f.Add(signed)
	f.Add(signed[:len(signed)/2])
	f.Add([]byte("%PDF-1.7\nxref\n0 1\ntrailer << /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF"))
	roots := x509.NewCertPool()
	f.Fuzz(func(t *testing.T, b []byte) {
		Verify(b, roots) //nolint:errcheck // only panics matter
	})
}

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"<< /A [1 2 0 R (x\\)) <414> ] /B << /C true >> >>", "[[[[", "(((", "<", "1 0 R", "/N#20x", "<< /K 1 /L >>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &parser{b: b}
		v, err := p.value()
		if err == nil && (v.start < 0 || v.end > len(b) || v.start > v.end) {
			t.Fatalf("value bytes %d..%d outside the input of %d", v.start, v.end, len(b))
		}
	})
}

func FuzzDecodeKeyPair(f *testing.F) {
	ca, err := NewCA("fuzz CA (made-up)", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	data, err := EncodeKeyPair(ca)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[KeyCert], data[KeyKey], data[KeyCA])
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, crt, key, caPEM []byte) {
		DecodeKeyPair(map[string][]byte{KeyCert: crt, KeyKey: key, KeyCA: caPEM}) //nolint:errcheck
	})
}
