package auth

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func key(b byte) []byte              { return bytes.Repeat([]byte{b}, 32) }
func withCookie(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	return r
}

func start(t *testing.T, s *Sessions) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	s.Start(w, httptest.NewRequest(http.MethodPost, "/signin", nil), "admin")
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies: %v", cs)
	}
	return cs[0]
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
		if s.Get(withCookie(c)) == nil {
			t.Fatalf("session ended after %v of use", time.Duration(i+1)*29*time.Minute)
		}
	}
	clk.add(29 * time.Minute) // 12h05m since sign-in
	if s.Get(withCookie(c)) != nil {
		t.Fatal("session outlived its 12-hour lifetime")
	}
	c = start(t, s)
	clk.add(30 * time.Minute)
	if s.Get(withCookie(c)) != nil {
		t.Fatal("session survived 30 idle minutes")
	}
}

func TestSessionRefusedElsewhere(t *testing.T) {
	a, _ := NewSessions(SessionOptions{Realm: "county/430423", Key: key(1)})
	c := start(t, a)
	tests := map[string]SessionOptions{
		"other county, other key": {Realm: "county/430421", Key: key(2)},
		"other county, same key":  {Realm: "county/430421", Key: key(1)},
		"same realm, other key":   {Realm: "county/430423", Key: key(2)},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			b, _ := NewSessions(o)
			// Even if b had a session with that id, the signature is b's own.
			e := &entry{id: strings.SplitN(c.Value, ".", 2)[0], username: "admin", created: time.Now()}
			e.lastSeen.Store(time.Now().UnixNano())
			b.byID[e.id] = e
			if b.Get(withCookie(c)) != nil {
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
	s.Start(w, withCookie(c1), "admin")
	c2 := w.Result().Cookies()[0]
	if c2.Value == c1.Value {
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

func TestThrottleGrowsAndForgives(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	th := NewThrottle(3, time.Second, 30*time.Second)
	th.Now = clk.now
	var waits []time.Duration
	for i := 0; i < 10; i++ {
		th.Fail("u:admin")
		waits = append(waits, th.Wait("u:admin"))
	}
	want := []time.Duration{0, 0, 1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("waits = %v, want %v s", waits, want)
		}
	}
	// Never a lockout: after the longest delay the user may try again.
	clk.add(30 * time.Second)
	if w := th.Wait("u:admin"); w != 0 {
		t.Fatalf("still waiting %v after the maximum delay", w)
	}
	th.Succeed("u:admin")
	th.Fail("u:admin")
	if w := th.Wait("u:admin"); w != 0 {
		t.Fatalf("a success did not reset the count: %v", w)
	}
	if w := th.Wait("u:other"); w != 0 {
		t.Fatal("another key is throttled")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/data/2026-10?x=1":     "/data/2026-10?x=1",
		"":                      "/",
		"https://evil.example/": "/",
		"//evil.example/":       "/",
		"/\\evil.example":       "/",
		"evil":                  "/",
		"/ok\r\nSet-Cookie: x":  "/",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	f.Add("/reports")
	f.Add("//x")
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeNext(s)
		if got != "/" && (!strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\")) {
			t.Fatalf("SafeNext(%q) = %q leaves the site", s, got)
		}
		req, err := http.NewRequest(http.MethodGet, "http://portal.local"+got, nil)
		if err == nil && req.URL.Host != "portal.local" {
			t.Fatalf("SafeNext(%q) = %q resolves to host %q", s, got, req.URL.Host)
		}
	})
}
