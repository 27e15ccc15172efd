package portal_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/portal"
	"sigs.k8s.io/yaml"
)

// behindIngress is a county whose operator names the test's own address
// as the trusted proxy (the Ingress controller): every request says, in
// X-Forwarded-For, which visitor it carries.
func behindIngress() countySpec {
	s := fictional
	s.Proxies = []string{"127.0.0.1/32"}
	return s
}

func signInFrom(u *user, addr, name, password string) *http.Response {
	u.t.Helper()
	resp, _ := u.do(http.MethodPost, "/signin", url.Values{"username": {name}, "password": {password}, "next": {"/"}},
		map[string]string{"X-Forwarded-For": addr})
	return resp
}

// What happened on 7 December: a stream of failed sign-ins as admin, from
// many addresses, kept the real administrator at 429 for three minutes.
// Here the stream goes on while the administrator signs in from an address
// of their own, and gets in at the first attempt. The attacker's addresses
// are slowed.
func TestStreamOfFailuresFromOtherAddressesLocksNoOneOut(t *testing.T) {
	c := newCounty(t, behindIngress())
	var failures, throttled atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the attacker: round after round over 8 addresses
		defer wg.Done()
		client := &http.Client{Timeout: 30 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodPost, c.URL+"/signin",
				strings.NewReader(url.Values{"username": {"admin"}, "password": {"guess-" + randHex(4)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "198.51.100."+string(rune('1'+i%8)))
			resp, err := client.Do(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				failures.Add(1)
			case http.StatusTooManyRequests:
				throttled.Add(1)
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d failures, %d throttled", what, failures.Load(), throttled.Load())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// More failures than the old per-account limit (5) and than make the
	// account under attack (10).
	waitUntil("the attacker's stream", func() bool { return failures.Load() >= 14 })
	admin := c.newUser(t)
	resp := signInFrom(admin, "203.0.113.7", "admin", editorPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the real administrator, during the attack, got %d (Retry-After %q), want 303 at the first attempt",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if r, _ := admin.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("signed in, the dashboard answers %d", r.StatusCode)
	}
	if !strings.Contains(c.Logs.String(), `"ip":"203.0.113.7","result":"success"`) {
		t.Error("the audit line of the real sign-in does not name the visitor's address")
	}
	// The attacker's own addresses are slowed.
	waitUntil("the attacker is never throttled", func() bool { return throttled.Load() > 0 })
	close(stop)
	wg.Wait()

	// The attacker cannot borrow the administrator's address: entries a
	// client writes itself, left of the proxy's, are not believed; the
	// failure is the attacker's.
	attacker := c.newUser(t)
	for i := 0; i < 6; i++ {
		signInFrom(attacker, "203.0.113.7, 198.51.100.77", "admin", "one more guess")
	}
	if !strings.Contains(c.Logs.String(), `"ip":"198.51.100.77","result":"failure"`) {
		t.Error("a forged X-Forwarded-For entry was believed")
	}
	if r := signInFrom(c.newUser(t), "203.0.113.7", "admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the administrator's address was charged for the forged attempts: %d", r.StatusCode)
	}
}

// Without trusted proxies (the default) X-Forwarded-For is never read: a
// client cannot escape its throttle by naming other addresses.
func TestForwardedForFromAnUntrustedPeerIsIgnored(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	for i := 0; i < 5; i++ {
		if r := signInFrom(u, "198.51.100."+string(rune('1'+i)), "admin", "not the password"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
		}
	}
	if r := signInFrom(u, "198.51.100.9", "admin", "not the password"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a client changing its X-Forwarded-For escaped the throttle: %d", r.StatusCode)
	}
	if strings.Contains(c.Logs.String(), `"ip":"198.51.100.`) {
		t.Error("the audit log believed an untrusted X-Forwarded-For")
	}
}

// ASVS 7.4.3: a changed password ends the account's sessions; the other
// accounts stay signed in; the new password works.
func TestPasswordChangeEndsSessions(t *testing.T) {
	c := newCounty(t, fictional)
	admin, viewer := c.newUser(t), c.newUser(t)
	if r := admin.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.StatusCode)
	}
	if r := viewer.signIn("viewer", viewerPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.StatusCode)
	}
	const newPassword = "a new password for 2027"
	h, err := accounts.Hash(newPassword)
	mustDo(t, err)
	editAccountsFile(t, filepath.Join(c.Dir, "accounts.yaml"), func(a *accounts.Account) {
		if a.Username == "admin" {
			a.PasswordHash = h
		}
	})
	deadline := time.Now().Add(3*accounts.PollInterval + 5*time.Second)
	for {
		if r, _ := admin.get("/"); r.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the session outlived its account's password change")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r, _ := viewer.get("/"); r.StatusCode != http.StatusOK {
		t.Errorf("another account's session ended too: %d", r.StatusCode)
	}
	// The cookie's password fingerprint ends the session as soon as the
	// accounts are reloaded; the revocation (a mark every replica reads)
	// and its audit line follow within the same reload.
	for !strings.Contains(c.Logs.String(), `"event":"sessions-ended","user":"admin"`) {
		if time.Now().After(deadline) {
			t.Fatal("no audit line says admin's sessions were ended")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := c.newUser(t).signIn("admin", editorPassword); r.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	if r := c.newUser(t).signIn("admin", newPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: %d", r.StatusCode)
	}
}

// editAccountsFile changes the accounts file in place, as an administrator
// editing the Secret would.
func editAccountsFile(t *testing.T, file string, edit func(*accounts.Account)) {
	t.Helper()
	raw, err := os.ReadFile(file)
	mustDo(t, err)
	var f accounts.File
	mustDo(t, yaml.Unmarshal(raw, &f))
	for i := range f.Accounts {
		edit(&f.Accounts[i])
	}
	writeYAML(t, file, f)
}

// addAccount appends an account to the accounts file.
func addAccount(t *testing.T, file string, a accounts.Account) {
	t.Helper()
	raw, err := os.ReadFile(file)
	mustDo(t, err)
	var f accounts.File
	mustDo(t, yaml.Unmarshal(raw, &f))
	f.Accounts = append(f.Accounts, a)
	writeYAML(t, file, f)
}

// The anonymous probes say ready or not ready, ok, and nothing else: no
// endpoint, bucket or error reaches a visitor; the reason is in the log.
func TestProbesSayOnlyReadyOrNotReady(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		if r, body := u.get(path); r.StatusCode != http.StatusOK || body != want {
			t.Errorf("%s: %d %q, want 200 %q", path, r.StatusCode, body, want)
		}
	}
	// The same portal with a bucket its credentials may not read.
	raw, err := os.ReadFile(filepath.Join(c.Dir, "portal.yaml"))
	mustDo(t, err)
	var cfg portal.Config
	mustDo(t, yaml.Unmarshal(raw, &cfg))
	cfg.Bucket = "countyreport-not-theirs-" + randHex(3)
	writeYAML(t, filepath.Join(c.Dir, "broken.yaml"), cfg)
	logs := &syncBuffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(ctx, portal.Options{
			ConfigFile: filepath.Join(c.Dir, "broken.yaml"), AccountsFile: filepath.Join(c.Dir, "accounts.yaml"),
			SessionKeyFile: filepath.Join(c.Dir, "session-key"), Storage: storageCreds(t, c),
			Listen: "127.0.0.1:0", MetricsListen: "127.0.0.1:0", Ready: func(a string) { ready <- a },
			Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		})
	}()
	defer func() { cancel(); <-done }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("portal did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("portal did not start within 30 s")
	}
	r, body := newUserOf(t, "http://"+addr).get("/readyz")
	if r.StatusCode != http.StatusServiceUnavailable || body != "not ready" {
		t.Errorf("/readyz with unreadable storage: %d %q, want 503 \"not ready\"", r.StatusCode, body)
	}
	if !strings.Contains(logs.String(), cfg.Bucket) {
		t.Errorf("the log does not say why the portal is not ready:\n%s", logs.String())
	}
}
