package auth

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkGet is the per-request cost of a signed-in page: open the
// sealed cookie and look the revocations up (no storage round trip).
func BenchmarkGet(b *testing.B) {
	s, _ := NewSessions(SessionOptions{Realm: "county/430423", Key: key(1)})
	w := httptest.NewRecorder()
	s.Start(w, httptest.NewRequest("POST", "/signin", nil), Session{Username: "admin", Cred: "0123456789abcdef"})
	r := withCookie(w.Result().Cookies()[0])
	b.ReportAllocs()
	for b.Loop() {
		if s.Get(r) == nil {
			b.Fatal("refused")
		}
	}
}
