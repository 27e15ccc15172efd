package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/countyreport/countyreport/internal/messages"
)

// Lifetimes and renewal.
const (
	// CAValidity is the lifetime of an installation CA made by the operator.
	CAValidity = 10 * 365 * 24 * time.Hour
	// TenantValidity is the lifetime of a tenant's signing certificate.
	TenantValidity = 365 * 24 * time.Hour
	// RenewBefore: a tenant certificate is replaced when it has less than this left.
	RenewBefore = 30 * 24 * time.Hour
)

// KeyPair is a certificate, its key and its issuers (up to the root).
type KeyPair struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// Tenant names the holder of a signing certificate.
type Tenant struct {
	Code string // the administrative division code: 430423
	Name string // 衡山县
	// EnglishName is optional.
	EnglishName string
	// Kind is "county" or "city".
	Kind string
}

// oidDocumentSigning is id-kp-documentSigning (RFC 9336).
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// NewCA makes an installation CA valid from notBefore to notAfter: an
// ECDSA P-256 key and a self-signed certificate that may issue end-entity
// certificates only.
func NewCA(name string, notBefore, notAfter time.Time) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"countyreport"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, Key: key}, nil
}

// Issue makes t's signing certificate and key, valid from notBefore to
// notAfter (never past the CA's own end; the operator gives now and
// now+TenantValidity). The subject names the tenant and carries its code
// as serialNumber, which KeyPair.Signer checks against the tenant it
// signs for.
func (ca *KeyPair) Issue(t Tenant, notBefore, notAfter time.Time) (*KeyPair, error) {
	if t.Code == "" || t.Name == "" {
		return nil, errors.New("signing: a tenant needs a code and a name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cn := t.Name
	if t.EnglishName != "" {
		cn += " " + t.EnglishName
	}
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject: pkix.Name{CommonName: cn, SerialNumber: t.Code, Organization: []string{t.Name},
			OrganizationalUnit: []string{"countyreport " + t.Kind}},
		NotBefore: notBefore,
		NotAfter:  notAfter,
		// digitalSignature and nonRepudiation: what NSS wants of a document signer.
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, Key: key, Chain: append([]*x509.Certificate{ca.Cert}, ca.Chain...)}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}

// NeedsRenewal says why kp is not a good signing certificate for t under
// roots at now ("" when it is): expiring within RenewBefore, issued by
// another CA, naming another tenant.
func NeedsRenewal(kp *KeyPair, t Tenant, roots *x509.CertPool, now time.Time) string {
	switch {
	case kp == nil:
		return "no certificate"
	case kp.Cert.SerialNumber == nil || kp.Cert.Subject.SerialNumber != t.Code:
		return fmt.Sprintf("the certificate names code %q, not %s", kp.Cert.Subject.SerialNumber, t.Code)
	case now.Add(RenewBefore).After(kp.Cert.NotAfter):
		return "the certificate expires on " + kp.Cert.NotAfter.UTC().Format(time.DateOnly)
	}
	if err := checkChain(kp.Cert, kp.Chain, roots, now); err != nil {
		return err.Error()
	}
	if !samePublicKey(kp.Cert.PublicKey, kp.Key.Public()) {
		return "the key does not match the certificate"
	}
	return ""
}

func samePublicKey(a, b crypto.PublicKey) bool {
	ea, ok1 := a.(*ecdsa.PublicKey)
	eb, ok2 := b.(*ecdsa.PublicKey)
	return ok1 && ok2 && ea.Equal(eb)
}

// checkChain verifies cert up to one of roots at t.
func checkChain(cert *x509.Certificate, chain []*x509.Certificate, roots *x509.CertPool, t time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range chain {
		inter.AddCert(c)
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return fmt.Errorf("the certificate is not issued by the installation CA: %w", err)
	}
	return nil
}

// PEM encodings, the Secret's keys (kubernetes.io/tls, as cert-manager
// writes them): tls.crt is the certificate followed by its issuers but the
// root, tls.key the key (PKCS#8), ca.crt the root.
const (
	KeyCert = "tls.crt"
	KeyKey  = "tls.key"
	KeyCA   = "ca.crt"
)

// EncodeKeyPair is kp as a Secret's data.
func EncodeKeyPair(kp *KeyPair) (map[string][]byte, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return nil, err
	}
	var crt, ca bytes.Buffer
	pem.Encode(&crt, &pem.Block{Type: "CERTIFICATE", Bytes: kp.Cert.Raw})
	for i, c := range kp.Chain {
		dst := &crt
		if i == len(kp.Chain)-1 && isSelfSigned(c) {
			dst = &ca
		}
		pem.Encode(dst, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if len(kp.Chain) == 0 && isSelfSigned(kp.Cert) {
		ca.Write(crt.Bytes()) // a root CA
	}
	return map[string][]byte{KeyCert: crt.Bytes(), KeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), KeyCA: ca.Bytes()}, nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// maxPEM bounds each of a Secret's values.
const maxPEM = 64 << 10

// DecodeKeyPair reads a Secret's data (EncodeKeyPair's, or cert-manager's):
// tls.crt's first certificate is the holder's, the rest and ca.crt its issuers.
func DecodeKeyPair(data map[string][]byte) (*KeyPair, error) {
	for _, k := range []string{KeyCert, KeyKey} {
		if len(data[k]) == 0 {
			return nil, fmt.Errorf("key %s is missing", k)
		}
	}
	for k, v := range data {
		if len(v) > maxPEM {
			return nil, fmt.Errorf("key %s is larger than %d bytes", k, maxPEM)
		}
	}
	certs, err := parseCerts(data[KeyCert])
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", KeyCert, err)
	}
	cas, err := parseCerts(data[KeyCA])
	if err != nil && len(data[KeyCA]) > 0 {
		return nil, fmt.Errorf("key %s: %w", KeyCA, err)
	}
	block, _ := pem.Decode(data[KeyKey])
	if block == nil {
		return nil, fmt.Errorf("key %s: no PEM block", KeyKey)
	}
	key, err := parseKey(block)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", KeyKey, err)
	}
	kp := &KeyPair{Cert: certs[0], Key: key, Chain: certs[1:]}
	for _, c := range cas {
		if !c.Equal(kp.Cert) && !containsCert(kp.Chain, c) {
			kp.Chain = append(kp.Chain, c)
		}
	}
	return kp, nil
}

