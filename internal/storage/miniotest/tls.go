package miniotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// StartTLS runs a MinIO server for t that serves HTTPS with a certificate
// from a certificate authority made for this server alone: a private CA,
// as a city's storage behind its own PKI would have. RootConfig and CA
// give what a client needs to trust it.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	s, err := StartTLSServer(t.TempDir())
	if err != nil {
		t.Fatalf("start MinIO with TLS (bin/minio, built by `make tools`): %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop MinIO: %v", err)
		}
	})
	return s
}

// StartTLSServer is StartServer serving HTTPS with a new private CA.
func StartTLSServer(dir string) (*Server, error) {
	certs := filepath.Join(dir, "certs")
	ca, err := writeCerts(certs)
	if err != nil {
		return nil, fmt.Errorf("miniotest: certificates: %w", err)
	}
	return startServer(filepath.Join(dir, "data"), certs, ca)
}

// CA is the PEM certificate of the CA that signed a TLS server's
// certificate (nil for a plain-HTTP server).
func (s *Server) CA() []byte { return s.caPEM }

// healthClient reaches the server's health endpoint over its scheme.
func (s *Server) healthClient() (*http.Client, string) {
	if s.caPEM == nil {
		return &http.Client{Timeout: 2 * time.Second}, "http://" + s.addr
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.caPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return &http.Client{Timeout: 2 * time.Second, Transport: tr}, "https://" + s.addr
}

// writeCerts makes a CA and a server certificate for 127.0.0.1 signed by
// it, writes the server's pair where MinIO looks (public.crt, private.key)
// and returns the CA certificate.
func writeCerts(dir string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "miniotest private CA (made up for tests)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	write := func(name, typ string, b []byte) error {
		return os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600)
	}
	if err := write("public.crt", "CERTIFICATE", der); err != nil {
		return nil, err
	}
	if err := write("private.key", "EC PRIVATE KEY", keyDER); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
