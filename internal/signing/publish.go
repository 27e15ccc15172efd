package signing

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/storage"
)

// PDFName is the signed artifact's name (report.PDFName).
const PDFName = "report.pdf"

// SignReport signs pdf (the unsigned rendering) and rewrites manifestJSON
// (the copy published beside the zip): its report.pdf artifact becomes the
// signed file and Signature records both hashes. When prev (the archive's
// current report.pdf, or nil) is this same rendering signed with the same
// certificate, prev is kept: publishing an unchanged report again writes
// nothing.
func SignReport(s *Signer, pdf, manifestJSON, prev []byte) (signed, mdata []byte, err error) {
	m, err := manifest.Parse(manifestJSON)
	if err != nil {
		return nil, nil, err
	}
	signed = reuse(s, pdf, prev)
	if signed == nil {
		if signed, err = s.SignPDF(pdf); err != nil {
			return nil, nil, err
		}
	}
	v, err := verifyOwn(s, signed)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: the signed file does not verify: %w", err)
	}
	found := false
	for i, f := range m.Artifacts {
		if f.Name == PDFName {
			m.Artifacts[i], found = manifest.FileOf(PDFName, signed), true
		}
	}
	if !found {
		m.Artifacts = append(m.Artifacts, manifest.FileOf(PDFName, signed))
	}
	m.Signature = Record(v)
	mdata, err = m.Marshal()
	return signed, mdata, err
}

// Record is the manifest's record of a verified signature.
func Record(v *Verified) *manifest.Signature {
	return &manifest.Signature{
		UnsignedSize: v.UnsignedSize, UnsignedSHA256: v.UnsignedSHA256, SignedSHA256: v.SignedSHA256,
		SubFilter: v.SubFilter, Signer: v.Cert.Subject.String(), SignerCode: v.Code, Issuer: v.Cert.Issuer.String(),
		CertificateSHA256: Fingerprint(v.Cert), SignedAt: v.SignedAt.Format(time.RFC3339),
	}
}

func verifyOwn(s *Signer, signed []byte) (*Verified, error) {
	kp := &KeyPair{Cert: s.Cert, Chain: s.Chain}
	return Verify(signed, kp.Roots())
}

func reuse(s *Signer, pdf, prev []byte) []byte {
	if len(prev) <= len(pdf) || !bytes.HasPrefix(prev, pdf) {
		return nil
	}
	v, err := verifyOwn(s, prev)
	if err != nil || !v.Cert.Equal(s.Cert) || v.UnsignedSize != int64(len(pdf)) {
		return nil
	}
	return prev
}

// SignForArchive is SignReport with prev read from a's period (an absent
// or unreadable previous report is simply not reused).
func SignForArchive(ctx context.Context, a *storage.Archive, period string, s *Signer, pdf, manifestJSON []byte) ([]byte, []byte, error) {
	prev, _, err := a.Get(ctx, period, PDFName)
	if err != nil && storage.IsUnavailable(err) {
		return nil, nil, err // publishing would fail as well
	}
	return SignReport(s, pdf, manifestJSON, prev)
}
