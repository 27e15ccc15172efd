// Package auth is a portal's sign-in: server-side sessions behind a signed
// cookie, sign-in throttling, the audit log, and the gin middleware that
// sends signed-out users to sign in and keeps viewers from changing
// anything. It knows accounts (internal/accounts) but nothing of counties: a
// portal gives it a realm (its county code, or a city's) and a session key,
// so a cookie made by one portal is refused by every other.
//
// What it meets of OWASP ASVS 5.0 level 2: a new session id at sign-in
// (7.2.4), idle timeout and absolute lifetime (7.3.1, 7.3.2), sign-out that
// ends the session on the server (7.4.1), cookies HttpOnly, SameSite=Lax, and
// Secure with the __Host- prefix under TLS (3.3.1-3.3.4), throttling that
// cannot lock a user out for long (6.1.1, 6.3.1), an audit line for every
// sign-in attempt (16.3.1).
package auth

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Session lifetimes (ASVS 7.3.1, 7.3.2).
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultLifetime    = 12 * time.Hour
)

// MinKeyLen is the shortest session key accepted.
const MinKeyLen = 32

// Session is one signed-in user.
type Session struct {
	ID       string
	Username string
	Created  time.Time
	LastSeen time.Time
}

// entry is a live session; lastSeen (unix nanoseconds) is updated without
// the map's write lock, so concurrent requests of signed-in users do not
// queue behind each other.
type entry struct {
	id, username string
	created      time.Time
	lastSeen     atomic.Int64
}

func (e *entry) session() *Session {
	return &Session{ID: e.id, Username: e.username, Created: e.created, LastSeen: time.Unix(0, e.lastSeen.Load())}
}

// Sessions issues and checks session cookies. Sessions live in memory: a
// restart signs everyone out, and several replicas need session affinity.
type Sessions struct {
	realm  string
	key    []byte
	secure bool
	idle   time.Duration
	life   time.Duration
	now    func() time.Time

	mu   sync.RWMutex
	byID map[string]*entry
	// cookieName is the cookie's base name.
	cookieName string
}

// SessionOptions configure Sessions.
type SessionOptions struct {
	// Realm names the portal (e.g. "county/430423"); it is signed into every cookie.
	Realm string
	// Key signs cookies; at least MinKeyLen bytes, one per portal.
	Key []byte
	// Secure: the portal is served over TLS (cookies Secure and __Host-).
	Secure bool
	// Cookie is the session cookie's base name (default countyreport-session).
	// Cookies are not told apart by port, so portals that may share a host
	// name (a county's and the city's, side by side in `make demo`) use
	// different names: signing in to one does not sign out of the other.
	Cookie string
	// IdleTimeout and Lifetime default to 30 min and 12 h.
	IdleTimeout, Lifetime time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// NewSessions returns a session manager.
func NewSessions(o SessionOptions) (*Sessions, error) {
	if len(o.Key) < MinKeyLen {
		return nil, errors.New("session key: want at least 32 bytes (the operator's session-key Secret, key session-key)")
	}
	if o.Realm == "" {
		return nil, errors.New("session realm is empty")
	}
	s := &Sessions{
		realm: o.Realm, key: append([]byte(nil), o.Key...), secure: o.Secure, cookieName: cmp.Or(o.Cookie, "countyreport-session"),
		idle: o.IdleTimeout, life: o.Lifetime, now: o.Now, byID: map[string]*entry{},
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.life <= 0 {
		s.life = DefaultLifetime
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// CookieName is the session cookie's name: __Host- prefixed under TLS.
func (s *Sessions) CookieName() string {
	if s.secure {
		return "__Host-" + s.cookieName
	}
	return s.cookieName
}

// Secure reports whether cookies are marked Secure.
func (s *Sessions) Secure() bool { return s.secure }

// sign is the cookie's MAC over the realm and the session id.
func (s *Sessions) sign(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(s.realm))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Start begins a new session for username with a fresh id (never one the
// client sent: no session fixation) and sets its cookie. The session the
// request carried, if any, is ended first.
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request, username string) *Session {
	if old := s.fromCookie(r); old != "" {
		s.end(old)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	now := s.now()
	e := &entry{id: base64.RawURLEncoding.EncodeToString(raw), username: username, created: now}
	e.lastSeen.Store(now.UnixNano())
	s.mu.Lock()
	s.gcLocked(now)
	s.byID[e.id] = e
	s.mu.Unlock()
	http.SetCookie(w, s.cookie(e.id+"."+s.sign(e.id), 0))
	return e.session()
}

func (s *Sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.CookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// fromCookie returns the session id of a correctly signed cookie, or "".
func (s *Sessions) fromCookie(r *http.Request) string {
	c, err := r.Cookie(s.CookieName())
	if err != nil {
		return ""
	}
	id, mac, ok := strings.Cut(c.Value, ".")
	if !ok || id == "" || !hmac.Equal([]byte(mac), []byte(s.sign(id))) {
		return ""
	}
	return id
}

// Get returns the request's live session and marks it used, or nil when
// there is none or it has expired (idle or absolute).
func (s *Sessions) Get(r *http.Request) *Session {
	id := s.fromCookie(r)
	if id == "" {
		return nil
	}
	now := s.now()
	s.mu.RLock()
	e := s.byID[id]
	s.mu.RUnlock()
	if e == nil {
		return nil
	}
	if s.expired(e, now) {
		s.end(id)
		return nil
	}
	e.lastSeen.Store(now.UnixNano())
	return e.session()
}

func (s *Sessions) expired(e *entry, now time.Time) bool {
	return now.Sub(time.Unix(0, e.lastSeen.Load())) >= s.idle || now.Sub(e.created) >= s.life
}

// End ends the request's session on the server and clears its cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) {
	if id := s.fromCookie(r); id != "" {
		s.end(id)
	}
	http.SetCookie(w, s.cookie("", -1))
}

func (s *Sessions) end(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

// EndUser ends every session of username (an account removed or its password changed).
func (s *Sessions) EndUser(username string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.byID {
		if e.username == username {
			delete(s.byID, id)
			n++
		}
	}
	return n
}

// Len is the number of live sessions.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gcLocked(s.now())
	return len(s.byID)
}

// gcLocked drops expired sessions; called on every Start, so memory stays
// bounded by the sessions begun within a lifetime.
func (s *Sessions) gcLocked(now time.Time) {
	for id, e := range s.byID {
		if s.expired(e, now) {
			delete(s.byID, id)
		}
	}
}
