package dev

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI is the control plane's key material, made once per state directory
// with fresh random keys and kept (mode 0600) so that a resumed platform
// keeps its identity and the kubeconfig handed out stays valid.
type PKI struct {
	Dir string

	CACert, ServingCert, ServingKey string // files
	AdminCert, AdminKey             string
	EtcdCert, EtcdKey               string // etcd's serving certificate
	EtcdClientCert, EtcdClientKey   string // kube-apiserver's client certificate for etcd
	SAKey, SAPub                    string
}

// pkiFiles names the files under dir.
func pkiFiles(dir string) *PKI {
	f := func(n string) string { return filepath.Join(dir, n) }
	return &PKI{
		Dir: dir, CACert: f("ca.crt"), ServingCert: f("apiserver.crt"), ServingKey: f("apiserver.key"),
		AdminCert: f("admin.crt"), AdminKey: f("admin.key"), SAKey: f("sa.key"), SAPub: f("sa.pub"),
		EtcdCert: f("etcd.crt"), EtcdKey: f("etcd.key"), EtcdClientCert: f("etcd-client.crt"), EtcdClientKey: f("etcd-client.key"),
	}
}

// EnsurePKI returns the key material in dir, making it when it is not there.
// The CA's key is not kept: nothing is signed after the first start.
func EnsurePKI(dir string) (*PKI, error) {
	p := pkiFiles(dir)
	if _, err := os.Stat(p.SAPub); err == nil {
		if _, err := os.Stat(p.EtcdClientKey); err != nil {
			return nil, fmt.Errorf("%s was made by an older countyreport dev (no etcd client certificate): start with --reset", dir)
		}
		return p, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := p.generate(); err != nil {
		return nil, fmt.Errorf("make the control plane's keys in %s: %w", dir, err)
	}
	return p, nil
}

func (p *PKI) generate() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "countyreport-dev-ca"},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writePEM(p.CACert, "CERTIFICATE", caDER); err != nil {
		return err
	}
	leaf := func(certFile, keyFile string, tmpl *x509.Certificate) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial(), now, now.AddDate(10, 0, 0)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(keyFile, "EC PRIVATE KEY", kb); err != nil {
			return err
		}
		return writePEM(certFile, "CERTIFICATE", der)
	}
	if err := leaf(p.ServingCert, p.ServingKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 96, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return err
	}
	// etcd answers only clients with a certificate of this CA: another local
	// user cannot read the cluster's Secrets from its port.
	if err := leaf(p.EtcdCert, p.EtcdKey, &x509.Certificate{
		Subject: pkix.Name{CommonName: "etcd"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return err
	}
	if err := leaf(p.EtcdClientCert, p.EtcdClientKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver-etcd-client"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		return err
	}
	// The admin: system:masters, for the operator and for the user's kubectl.
	if err := leaf(p.AdminCert, p.AdminKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "countyreport-dev-admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		return err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := writePEM(p.SAKey, "EC PRIVATE KEY", kb); err != nil {
		return err
	}
	return writePEM(p.SAPub, "PUBLIC KEY", pub) // last: its presence means complete
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n
}

func writePEM(path, typ string, der []byte) error {
	return writeFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// RandomSecret is n random bytes as lower-case hex.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x", b)
}
