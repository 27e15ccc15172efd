package dev

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/countyreport/countyreport/internal/storage"
)

// Servers are the platform's servers and where they keep their state.
type Servers struct {
	StateDir string // .countyreport
	K8sBin   string // folder with etcd, kube-apiserver, kubectl
	MinIOBin string // the minio binary
	EtcdPort int
	// EtcdPeerPort is etcd's peer listener (TLS, admitting no peer).
	EtcdPeerPort int
	APIPort      int
	MinIOPort    int

	Group Group
}

const startTimeout = 90 * time.Second

// PeerCN is the only common name etcd's peer listener admits (see StartEtcd).
const PeerCN = "etcd"

// Layout of the state directory.
func (s *Servers) path(parts ...string) string {
	return filepath.Join(append([]string{s.StateDir}, parts...)...)
}

// Kubeconfig is the admin kubeconfig the user's kubectl can use.
func (s *Servers) Kubeconfig() string { return s.path("kubeconfig") }

// LogFile is where the named server writes.
func (s *Servers) LogFile(name string) string { return s.path("logs", name+".log") }

// CheckTools fails, naming `make tools`, when a binary is missing.
func (s *Servers) CheckTools() error {
	for _, b := range []string{filepath.Join(s.K8sBin, "etcd"), filepath.Join(s.K8sBin, "kube-apiserver"), filepath.Join(s.K8sBin, "kubectl"), s.MinIOBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s is missing: run `make tools` (it builds bin/k8s/{etcd,kube-apiserver,kubectl} and bin/minio), or `make demo`, which does", b)
		}
	}
	return nil
}

// CheckPorts fails when a port of the servers is taken.
func (s *Servers) CheckPorts(extra ...Port) error {
	return CheckPorts(append([]Port{
		{What: "etcd", Flag: "--etcd-port", Port: s.EtcdPort},
		{What: "etcd's peer listener", Flag: "--etcd-peer-port", Port: s.EtcdPeerPort},
		{What: "kube-apiserver", Flag: "--apiserver-port", Port: s.APIPort},
		{What: "MinIO", Flag: "--minio-port", Port: s.MinIOPort},
	}, extra...)...)
}

