package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func start(t *testing.T, s *Sessions) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	s.Start(w, httptest.NewRequest(http.MethodPost, "/signin", nil), Session{Username: "admin"})
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies: %v", cs)
	}
	return cs[0]
}

// touch uses the session as a page would, and returns the cookie the
// browser holds afterwards (refreshed or not).
func touch(s *Sessions, c *http.Cookie) (*Session, *http.Cookie) {
	w := httptest.NewRecorder()
	se := s.Touch(w, withCookie(c))
	for _, n := range w.Result().Cookies() {
		if n.Name == c.Name {
			return se, n
		}
	}
	return se, c
}

func TestSessionLifetimes(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	s, err := NewSessions(SessionOptions{Realm: "county/430423", Key: key(1), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	c := start(t, s)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Fatalf("cookie attributes: %+v", c)
	}
	// Used every 29 minutes: alive until the 12-hour lifetime.
	for i := 0; i < 24; i++ {
		clk.add(29 * time.Minute)
		var se *Session
		if se, c = touch(s, c); se == nil {
			t.Fatalf("session ended after %v of use", time.Duration(i+1)*29*time.Minute)
		}
	}
	clk.add(29 * time.Minute) // 12h05m since sign-in
	if se, _ := touch(s, c); se != nil {
		t.Fatal("session outlived its 12-hour lifetime")
	}
	c = start(t, s)
	clk.add(30 * time.Minute)
	if se, _ := touch(s, c); se != nil {
		t.Fatal("session survived 30 idle minutes")
	}
	// A request within the minute sets no cookie: pages stay cheap.
	c = start(t, s)
	clk.add(59 * time.Second)
	w := httptest.NewRecorder()
	if s.Touch(w, withCookie(c)) == nil || len(w.Result().Cookies()) != 0 {
		t.Fatalf("a fresh session was refused or re-sealed: %v", w.Result().Cookies())
	}
}

func TestSessionRefusedElsewhere(t *testing.T) {
	a, _ := NewSessions(SessionOptions{Realm: "county/430423", Key: key(1)})
	c := start(t, a)
	tests := map[string]SessionOptions{
		"other county, other key": {Realm: "county/430421", Key: key(2)},
		"other county, same key":  {Realm: "county/430421", Key: key(1)},
		"same realm, other key":   {Realm: "county/430423", Key: key(2)},
		"city cookie name":        {Realm: "county/430423", Key: key(1), Cookie: "countyreport-city-session"},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			b, _ := NewSessions(o)
			moved := *c
			moved.Name = b.CookieName()
			if b.Get(withCookie(&moved)) != nil {
				t.Fatal("a cookie from another portal was accepted")
			}
		})
	}
	// A tampered cookie is refused at home too.
	bad := *c
	bad.Value = "x" + c.Value[1:]
	if a.Get(withCookie(&bad)) != nil {
		t.Fatal("tampered cookie accepted")
	}
	if a.Get(withCookie(c)) == nil {
		t.Fatal("the genuine cookie was refused")
	}
}

func TestNewIDAtSignInAndSignOut(t *testing.T) {
	s, _ := NewSessions(SessionOptions{Realm: "r", Key: key(1), Secure: true})
	c1 := start(t, s)
	if !c1.Secure || !strings.HasPrefix(c1.Name, "__Host-") {
		t.Fatalf("under TLS: %+v", c1)
	}
	w := httptest.NewRecorder()
	s.Start(w, withCookie(c1), Session{Username: "admin"})
	c2 := w.Result().Cookies()[0]
	if s.Get(withCookie(c2)).ID == s.decode(withCookie(c1)).ID {
		t.Fatal("sign-in kept the old session id")
	}
	if s.Get(withCookie(c1)) != nil {
		t.Fatal("the session before sign-in still works")
	}
	w = httptest.NewRecorder()
	s.End(w, withCookie(c2))
	if s.Get(withCookie(c2)) != nil {
		t.Fatal("session alive after sign-out")
	}
	if got := w.Result().Cookies(); len(got) != 1 || got[0].MaxAge >= 0 {
		t.Fatalf("sign-out did not clear the cookie: %v", got)
	}
}

func TestKeyRotation(t *testing.T) {
	old, _ := NewSessions(SessionOptions{Realm: "r", Keys: [][]byte{key(1)}})
	rotated, _ := NewSessions(SessionOptions{Realm: "r", Keys: [][]byte{key(2), key(1)}})
	retired, _ := NewSessions(SessionOptions{Realm: "r", Keys: [][]byte{key(2)}})
	c := start(t, old)
	if rotated.Get(withCookie(c)) == nil {
		t.Fatal("a cookie sealed with the previous key was refused during rotation")
	}
	if retired.Get(withCookie(c)) != nil {
		t.Fatal("a cookie sealed with a retired key was accepted")
	}
	n := start(t, rotated)
	if retired.Get(withCookie(n)) == nil || old.Get(withCookie(n)) != nil {
		t.Fatal("new cookies are not sealed with the newest key")
	}
}

