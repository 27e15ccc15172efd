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