func containsCert(cs []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range cs {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}

func parseKey(block *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	return s, nil
}

// Roots is a pool holding the chain's self-signed certificates (the
// installation CA's root), and the last issuer when none is self-signed.
func (kp *KeyPair) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	all := append([]*x509.Certificate{kp.Cert}, kp.Chain...)
	added := false
	for _, c := range all {
		if isSelfSigned(c) {
			pool.AddCert(c)
			added = true
		}
	}
	if !added {
		pool.AddCert(all[len(all)-1])
	}
	return pool
}

// Fingerprint is the SHA-256 of a certificate, hex.
func Fingerprint(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return fmt.Sprintf("%x", s)
}

// Signer signs with kp for code: it refuses a certificate naming another
// tenant, so a key copied into the wrong tenant's Secret signs nothing.
func (kp *KeyPair) Signer(code string, now func() time.Time, reason string) (*Signer, error) {
	if kp.Cert.Subject.SerialNumber != code {
		return nil, messages.Errorf("signing.otherTenant", kp.Cert.Subject.SerialNumber, code)
	}
	if !samePublicKey(kp.Cert.PublicKey, kp.Key.Public()) {
		return nil, errors.New("the signing key does not match its certificate")
	}
	chain := append([]*x509.Certificate(nil), kp.Chain...)
	return &Signer{Key: kp.Key, Cert: kp.Cert, Chain: chain, Now: now, Reason: reason}, nil
}

// CertificateNotAfter is when the certificate of a tenant's signing Secret
// (its tls.crt) ends, read without touching the key: the notifier warns
// municipal IT of a certificate the operator failed to renew.
func CertificateNotAfter(data map[string][]byte) (time.Time, error) {
	if len(data[KeyCert]) > maxPEM {
		return time.Time{}, fmt.Errorf("key %s is larger than %d bytes", KeyCert, maxPEM)
	}
	certs, err := parseCerts(data[KeyCert])
	if err != nil {
		return time.Time{}, fmt.Errorf("key %s: %w", KeyCert, err)
	}
	return certs[0].NotAfter, nil
}