// memMarks is a RevocationStore in memory, for fast unit tests; the
// portal's tests share a real MinIO bucket between two portals.
type memMarks struct {
	mu sync.Mutex
	m  map[string]bool
}

func (m *memMarks) PutSessionMark(_ context.Context, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[n] = true
	return nil
}

func (m *memMarks) SessionMarks(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.m {
		out = append(out, n)
	}
	return out, nil
}

func (m *memMarks) DeleteSessionMark(_ context.Context, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, n)
	return nil
}

func TestRevocationReachesOtherReplica(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	store := &memMarks{m: map[string]bool{}}
	o := SessionOptions{Realm: "r", Key: key(1), Now: clk.now, Store: store}
	a, _ := NewSessions(o)
	b, _ := NewSessions(o)
	c := start(t, a)
	if b.Get(withCookie(c)) == nil {
		t.Fatal("replica b refused a's session")
	}
	a.End(httptest.NewRecorder(), withCookie(c))
	if err := b.Revocations().Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Get(withCookie(c)) != nil {
		t.Fatal("signed out on a, still signed in on b after a poll")
	}

	// A revoked user: every session begun before, none after.
	c1 := start(t, a)
	clk.add(time.Second)
	if err := a.RevokeUser(ctx, LocalUser("admin")); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Second)
	c2 := start(t, a)
	_ = b.Revocations().Poll(ctx)
	if b.Get(withCookie(c1)) != nil || b.Get(withCookie(c2)) == nil {
		t.Fatal("user revocation: the old session lives on b, or the new one was refused")
	}
	// Marks expire with the sessions they end, and are deleted then.
	clk.add(DefaultLifetime + time.Minute)
	_ = b.Revocations().Poll(ctx)
	if n, _ := store.SessionMarks(ctx); len(n) != 0 {
		t.Fatalf("expired marks kept: %v", n)
	}
}

func TestParseKeys(t *testing.T) {
	long := strings.Repeat("k", 32)
	tests := map[string]struct {
		in   string
		want int
		err  string
	}{
		"one":              {in: long + "\n", want: 1},
		"rotation":         {in: "# newest first\n" + strings.Repeat("n", 40) + "\n\n" + long, want: 2},
		"short":            {in: "short", err: "line 1"},
		"empty":            {in: "\n# nothing\n", err: "none"},
		"short second key": {in: long + "\nabc", err: "line 2"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseKeys([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("got %d keys, %v", len(got), err)
			}
		})
	}
}

func FuzzParseKeys(f *testing.F) {
	f.Add([]byte(strings.Repeat("k", 32)))
	f.Add([]byte("#x\n\n" + strings.Repeat("a", 40)))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := ParseKeys(b)
		if err != nil {
			return
		}
		if len(keys) == 0 || len(keys) > MaxKeys {
			t.Fatalf("%d keys", len(keys))
		}
		for _, k := range keys {
			if len(k) < MinKeyLen {
				t.Fatalf("short key %q", k)
			}
		}
	})
}

func FuzzParseMark(f *testing.F) {
	f.Add("s.1767254400.abc")
	f.Add("u.1767254400000000000.0123abcd")
	f.Add("x..")
	f.Fuzz(func(t *testing.T, name string) {
		kind, ts, rest, ok := parseMark(name)
		if ok && ((kind != "s" && kind != "u") || ts < 0 || rest == "") {
			t.Fatalf("parseMark(%q) = %q %d %q", name, kind, ts, rest)
		}
	})
}

// The largest session sign-in can make still fits a browser's cookie.
func TestLargestSessionFits(t *testing.T) {
	s, _ := NewSessions(SessionOptions{Realm: "county/430423/" + strings.Repeat("n", 63) + "/" + strings.Repeat("c", 253), Key: key(1), Secure: true})
	var groups []string
	for range maxGroupBytes / 16 {
		groups = append(groups, strings.Repeat("<", 16))
	}
	w := httptest.NewRecorder()
	s.Start(w, httptest.NewRequest(http.MethodGet, "/", nil), Session{
		Issuer: "https://" + strings.Repeat("i", maxIssuer-8), Subject: strings.Repeat("s", maxSubject),
		Name: strings.Repeat("\x01", 64), Groups: groups, // control characters: the longest JSON

	})
	cs := w.Result().Cookies()
	if len(cs) != 1 || len(cs[0].Name)+len(cs[0].Value) > 4096 || s.Get(withCookie(cs[0])) == nil {
		t.Fatalf("largest session: %d cookies, %d bytes", len(cs), len(w.Header().Get("Set-Cookie")))
	}
}
