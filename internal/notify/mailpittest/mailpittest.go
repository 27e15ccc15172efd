// Package mailpittest runs a real mailpit SMTP server (bin/mailpit, built by
// `make tools` from hack/tools/mailpit) on 127.0.0.1 for tests and reads what
// it received through its REST API (/api/v1/messages): the module zip lacks
// the web UI's built assets, so the API is the way in.
package mailpittest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/repo"
)

// EnvBin names the mailpit binary; unset, bin/mailpit under the module root.
const EnvBin = "COUNTYREPORT_MAILPIT_BIN"

// FindBinary returns the mailpit binary, or an error naming `make tools`.
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBin); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("mailpittest: %s=%s: no mailpit binary there; run `make tools` to build bin/mailpit", EnvBin, p)
		}
		return p, nil
	}
	root, err := repo.Root()
	if err != nil {
		return "", fmt.Errorf("mailpittest: %v, so no bin/mailpit: run `make tools` or set %s", err, EnvBin)
	}
	p := filepath.Join(root, "bin", "mailpit")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("mailpittest: %s is missing: run `make tools` to build bin/mailpit (or set %s)", p, EnvBin)
	}
	return p, nil
}

// Options configure the server. With CertFile and KeyFile it offers STARTTLS
// and requires it; with Auth ("user:password") it requires that login.
type Options struct {
	CertFile, KeyFile string
	Auth              string
	// SMTPPort and HTTPPort fix the ports (the local platform); 0: free ones.
	SMTPPort, HTTPPort int
}

// Server is a running mailpit.
type Server struct {
	SMTPHost string
	SMTPPort int
	API      string // http://127.0.0.1:port
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited
}

// Start runs mailpit for t and stops it when t ends; a missing binary or a
// server that does not come up fails the test.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := StartServer(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartServer runs mailpit with its database in dir until Stop.
func StartServer(dir string, o Options) (*Server, error) {
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	smtpPort, httpPort := o.SMTPPort, o.HTTPPort
	if smtpPort == 0 {
		if smtpPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	if httpPort == 0 {
		if httpPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"--smtp", "127.0.0.1:" + strconv.Itoa(smtpPort), "--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mailpit.db"), "--disable-version-check", "--smtp-disable-rdns", "--quiet"}
	if o.CertFile != "" {
		args = append(args, "--smtp-tls-cert", o.CertFile, "--smtp-tls-key", o.KeyFile, "--smtp-require-starttls")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MP_SMTP_AUTH="+o.Auth)
	logf, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives its parent
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mailpittest: start %s: %v", bin, err)
	}
	s := &Server{SMTPHost: "127.0.0.1", SMTPPort: smtpPort, API: "http://127.0.0.1:" + strconv.Itoa(httpPort), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		log, _ := os.ReadFile(logf.Name())
		return nil, fmt.Errorf("mailpittest: %v; its log:\n%s", err, log)
	}
	return s, nil
}

// Stop ends the server.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit) // a polling deadline, not test logic
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("exited at start")
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort)), time.Second); err == nil {
			c.Close()
			if _, err := s.Messages(""); err == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready within %v", limit)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Address is a mail address as mailpit reports it.
type Address struct{ Name, Address string }

// Summary is one message in /api/v1/messages.
type Summary struct {
	ID, MessageID, Subject string
	From                   *Address
	To                     []Address
	Attachments            int
}

// Attachment is one attached file of a message.
type Attachment struct {
	PartID, FileName, ContentType string
	Size                          int
}

// Message is /api/v1/message/{ID}.
type Message struct {
	ID, MessageID, Subject, Text, HTML string
	To                                 []Address
	Date                               time.Time
	Attachments                        []Attachment
}

// Messages lists what arrived, newest first; query searches (mailpit's
// search syntax, e.g. `to:a@example.org`) when not empty.
func (s *Server) Messages(query string) ([]Summary, error) {
	path := "/api/v1/messages?limit=500"
	if query != "" {
		path = "/api/v1/search?limit=500&query=" + url.QueryEscape(query)
	}
	var out struct{ Messages []Summary }
	err := s.get(path, &out)
	return out.Messages, err
}

// Message reads one message.
func (s *Server) Message(id string) (Message, error) {
	var m Message
	err := s.get("/api/v1/message/"+url.PathEscape(id), &m)
	return m, err
}

// Headers reads one message's headers.
func (s *Server) Headers(id string) (map[string][]string, error) {
	var h map[string][]string
	err := s.get("/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h, err
}

// Part reads one part (an attachment) of a message.
func (s *Server) Part(id, part string) ([]byte, error) {
	resp, err := http.Get(s.API + "/api/v1/message/" + url.PathEscape(id) + "/part/" + url.PathEscape(part))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("mailpit part: HTTP %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

func (s *Server) get(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.API+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != 200 {
		return fmt.Errorf("mailpit %s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, v)
}
