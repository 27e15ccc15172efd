package portal_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/testenv"
)

// replica is one more portal process of a county: the same configuration,
// session key and bucket as the county's first, as a second pod of its
// Deployment (or the first one restarted) would have.
type replica struct {
	URL  string
	stop func()
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startReplica runs another portal of c with configFile (default c's own)
// on listen (default a free loopback port) and the clock now (default the
// suite's, as the county's first portal has).
func startReplica(t *testing.T, c *county, configFile, listen string, now func() time.Time) *replica {
	t.Helper()
	if configFile == "" {
		configFile = filepath.Join(c.Dir, "portal.yaml")
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	if now == nil {
		now = testenv.Clock().Now // the county's first portal's clock
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(ctx, portal.Options{
			ConfigFile: configFile, AccountsFile: filepath.Join(c.Dir, "accounts.yaml"),
			SessionKeyFile: filepath.Join(c.Dir, "session-key"), Storage: storageCreds(t, c),
			Kube: c.Kube, Listen: listen, Ready: func(addr string) { ready <- addr },
			Logger: slog.New(slog.NewJSONHandler(c.Logs, nil)), Now: now,
		})
	}()
	r := &replica{}
	select {
	case addr := <-ready:
		r.URL = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("replica did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("replica did not start within 30 s")
	}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("replica ended with %v", err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

// as is the same browser (the same cookies) talking to another replica.
func (u *user) as(base string) *user {
	v := *u
	v.base = base
	return &v
}

// signedIn reports whether the user's cookie opens the dashboard.
func signedIn(t *testing.T, u *user) bool {
	t.Helper()
	resp, _ := u.get("/")
	return resp.StatusCode == http.StatusOK
}

// within polls cond until it holds; a deadline, not a timing assertion.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Two portals behind one Service without affinity, a restart, and a
// sign-out or password change on one that ends the session on the other.
func TestSessionsAcrossReplicasAndRestarts(t *testing.T) {
	c := newCounty(t, fictional)
	second := startReplica(t, c, "", "", nil)
	u := c.newUser(t)
	if resp := u.signIn("admin", editorPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if !signedIn(t, u.as(second.URL)) {
		t.Fatal("signed in on one replica, refused by the other")
	}

	// A restart: the second replica stops and a new process starts.
	second.stop()
	restarted := startReplica(t, c, "", "", nil)
	if !signedIn(t, u.as(restarted.URL)) {
		t.Fatal("a restarted portal signed the user out")
	}

	// Sign-out on the first ends the session on the restarted one within a poll.
	stolen := *u.http.Jar.Cookies(mustURL(t, c.URL))[0]
	if resp, _ := u.post("/signout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	replay := newUserOf(t, restarted.URL)
	replay.http.Jar.SetCookies(mustURL(t, restarted.URL), []*http.Cookie{&stolen})
	within(t, 3*auth.PollInterval+5*time.Second, "sign-out reaching the other replica", func() bool { return !signedIn(t, replay) })

	// A changed password ends the session on every replica that reads it.
	v := c.newUser(t)
	v.signIn("admin", editorPassword)
	if !signedIn(t, v.as(restarted.URL)) {
		t.Fatal("second sign-in refused")
	}
	w := c.newUser(t)
	w.signIn("viewer", viewerPassword)
	if !signedIn(t, w.as(restarted.URL)) {
		t.Fatal("viewer sign-in refused")
	}
	changePassword(t, c, "admin", "一个新的密码-new-password")
	removeAccount(t, c, "viewer")
	for _, base := range []string{c.URL, restarted.URL} {
		within(t, 3*accounts.PollInterval+5*time.Second, "account removal ending the session", func() bool { return !signedIn(t, w.as(base)) })
	}
	for _, base := range []string{c.URL, restarted.URL} {
		within(t, 3*accounts.PollInterval+5*time.Second, "password change ending the session", func() bool { return !signedIn(t, v.as(base)) })
	}
	if resp := c.newUser(t).signIn("admin", "一个新的密码-new-password"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new password does not sign in: %d", resp.StatusCode)
	}
}

// removeAccount rewrites the accounts file without name.
func removeAccount(t *testing.T, c *county, name string) {
	t.Helper()
	editAccounts(t, c, func(f *accounts.File) {
		f.Accounts = slices.DeleteFunc(f.Accounts, func(a accounts.Account) bool { return a.Username == name })
	})
}

// changePassword rewrites the accounts file as the Secret's update would.
func changePassword(t *testing.T, c *county, name, password string) {
	t.Helper()
	h, err := accounts.Hash(password)
	mustDo(t, err)
	editAccounts(t, c, func(f *accounts.File) {
		for i := range f.Accounts {
			if f.Accounts[i].Username == name {
				f.Accounts[i].PasswordHash = h
			}
		}
	})
}

// editAccounts changes the accounts file as the Secret's update would (a
// new file swapped in).
func editAccounts(t *testing.T, c *county, edit func(*accounts.File)) {
	t.Helper()
	path := filepath.Join(c.Dir, "accounts.yaml")
	raw, err := os.ReadFile(path)
	mustDo(t, err)
	f, err := accounts.Parse(raw)
	mustDo(t, err)
	edit(f)
	b, err := f.Marshal()
	mustDo(t, err)
	tmp := path + ".new"
	mustDo(t, os.WriteFile(tmp, b, 0o600))
	mustDo(t, os.Rename(tmp, path))
}

// The idle timeout holds across replicas, with an injected clock.
func TestIdleTimeoutAcrossReplicas(t *testing.T) {
	c := newCounty(t, fictional)
	clk := &testClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	a := startReplica(t, c, "", "", clk.now)
	b := startReplica(t, c, "", "", clk.now)
	u := newUserOf(t, a.URL)
	u.signIn("admin", editorPassword)
	for i := 0; i < 3; i++ { // used every 20 minutes, on either replica: alive
		clk.add(20 * time.Minute)
		if !signedIn(t, u.as([]string{a.URL, b.URL}[i%2])) {
			t.Fatalf("session ended after %d uses 20 minutes apart", i+1)
		}
	}
	clk.add(31 * time.Minute)
	if signedIn(t, u.as(b.URL)) || signedIn(t, u) {
		t.Fatal("session survived 31 idle minutes")
	}
}

// freeAddr is a loopback address nothing listens on (for a portal whose
// public URL must be known before it starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustDo(t, err)
	addr := ln.Addr().String()
	mustDo(t, ln.Close())
	return addr
}
