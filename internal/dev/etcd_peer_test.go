package dev

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// etcd's peer listener, attacked as another local user would: plain HTTP,
// TLS without a certificate, and TLS with a client certificate of the
// platform's own CA (the admin's, which the user's kubectl holds): none of
// them reads /members. Its client port still serves the API server's
// certificate.
func TestEtcdPeerListenerAdmitsNoOne(t *testing.T) {
	bin := os.Getenv("KUBEBUILDER_ASSETS")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "k8s")
	}
	if _, err := os.Stat(filepath.Join(bin, "etcd")); err != nil {
		t.Fatalf("etcd is missing in %s: run `make tools` (it builds bin/k8s/etcd): %v", bin, err)
	}
	state := t.TempDir()
	pki, err := EnsurePKI(filepath.Join(state, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Servers{StateDir: state, K8sBin: bin, EtcdPort: freeTestPort(t), EtcdPeerPort: freeTestPort(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.StartEtcd(ctx, pki); err != nil {
		t.Fatal(err)
	}
	defer s.Group.Stop()
	peer := "127.0.0.1:" + strconv.Itoa(s.EtcdPeerPort)
	// The listener is there (so the refusals below are no empty check) and speaks TLS.
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", peer, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("the peer port does not speak TLS: %v", err)
	}
	conn.Close()

	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + peer + "/members"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("the peer port answered plain HTTP /members: %s", resp.Status)
		}
	}
	admin, err := tls.LoadX509KeyPair(pki.AdminCert, pki.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	apiClient, err := tls.LoadX509KeyPair(pki.EtcdClientCert, pki.EtcdClientKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, certs := range map[string][]tls.Certificate{
		"no certificate": nil,
		"the admin's certificate (platform's CA)":  {admin},
		"kube-apiserver's etcd client certificate": {apiClient},
	} {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, Certificates: certs}}}
		resp, err := c.Get("https://" + peer + "/members")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("%s: the peer port answered /members: %s", name, resp.Status)
			}
		}
	}
	// The peer port is taken when asked for: CheckPorts names its flag.
	if err := s.CheckPorts(); err == nil || !strings.Contains(err.Error(), "--etcd-") {
		t.Errorf("CheckPorts with etcd running: %v", err)
	}
}

func freeTestPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
