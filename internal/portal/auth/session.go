// Package auth is a portal's sign-in: sessions in an encrypted,
// authenticated cookie with a shared revocation list, single sign-on with
// OpenID Connect (oidc.go), sign-in throttling, the audit log, and the gin
// middleware that sends signed-out users to sign in and keeps viewers from
// changing anything. It knows accounts (internal/accounts) but nothing of
// counties: a portal gives it a realm (its county code, or a city's) and
// session keys, so a cookie made by one portal is refused by every other.
//
// Sessions live in the cookie, sealed with AES-256-CTR and HMAC-SHA-256
// (github.com/gorilla/securecookie) under keys derived from the tenant's
// session key: any replica, and a restarted one, reads them without a
// storage round trip. What a cookie cannot say by itself — that it was
// signed out, or that its user was revoked — is a mark in the tenant's own
// bucket (sessions/revoked/), which every replica lists every few seconds
// (revoke.go).
//
// What it meets of OWASP ASVS 5.0 level 2: a new session id at sign-in
// (7.2.4), idle timeout and absolute lifetime (7.3.1, 7.3.2), sign-out that
// ends the session on the server, on every replica (7.4.1), sessions ended
// when the password changes or the account is removed (7.4.3), cookies
// HttpOnly, SameSite=Lax, and Secure with the __Host- prefix under TLS
// (3.3.1-3.3.4), throttling that cannot lock a user out for long (6.1.1,
// 6.3.1), an audit line for every sign-in attempt (16.3.1).
package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"
)

// Session lifetimes (ASVS 7.3.1, 7.3.2).
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultLifetime    = 12 * time.Hour
	// refreshEvery is how stale a cookie's last-seen time may be before a
	// response carries a fresh cookie: the idle timeout is kept to within a
	// minute without a Set-Cookie on every page.
	refreshEvery = time.Minute
)

// Session is one signed-in user: a local account (Username) or a user of
// the identity provider (Issuer and Subject, never an e-mail or a name).
type Session struct {
	ID       string
	Username string
	// Issuer and Subject key a single-sign-on user; Name is only shown.
	Issuer, Subject, Name string
	// Groups are the user's groups the tenant's mapping knew at sign-in;
	// the role is worked out from them on every request, so a group removed
	// from the mapping ends what it granted.
	Groups []string
	// Cred fingerprints a local account's password hash: a changed
	// password ends the session on every replica that reads the new one.
	Cred     string
	Created  time.Time
	LastSeen time.Time
}

// UserKey is what revocation keys a user by.
func (s *Session) UserKey() string {
	if s.Subject != "" {
		return SSOUser(s.Issuer, s.Subject)
	}
	return LocalUser(s.Username)
}

// LocalUser and SSOUser are the keys RevokeUser takes.
func LocalUser(username string) string { return "local:" + username }

// SSOUser keys a single-sign-on user by issuer and subject.
func SSOUser(issuer, subject string) string { return "oidc:" + issuer + "\x00" + subject }

// wire is a session as sealed in the cookie (short names: cookies are small).
type wire struct {
	ID      string   `json:"i"`
	User    string   `json:"u,omitempty"`
	Issuer  string   `json:"is,omitempty"`
	Subject string   `json:"sb,omitempty"`
	Name    string   `json:"n,omitempty"`
	Groups  []string `json:"g,omitempty"`
	Cred    string   `json:"c,omitempty"`
	Created int64    `json:"t"` // unix nanoseconds: revocations compare with it
	Seen    int64    `json:"s"` // unix seconds
}

// Sessions issues and checks session cookies.
type Sessions struct {
	realm      string
	codecs     []securecookie.Codec
	secure     bool
	idle, life time.Duration
	now        func() time.Time
	revoked    *Revocations
	// cookieName is the cookie's base name.
	cookieName string
	// opened caches cookies already opened (value → *wire): opening one
	// costs about ten microseconds (HMAC, AES, JSON), and a browser sends
	// the same value for up to a minute. Bounded by openedMax.
	opened  sync.Map
	openedN atomic.Int64
}

// openedMax bounds the opened-cookie cache; it is emptied when full.
const openedMax = 4096

