package storage

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Environment variables read by ConfigFromEnv. The first four are an
// interface scripts rely on (docs/cli.md, "Storage flags"): keep their names.
const (
	EnvEndpoint     = "COUNTYREPORT_STORAGE_ENDPOINT"
	EnvAccessKey    = "COUNTYREPORT_STORAGE_ACCESS_KEY"
	EnvSecretKey    = "COUNTYREPORT_STORAGE_SECRET_KEY"
	EnvInsecure     = "COUNTYREPORT_STORAGE_INSECURE"
	EnvSessionToken = "COUNTYREPORT_STORAGE_SESSION_TOKEN"
	EnvCAFile       = "COUNTYREPORT_STORAGE_CA_FILE"
	EnvRegion       = "COUNTYREPORT_STORAGE_REGION"
	EnvBucket       = "COUNTYREPORT_STORAGE_BUCKET"
)

// DefaultRegion is used when Config.Region is empty; MinIO's default. Setting
// a region up front spares a bucket-location request before each first use.
const DefaultRegion = "us-east-1"

// DefaultMaxRetries is the number of attempts per request when
// Config.MaxRetries is zero (minio-go's own default, 10, waits about 8 s
// before reporting an unreachable endpoint).
const DefaultMaxRetries = 3

// Config says how to reach an S3-compatible endpoint and as whom.
type Config struct {
	Endpoint     string // host:port, no scheme
	AccessKey    string
	SecretKey    string
	SessionToken string // set for temporary (STS) credentials
	Insecure     bool   // true: plain HTTP
	CABundle     []byte // PEM; added to the system roots for HTTPS
	Region       string // empty: DefaultRegion
	MaxRetries   int    // attempts per request; 0: DefaultMaxRetries
}

// ConfigFromEnv reads the COUNTYREPORT_STORAGE_* variables. Unset variables
// leave fields empty; a malformed one is an error.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Endpoint:     os.Getenv(EnvEndpoint),
		AccessKey:    os.Getenv(EnvAccessKey),
		SecretKey:    os.Getenv(EnvSecretKey),
		SessionToken: os.Getenv(EnvSessionToken),
		Region:       os.Getenv(EnvRegion),
	}
	if v := os.Getenv(EnvInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("storage: %s=%q: want true or false", EnvInsecure, v)
		}
		c.Insecure = b
	}
	if f := os.Getenv(EnvCAFile); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return c, fmt.Errorf("storage: %s: %w", EnvCAFile, err)
		}
		c.CABundle = pem
	}
	return c, nil
}

// RegisterFlags adds --storage-endpoint, --storage-access-key,
// --storage-secret-key, --storage-session-token, --storage-insecure,
// --storage-ca-file and --storage-region to fs, bound to c. Call it after
// filling c (from ConfigFromEnv) so that a flag given on the command line
// overrides the environment. Secrets are never shown as defaults in -help.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Endpoint, "storage-endpoint", c.Endpoint, "S3/MinIO endpoint as host:port (env "+EnvEndpoint+")")
	fs.Var((*secretValue)(&c.AccessKey), "storage-access-key", "access key (env "+EnvAccessKey+")")
	fs.Var((*secretValue)(&c.SecretKey), "storage-secret-key", "secret key (env "+EnvSecretKey+")")
	fs.Var((*secretValue)(&c.SessionToken), "storage-session-token", "session token of temporary credentials (env "+EnvSessionToken+")")
	fs.BoolVar(&c.Insecure, "storage-insecure", c.Insecure, "plain HTTP instead of HTTPS (env "+EnvInsecure+")")
	fs.Func("storage-ca-file", "PEM file of CA certificates to trust for HTTPS (env "+EnvCAFile+")", func(f string) error {
		pem, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		c.CABundle = pem
		return nil
	})
	fs.StringVar(&c.Region, "storage-region", c.Region, "region (env "+EnvRegion+"; default "+DefaultRegion+")")
}

// secretValue is a string flag whose value never appears in usage output.
type secretValue string

