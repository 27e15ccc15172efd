// Package miniotest runs a real MinIO server (bin/minio, built by
// `make tools`) on 127.0.0.1 for tests and benchmarks: a temporary data
// directory, free ports, random root credentials, stopped when the test ends.
package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage"
)

// EnvBin names the MinIO binary; when unset, bin/minio under the module root
// (found by walking up from the working directory to go.mod) is used.
const EnvBin = "COUNTYREPORT_MINIO_BIN"

// EnvCPUs, when set (e.g. "1"), pins the server to those CPUs with taskset,
// so a benchmark can keep storage off the cores it measures, as storage on
// its own machines would be.
const EnvCPUs = "COUNTYREPORT_MINIO_CPUS"

const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
)

// Server is one running (or stopped) MinIO server.
type Server struct {
	bin, dir          string
	addr, consoleAddr string
	user, password    string
	ownsDir           bool
	certsDir          string // set for a TLS server
	caPEM             []byte // the CA that signed its certificate

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	log     *tailBuffer
	buckets int
}

// FindBinary returns the MinIO binary to run, or an error that says how to
// build it.
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBin); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("miniotest: %s=%s: no MinIO binary there; run `make tools` to build bin/minio", EnvBin, p)
		}
		return p, nil
	}
	root, err := repo.Root()
	if err != nil {
		return "", fmt.Errorf("miniotest: %v, so no bin/minio: run `make tools` or set %s", err, EnvBin)
	}
	p := filepath.Join(root, "bin", "minio")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("miniotest: %s is missing: run `make tools` to build bin/minio (or set %s)", p, EnvBin)
	}
	return p, nil
}

// Start runs a MinIO server for t and stops it (and removes its data) when t
// ends. A missing binary fails the test: run `make tools`.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := StartServer(t.TempDir())
	if err != nil {
		t.Fatalf("start MinIO (bin/minio, built by `make tools`): %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop MinIO: %v", err)
		}
	})
	return s
}

// StartServer runs a MinIO server with its data in dir (a new temporary
// directory when dir is ""). Call Close when done.
func StartServer(dir string) (*Server, error) {
	return startServer(dir, "", nil)
}

func startServer(dir, certsDir string, caPEM []byte) (*Server, error) {
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	owns := false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "miniotest-"); err != nil {
			return nil, err
		}
		owns = true
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cport, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		bin: bin, dir: dir, ownsDir: owns,
		addr:        net.JoinHostPort("127.0.0.1", port),
		consoleAddr: net.JoinHostPort("127.0.0.1", cport),
		user:        "root" + randomHex(8),
		password:    randomHex(20),
		certsDir:    certsDir,
		caPEM:       caPEM,
	}
	if err := s.start(); err != nil {
		if owns {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	return s, nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("miniotest: server already running")
	}
	args := []string{s.bin, "server", s.dir, "--address", s.addr, "--console-address", s.consoleAddr, "--quiet"}
	if s.certsDir != "" {
		args = append(args, "--certs-dir", s.certsDir)
	}
	if cpus := os.Getenv(EnvCPUs); cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.user,
		"MINIO_ROOT_PASSWORD="+s.password,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
		"MINIO_MEMLIMIT=512MiB",
		"MINIO_SCANNER_SPEED=slowest",
		"GOMAXPROCS=2",
	)
	s.log = &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// The server dies with the process that started it, even on a crash.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("miniotest: run %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done

	client, base := s.healthClient()
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("miniotest: %s exited before it was ready (%v):\n%s", s.bin, cmd.ProcessState, s.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(base + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			// The health endpoint can answer before the object layer is up
			// ("Server not initialized yet"): ready means an S3 call works.
			if resp.StatusCode == http.StatusOK && s.answersS3() {
				return nil
			}
		}
	}
	s.stopLocked()
	return fmt.Errorf("miniotest: MinIO at %s not ready after %s:\n%s", s.addr, readyTimeout, s.log.String())
}

// answersS3 reports whether a ListBuckets with the root credentials, and an
// STS AssumeRole, succeed.
func (s *Server) answersS3() bool {
	cfg := s.RootConfig()
	cfg.MaxRetries = 1
	c, err := storage.New(cfg)
	if err != nil {
		return false
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err = c.ListBuckets(ctx); err != nil {
		return false
	}
	// STS (IAM) starts after the object layer: until it has, AssumeRole
	// answers "Server not initialized". Tests issue scoped credentials at
	// once, so ready includes that.
	sts, err := storage.NewSTSIssuer(cfg)
	if err != nil {
		return false
	}
	_, err = sts.Issue(ctx, "miniotest-readiness", storage.MinCredentialTTL)
	return err == nil
}

// Endpoint is host:port of the S3 API.
func (s *Server) Endpoint() string { return s.addr }

// Dir is the data directory.
func (s *Server) Dir() string { return s.dir }

// RootConfig is a storage configuration with the root (admin) credentials.
// For a TLS server it trusts the server's private CA.
func (s *Server) RootConfig() storage.Config {
	if s.caPEM != nil {
		return storage.Config{Endpoint: s.addr, AccessKey: s.user, SecretKey: s.password, CABundle: s.caPEM}
	}
	return storage.Config{Endpoint: s.addr, AccessKey: s.user, SecretKey: s.password, Insecure: true}
}

// Logs returns the tail of the server's output.
func (s *Server) Logs() string {
	s.mu.Lock()
	l := s.log
	s.mu.Unlock()
	return l.String()
}

// NewBucket creates a fresh, versioned bucket named after the test. Its name
// has at most 59 characters, so a test may derive others by adding a suffix.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.buckets++
	n := s.buckets
	s.mu.Unlock()
	name := strings.Trim(nonBucketChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	suffix := fmt.Sprintf("-%d-%s", n, randomHex(3))
	if max := 59 - len(suffix) - 2; len(name) > max { // room for a 4-character suffix
		name = strings.Trim(name[:max], "-")
	}
	name = "t-" + name + suffix
	c, err := storage.New(s.RootConfig())
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.EnsureBucket(ctx, name, nil); err != nil {
		t.Fatalf("miniotest: create bucket %s: %v", name, err)
	}
	return name
}

var nonBucketChars = regexp.MustCompile(`[^a-z0-9]+`)

// Stop stops the server and keeps its data, port and credentials for Restart.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	cmd, done := s.cmd, s.done
	s.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-done:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("miniotest: MinIO (pid %d) did not exit", cmd.Process.Pid)
	}
}

// Restart starts the server again on the same address, data and credentials.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// Close stops the server and, when StartServer made the data directory,
// removes it.
func (s *Server) Close() error {
	err := s.Stop()
	if s.ownsDir {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
	}
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	if b == nil {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
