package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// signCMS returns a detached CMS SignedData over a message whose SHA-256
// is digest: one SignerInfo by cert (key), the certificates cert and chain,
// signed attributes content-type, message-digest and signing-certificate-v2
// (what PAdES B-B asks for; no signing-time: the PDF's /M says when).
func signCMS(digest []byte, key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) ([]byte, error) {
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		return nil, errors.New("signing: the tenant key must be ECDSA")
	}
	certHash := sha256.Sum256(cert.Raw)
	serial := mustDER(cert.SerialNumber)
	issuerSerial := seq(seq(tlv(tagCtx4, cert.RawIssuer)), serial)
	essCertID := seq(tlv(tagOctets, certHash[:]), issuerSerial) // hashAlgorithm: the default, SHA-256
	attrs := [][]byte{
		seq(mustDER(oidContentType), setOf(mustDER(oidData))),
		seq(mustDER(oidMessageDigest), setOf(tlv(tagOctets, digest))),
		seq(mustDER(oidSigningCertificateV2), setOf(seq(seq(essCertID)))),
	}
	signed := setOf(attrs...) // signed as a SET; embedded as [0] IMPLICIT
	h := sha256.Sum256(signed)
	// A nil rand: Go's ECDSA signs deterministically (RFC 6979), so the
	// same file and key give the same signature.
	sig, err := key.Sign(nil, h[:], crypto.SHA256)
	if err != nil {
		sig, err = key.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
	}
	signerInfo := seq(
		mustDER(1),
		seq(cert.RawIssuer, serial), // IssuerAndSerialNumber
		algorithm(oidSHA256),
		append([]byte{tagCtx0}, signed[1:]...),
		algorithm(oidECDSAWithSHA256),
		tlv(tagOctets, sig),
	)
	certs := [][]byte{cert.Raw}
	for _, c := range chain {
		certs = append(certs, c.Raw)
	}
	signedData := seq(
		mustDER(1),
		setOf(algorithm(oidSHA256)),
		seq(mustDER(oidData)), // detached: no eContent
		tlv(tagCtx0, certs...),
		setOf(signerInfo),
	)
	return seq(mustDER(oidSignedData), tlv(tagCtx0, signedData)), nil
}

// The CMS structures as read back.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo struct {
		EContentType asn1.ObjectIdentifier
		EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	Certificates asn1.RawValue `asn1:"optional,tag:0"`
	CRLs         asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos  []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

// cmsSigner is what checkCMS learnt: the signer's certificate and the
// other certificates the CMS carries.
type cmsSigner struct {
	cert  *x509.Certificate
	certs []*x509.Certificate
}

// maxCMS bounds the CMS a signature may hold.
const maxCMS = 64 << 10

// checkCMS checks a detached SignedData against the SHA-256 digest of the
// signed bytes: exactly one SignerInfo, SHA-256, the message-digest
// attribute, the signature over the signed attributes, and
// signing-certificate-v2 naming the signer's certificate. der may be
// followed by zero padding (the rest of the /Contents placeholder).
func checkCMS(der, digest []byte) (*cmsSigner, error) {
	if len(der) > maxCMS {
		return nil, fmt.Errorf("the signature is %d bytes, more than %d", len(der), maxCMS)
	}
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("the signature is not CMS: %w", err)
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return nil, errors.New("the signature has bytes after its CMS")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("the CMS is %v, not SignedData", ci.ContentType)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("the CMS SignedData: %w", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("the CMS has %d signers, want 1", len(sd.SignerInfos))
	}
	if len(sd.EncapContentInfo.EContent.Bytes) != 0 {
		return nil, errors.New("the CMS is not detached")
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("the CMS certificates: %v", err)
	}
	si := sd.SignerInfos[0]
	if !si.DigestAlgorithm.Algorithm.Equal(oidSHA256) {
		return nil, fmt.Errorf("digest algorithm %v, want SHA-256", si.DigestAlgorithm.Algorithm)
	}
	var sid issuerAndSerial
	if _, err := asn1.Unmarshal(si.SID.FullBytes, &sid); err != nil {
		return nil, fmt.Errorf("the signer identifier: %w", err)
	}
	var cert *x509.Certificate
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, sid.Issuer.FullBytes) && c.SerialNumber.Cmp(sid.Serial) == 0 {
			cert = c
		}
	}
	if cert == nil {
		return nil, errors.New("the signer's certificate is not in the CMS")
	}
	if len(si.SignedAttrs.Bytes) == 0 {
		return nil, errors.New("the CMS has no signed attributes")
	}
	attrs, err := readAttributes(si.SignedAttrs.Bytes)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(attrs.digest, digest) {
		return nil, errors.New("the document's digest does not match the signed one: the file was changed")
	}
	certHash := sha256.Sum256(cert.Raw)
	if attrs.certHash == nil || !bytes.Equal(attrs.certHash, certHash[:]) {
		return nil, errors.New("signing-certificate-v2 is missing or names another certificate")
	}
	alg, err := signatureAlgorithm(si.SignatureAlgorithm.Algorithm, cert)
	if err != nil {
		return nil, err
	}
	signed := tlv(tagSet, si.SignedAttrs.Bytes)
	if err := cert.CheckSignature(alg, signed, si.Signature); err != nil {
		return nil, fmt.Errorf("the CMS signature is not valid: %w", err)
	}
	return &cmsSigner{cert: cert, certs: certs}, nil
}

type signedAttrs struct {
	digest   []byte
	certHash []byte
}

func readAttributes(b []byte) (signedAttrs, error) {
	var out signedAttrs
	for len(b) > 0 {
		var a attribute
		var err error
		if b, err = asn1.Unmarshal(b, &a); err != nil {
			return out, fmt.Errorf("a signed attribute: %w", err)
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			var d []byte
			if _, err := asn1.Unmarshal(a.Values.Bytes, &d); err != nil {
				return out, fmt.Errorf("message-digest: %w", err)
			}
			out.digest = d
		case a.Type.Equal(oidSigningCertificateV2):
			var v struct {
				Certs []struct {
					HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
					CertHash      []byte
					IssuerSerial  asn1.RawValue `asn1:"optional"`
				}
				Policies asn1.RawValue `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil || len(v.Certs) == 0 {
				return out, fmt.Errorf("signing-certificate-v2: %v", err)
			}
			c := v.Certs[0]
			if len(c.HashAlgorithm.Algorithm) != 0 && !c.HashAlgorithm.Algorithm.Equal(oidSHA256) {
				return out, errors.New("signing-certificate-v2 uses a hash other than SHA-256")
			}
			out.certHash = c.CertHash
		}
	}
	return out, nil
}

func signatureAlgorithm(oid asn1.ObjectIdentifier, cert *x509.Certificate) (x509.SignatureAlgorithm, error) {
	switch {
	case oid.Equal(oidECDSAWithSHA256) && cert.PublicKeyAlgorithm == x509.ECDSA:
		return x509.ECDSAWithSHA256, nil
	case (oid.Equal(oidSHA256WithRSA) || oid.Equal(oidRSAEncryption)) && cert.PublicKeyAlgorithm == x509.RSA:
		return x509.SHA256WithRSA, nil
	}
	return 0, fmt.Errorf("signature algorithm %v is not supported", oid)
}