// StartEtcd starts etcd with its data under the state directory, serving
// TLS to clients with a certificate of the PKI's CA only.
//
// etcd always opens a peer listener (it cannot be turned off). Its /members
// and raft endpoints must not answer another local user, so it serves TLS
// and wants a client certificate of the PKI's CA whose common name is
// PeerCN. No certificate of the PKI is both a client certificate and named
// so (etcd's own is a server certificate), so no one can be a peer: the
// cluster has one member, which never dials one.
func (s *Servers) StartEtcd(ctx context.Context, pki *PKI) error {
	url := "https://127.0.0.1:" + strconv.Itoa(s.EtcdPort)
	peer := "https://127.0.0.1:" + strconv.Itoa(s.EtcdPeerPort)
	p := &Process{
		Name: "etcd", Path: filepath.Join(s.K8sBin, "etcd"), LogFile: s.LogFile("etcd"),
		Args: []string{
			"--data-dir=" + s.path("etcd"),
			"--listen-client-urls=" + url, "--advertise-client-urls=" + url,
			"--cert-file=" + pki.EtcdCert, "--key-file=" + pki.EtcdKey,
			"--client-cert-auth", "--trusted-ca-file=" + pki.CACert,
			"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=default=" + peer,
			"--peer-cert-file=" + pki.EtcdCert, "--peer-key-file=" + pki.EtcdKey,
			"--peer-client-cert-auth", "--peer-trusted-ca-file=" + pki.CACert,
			"--peer-cert-allowed-cn=" + PeerCN,
			"--log-level=warn",
		},
	}
	if err := os.MkdirAll(s.path("etcd"), 0o700); err != nil {
		return err
	}
	client, err := httpClient(&rest.Config{TLSClientConfig: rest.TLSClientConfig{
		CAFile: pki.CACert, CertFile: pki.EtcdClientCert, KeyFile: pki.EtcdClientKey}})
	if err != nil {
		return err
	}
	err = p.Start(ctx, startTimeout, func(ctx context.Context) error {
		body, err := get(ctx, client, url+"/health")
		if err == nil && !strings.Contains(body, `"health":"true"`) {
			err = fmt.Errorf("health: %s", body)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.Group.Add(p)
	return nil
}

// StartAPIServer starts kube-apiserver on 127.0.0.1 against etcd, with the
// PKI's certificates, RBAC, and the default admission plugins (PodSecurity
// among them).
func (s *Servers) StartAPIServer(ctx context.Context, pki *PKI) (*rest.Config, error) {
	addr := "https://127.0.0.1:" + strconv.Itoa(s.APIPort)
	p := &Process{
		Name: "kube-apiserver", Path: filepath.Join(s.K8sBin, "kube-apiserver"), LogFile: s.LogFile("kube-apiserver"),
		Args: []string{
			"--etcd-servers=https://127.0.0.1:" + strconv.Itoa(s.EtcdPort),
			"--etcd-cafile=" + pki.CACert, "--etcd-certfile=" + pki.EtcdClientCert, "--etcd-keyfile=" + pki.EtcdClientKey,
			"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(s.APIPort),
			"--cert-dir=" + s.path("apiserver"),
			"--tls-cert-file=" + pki.ServingCert, "--tls-private-key-file=" + pki.ServingKey,
			"--client-ca-file=" + pki.CACert,
			"--service-account-issuer=" + addr,
			"--service-account-key-file=" + pki.SAPub,
			"--service-account-signing-key-file=" + pki.SAKey,
			"--service-cluster-ip-range=10.96.0.0/16",
			"--authorization-mode=RBAC",
			// The kubernetes Service's endpoint may not be a loopback address;
			// nothing here needs it.
			"--endpoint-reconciler-type=none",
			// No controller-manager makes the default ServiceAccounts this
			// plugin wants for pods; nothing here creates pods.
			"--disable-admission-plugins=ServiceAccount",
		},
	}
	if err := os.MkdirAll(s.path("apiserver"), 0o700); err != nil {
		return nil, err
	}
	cfg := &rest.Config{
		Host: addr,
		TLSClientConfig: rest.TLSClientConfig{
			CAFile: pki.CACert, CertFile: pki.AdminCert, KeyFile: pki.AdminKey,
		},
		QPS: 100, Burst: 200,
	}
	client, err := httpClient(cfg)
	if err != nil {
		return nil, err
	}
	err = p.Start(ctx, startTimeout, func(ctx context.Context) error {
		body, err := get(ctx, client, addr+"/readyz")
		if err == nil && strings.TrimSpace(body) != "ok" {
			err = fmt.Errorf("readyz: %s", body)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Group.Add(p)
	if err := s.writeKubeconfig(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func httpClient(cfg *rest.Config) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12,
	}}}, nil
}

// writeKubeconfig writes an admin kubeconfig with the certificates inline, so
// `KUBECONFIG=.countyreport/kubeconfig kubectl ...` works from anywhere.
func (s *Servers) writeKubeconfig(cfg *rest.Config) error {
	read := func(f string) ([]byte, error) { return os.ReadFile(f) }
	ca, err := read(cfg.CAFile)
	if err != nil {
		return err
	}
	cert, err := read(cfg.CertFile)
	if err != nil {
		return err
	}
	key, err := read(cfg.KeyFile)
	if err != nil {
		return err
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["countyreport-dev"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: ca}
	kc.AuthInfos["countyreport-dev-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	kc.Contexts["countyreport-dev"] = &clientcmdapi.Context{Cluster: "countyreport-dev", AuthInfo: "countyreport-dev-admin"}
	kc.CurrentContext = "countyreport-dev"
	raw, err := clientcmd.Write(*kc)
	if err != nil {
		return err
	}
	return writeFile(s.Kubeconfig(), raw)
}

// minioCredentials are MinIO's root credentials: random, made once per state
// directory, kept in a 0600 file.
type minioCredentials struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

func (s *Servers) minioCredentials() (minioCredentials, error) {
	file := s.path("minio-root.json")
	var c minioCredentials
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &c); err != nil || c.AccessKey == "" || c.SecretKey == "" {
			return c, fmt.Errorf("%s is damaged (start with --reset): %v", file, err)
		}
		return c, nil
	case !errors.Is(err, os.ErrNotExist):
		return c, err
	}
	c = minioCredentials{AccessKey: "admin-" + RandomSecret(8), SecretKey: RandomSecret(24)}
	raw, err = json.Marshal(c)
	if err != nil {
		return c, err
	}
	return c, writeFile(file, raw)
}

// StartMinIO starts MinIO with its data under the state directory and returns
// its root (admin) configuration.
func (s *Servers) StartMinIO(ctx context.Context) (storage.Config, error) {
	creds, err := s.minioCredentials()
	if err != nil {
		return storage.Config{}, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(s.MinIOPort)
	if err := os.MkdirAll(s.path("minio"), 0o700); err != nil {
		return storage.Config{}, err
	}
	p := &Process{
		Name: "MinIO", Path: s.MinIOBin, LogFile: s.LogFile("minio"),
		Args: []string{"server", s.path("minio"), "--address", addr, "--quiet"},
		Env: []string{
			"MINIO_ROOT_USER=" + creds.AccessKey, "MINIO_ROOT_PASSWORD=" + creds.SecretKey,
			"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on",
			"MINIO_MEMLIMIT=512MiB", "MINIO_SCANNER_SPEED=slowest",
		},
	}
	cfg := storage.Config{Endpoint: addr, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Insecure: true}
	err = p.Start(ctx, startTimeout, func(ctx context.Context) error {
		if _, err := get(ctx, http.DefaultClient, "http://"+addr+"/minio/health/ready"); err != nil {
			return err
		}
		// The health endpoint answers before the object layer is up.
		c, err := storage.New(storage.Config{Endpoint: addr, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Insecure: true, MaxRetries: 1})
		if err != nil {
			return err
		}
		_, err = c.ListBuckets(ctx)
		return err
	})
	if err != nil {
		return storage.Config{}, err
	}
	s.Group.Add(p)
	return cfg, nil
}

func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("%s: %s", url, resp.Status)
	}
	return string(body), nil
}