func (s *secretValue) Set(v string) error { *s = secretValue(v); return nil }
func (s *secretValue) String() string     { return "" }

// Validate reports the first thing missing or malformed.
func (c Config) Validate() error {
	switch {
	case c.Endpoint == "":
		return fmt.Errorf("storage: no endpoint: set --storage-endpoint or %s (host:port)", EnvEndpoint)
	case strings.Contains(c.Endpoint, "://"):
		return fmt.Errorf("storage: endpoint %q: give host:port without a scheme (plain HTTP is --storage-insecure / %s=true)", c.Endpoint, EnvInsecure)
	case strings.ContainsAny(c.Endpoint, "/?#"):
		return fmt.Errorf("storage: endpoint %q: give host:port without a path", c.Endpoint)
	case c.AccessKey == "" || c.SecretKey == "":
		return fmt.Errorf("storage: no credentials: set --storage-access-key and --storage-secret-key or %s and %s", EnvAccessKey, EnvSecretKey)
	}
	if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
		return fmt.Errorf("storage: endpoint %q: want host:port: %w", c.Endpoint, err)
	}
	return nil
}

func (c Config) region() string {
	if c.Region == "" {
		return DefaultRegion
	}
	return c.Region
}

func (c Config) scheme() string {
	if c.Insecure {
		return "http"
	}
	return "https"
}

// URL is the endpoint as a URL (scheme from Insecure).
func (c Config) URL() string { return c.scheme() + "://" + c.Endpoint }

// maxIdleConnsPerHost bounds the idle connections kept to one endpoint by
// the shared transport: enough for every publisher of a busy process
// (minio-go's default transport keeps 16).
const maxIdleConnsPerHost = 64

// transports holds the HTTP transports shared by every Client and STSIssuer
// of the process, one per TLS setting (Insecure, CABundle). Connections are
// per endpoint, not per credential: the one-client-per-county pattern
// (scoped credentials) would otherwise open new TCP (and TLS) connections
// for every county.
var transports struct {
	sync.Mutex
	m map[string]*http.Transport
}

// transport returns the shared transport for c's TLS settings.
func (c Config) transport() (*http.Transport, error) {
	key := strconv.FormatBool(c.Insecure) + "\x00" + string(c.CABundle)
	transports.Lock()
	defer transports.Unlock()
	if tr := transports.m[key]; tr != nil {
		return tr, nil
	}
	tr, err := c.newTransport()
	if err != nil {
		return nil, err
	}
	if transports.m == nil {
		transports.m = map[string]*http.Transport{}
	}
	transports.m[key] = tr
	return tr, nil
}

func (c Config) newTransport() (*http.Transport, error) {
	tr, err := minio.DefaultTransport(!c.Insecure)
	if err != nil {
		return nil, err
	}
	tr.ResponseHeaderTimeout = 2 * time.Minute
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	tr.MaxIdleConns = max(tr.MaxIdleConns, 4*maxIdleConnsPerHost)
	if len(c.CABundle) > 0 && !c.Insecure {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.CABundle) {
			return nil, fmt.Errorf("storage: CA bundle holds no PEM certificate")
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return tr, nil
}

func (c Config) minioClient() (*minio.Client, *http.Transport, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, &Error{Op: "configure", Kind: ErrInvalid, Err: err}
	}
	tr, err := c.transport()
	if err != nil {
		return nil, nil, &Error{Op: "configure", Endpoint: c.Endpoint, Kind: ErrInvalid, Err: err}
	}
	retries := c.MaxRetries
	if retries <= 0 {
		retries = DefaultMaxRetries
	}
	mc, err := minio.New(c.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken),
		Secure:     !c.Insecure,
		Transport:  tr,
		Region:     c.region(),
		MaxRetries: retries,
	})
	if err != nil {
		return nil, nil, &Error{Op: "configure", Endpoint: c.Endpoint, Kind: ErrInvalid, Err: err}
	}
	return mc, tr, nil
}