// SessionOptions configure Sessions.
type SessionOptions struct {
	// Realm names the portal (e.g. "county/430423"); every cookie is bound to it.
	Realm string
	// Keys seal cookies, each at least MinKeyLen bytes: the first seals new
	// cookies, every one opens them (rotation: add the new key first, drop
	// the old one a lifetime later). Key, if set, comes before Keys.
	Key  []byte
	Keys [][]byte
	// Secure: the portal is served over TLS (cookies Secure and __Host-).
	Secure bool
	// Cookie is the session cookie's base name (default countyreport-session).
	// Cookies are not told apart by port, so portals that may share a host
	// name (a county's and the city's, side by side in `make demo`) use
	// different names: signing in to one does not sign out of the other.
	Cookie string
	// IdleTimeout and Lifetime default to 30 min and 12 h.
	IdleTimeout, Lifetime time.Duration
	// Store keeps revocations where every replica sees them (the tenant's
	// bucket); nil keeps them in this process only.
	Store RevocationStore
	// Log receives revocation-store errors (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// NewSessions returns a session manager.
func NewSessions(o SessionOptions) (*Sessions, error) {
	keys := o.Keys
	if o.Key != nil {
		keys = append([][]byte{o.Key}, keys...)
	}
	if len(keys) == 0 {
		return nil, errors.New("session key: want at least 32 bytes (the operator's session-key Secret, key session-key)")
	}
	if o.Realm == "" {
		return nil, errors.New("session realm is empty")
	}
	codecs, err := cookieCodecs(keys)
	if err != nil {
		return nil, err
	}
	s := &Sessions{
		realm: o.Realm, codecs: codecs, secure: o.Secure, cookieName: cmp.Or(o.Cookie, "countyreport-session"),
		idle: o.IdleTimeout, life: o.Lifetime, now: o.Now,
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
	s.revoked = newRevocations(o.Store, s.life, s.now, cmp.Or(o.Log, slog.Default()))
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

// Realm is the portal the sessions belong to.
func (s *Sessions) Realm() string { return s.realm }

// Revocations is the shared revocation list (Watch it to follow other replicas).
func (s *Sessions) Revocations() *Revocations { return s.revoked }

// macName binds a cookie to its name and realm: a cookie made by one
// portal does not open another, even one sharing the key.
func (s *Sessions) macName() string { return s.CookieName() + "\x00" + s.realm }

// Start begins a new session for who (its identity fields) with a fresh id
// (never one the client sent: no session fixation) and sets its cookie. The
// session the request carried, if any, is ended first.
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request, who Session) *Session {
	if old := s.decode(r); old != nil {
		s.endSession(r.Context(), old)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	now := s.now()
	who.ID, who.Created, who.LastSeen = base64.RawURLEncoding.EncodeToString(raw), now, now
	s.write(w, &who)
	return &who
}

func (s *Sessions) write(w http.ResponseWriter, se *Session) {
	v := wire{ID: se.ID, User: se.Username, Issuer: se.Issuer, Subject: se.Subject, Name: se.Name,
		Groups: se.Groups, Cred: se.Cred, Created: se.Created.UnixNano(), Seen: se.LastSeen.Unix()}
	enc, err := securecookie.EncodeMulti(s.macName(), v, s.codecs...)
	if err != nil {
		// Only a value over 4096 bytes fails, and sign-in bounds what a
		// session holds; should it happen, no cookie: the user is not signed in.
		return
	}
	http.SetCookie(w, s.cookie(enc, 0))
}

func (s *Sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.CookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// decode opens the request's cookie, whatever its age, or returns nil.
func (s *Sessions) decode(r *http.Request) *Session {
	c, err := r.Cookie(s.CookieName())
	if err != nil {
		return nil
	}
	var v wire
	if hit, ok := s.opened.Load(c.Value); ok {
		v = *hit.(*wire)
	} else {
		if err := securecookie.DecodeMulti(s.macName(), c.Value, &v, s.codecs...); err != nil || v.ID == "" {
			return nil
		}
		if s.openedN.Add(1) > openedMax {
			s.opened.Clear()
			s.openedN.Store(1)
		}
		s.opened.Store(c.Value, &v)
	}
	return &Session{ID: v.ID, Username: v.User, Issuer: v.Issuer, Subject: v.Subject, Name: v.Name,
		Groups: v.Groups, Cred: v.Cred, Created: time.Unix(0, v.Created), LastSeen: time.Unix(v.Seen, 0)}
}

// Get returns the request's live session, or nil when there is none, it
// has expired (idle or absolute) or it was revoked. It does not mark the
// session used: Touch does.
func (s *Sessions) Get(r *http.Request) *Session {
	se := s.decode(r)
	if se == nil || s.expired(se, s.now()) || s.revoked.Revoked(se) {
		return nil
	}
	return se
}

// Stale reports whether the request carries a genuine session cookie that
// is no longer live (idled out, aged out or revoked): the sign-in page then
// says "your session expired" rather than nothing.
func (s *Sessions) Stale(r *http.Request) bool {
	se := s.decode(r)
	return se != nil && (s.expired(se, s.now()) || s.revoked.Revoked(se))
}

// Touch is Get that marks the session used: when its cookie's last-seen
// time is more than a minute old, w gets a fresh cookie.
func (s *Sessions) Touch(w http.ResponseWriter, r *http.Request) *Session {
	se := s.Get(r)
	if se == nil {
		return nil
	}
	if now := s.now(); now.Sub(se.LastSeen) >= refreshEvery {
		se.LastSeen = now
		s.write(w, se)
	}
	return se
}

func (s *Sessions) expired(se *Session, now time.Time) bool {
	return now.Sub(se.LastSeen) >= s.idle || now.Sub(se.Created) >= s.life
}

// End ends the request's session on every replica and clears its cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) {
	if se := s.decode(r); se != nil {
		s.endSession(r.Context(), se)
	}
	http.SetCookie(w, s.cookie("", -1))
}

func (s *Sessions) endSession(ctx context.Context, se *Session) {
	s.revoked.RevokeSession(ctx, se.ID, se.Created.Add(s.life))
}

// RevokeUser ends every session of the user (LocalUser or SSOUser) begun
// until now, on every replica within a poll. It is the one call for "this
// user must sign in again": a removed account, a changed password, a
// revoked group. The revocation holds in this process even when storage
// refused it (the error says so, and is logged).
func (s *Sessions) RevokeUser(ctx context.Context, user string) error {
	return s.revoked.RevokeUser(ctx, user)
}

// EndUser ends every session of the local account username (RevokeUser);
// it returns 1 when the revocation was stored for every replica, else 0.
func (s *Sessions) EndUser(username string) int {
	if s.RevokeUser(context.Background(), LocalUser(username)) != nil {
		return 0
	}
	return 1
}
