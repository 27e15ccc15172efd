package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/countyreport/countyreport/internal/accounts"
)

// OIDCConfig is a tenant's single sign-on: its OpenID provider, this
// portal's client there, and which of the provider's groups grant which
// role here. The mapping is the tenant's (its manifest): a claim never
// chooses the county, it only names groups the manifest may know.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is this portal's callback (PublicURL + CallbackPath).
	RedirectURL string
	// Scopes asked for besides openid (default profile).
	Scopes []string
	// GroupsClaim is the ID token's claim that lists the user's groups (default groups).
	GroupsClaim string
	// EditorGroups and ViewerGroups grant editor and viewer (on a city's
	// portal, the editor is the reviewer).
	EditorGroups, ViewerGroups []string
	// ProviderName is shown on the sign-in button.
	ProviderName string
	// HTTPClient reaches the provider (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock tokens are checked against (default time.Now).
	Now func() time.Time
	// Attempts keeps login attempts where every replica finds them (the
	// tenant's bucket); nil keeps them in this process.
	Attempts AttemptStore
}

// AttemptStore keeps pending logins by their state. Take returns the
// attempt once and removes it (nil, nil when there is none).
type AttemptStore interface {
	PutLoginAttempt(ctx context.Context, state string, data []byte) error
	TakeLoginAttempt(ctx context.Context, state string) ([]byte, error)
}

// Paths of the single sign-on flow.
const (
	SSOPath      = "/signin/sso"
	CallbackPath = "/signin/sso/callback"
	// attemptTTL is how long a login at the provider may take.
	attemptTTL = 10 * time.Minute
	// maxGroups and maxGroupBytes bound the mapped groups a session
	// carries, and maxSubject and maxIssuer the identity, so the sealed
	// cookie stays under browsers' 4096 bytes whatever the provider sends.
	maxGroups, maxGroupBytes = 32, 512
	maxSubject, maxIssuer    = 255, 512
)

// Errors of a failed single sign-on; every one refuses the sign-in.
var (
	ErrLoginState = errors.New("login state missing, unknown, replayed or from another browser")
	ErrNonce      = errors.New("ID token nonce does not match the login attempt")
	ErrNoRole     = errors.New("none of the user's groups is mapped to a role of this tenant")
	ErrProvider   = errors.New("identity provider refused or failed")
)

// OIDC is a portal's single sign-on (authorization code flow with PKCE).
type OIDC struct {
	cfg      OIDCConfig
	attempts AttemptStore

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use, so a provider down at start does not stop the portal
}

// attempt is one login in progress, kept on the server under its state.
type attempt struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	// Browser is the hash of the login cookie: the callback must come
	// from the browser that began the login (no login CSRF).
	Browser string `json:"browser"`
	Begun   int64  `json:"begun"`
}

// NewOIDC checks cfg and returns the single sign-on; the provider is
// discovered at the first login.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("sso.issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("sso.clientID is required")
	case cfg.ClientSecret == "":
		return nil, errors.New("sso client secret is empty")
	case cfg.RedirectURL == "":
		return nil, errors.New("sso needs the portal's publicURL (for the callback address)")
	case len(cfg.EditorGroups)+len(cfg.ViewerGroups) == 0:
		return nil, errors.New("sso: no group is mapped to a role")
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &OIDC{cfg: cfg, attempts: cfg.Attempts}
	if o.attempts == nil {
		o.attempts = &memAttempts{m: map[string][]byte{}}
	}
	return o, nil
}

// ProviderName is the name on the sign-in button.
func (o *OIDC) ProviderName() string { return o.cfg.ProviderName }

func (o *OIDC) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.cfg.HTTPClient)
}

func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	// Discovery and the key set outlive this request: a context of their own.
	p, err := oidc.NewProvider(o.ctx(context.WithoutCancel(ctx)), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery at %s: %v", ErrProvider, o.cfg.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: o.cfg.RedirectURL, Scopes: append([]string{oidc.ScopeOpenID}, o.scopes()...),
	}
}

func (o *OIDC) scopes() []string {
	if len(o.cfg.Scopes) == 0 {
		return []string{"profile"}
	}
	return o.cfg.Scopes
}

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func oidcDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Begin starts a login: a fresh state, nonce and PKCE verifier kept on the
// server, a cookie tying the login to this browser, and the provider's
// address to send the browser to.
func (o *OIDC) Begin(w http.ResponseWriter, r *http.Request, s *Sessions, next string) (string, error) {
	p, err := o.discover(r.Context())
	if err != nil {
		return "", err
	}
	state, browser := random(), random()
	at := attempt{Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: SafeNext(next),
		Browser: oidcDigest(browser), Begun: o.cfg.Now().Unix()}
	b, _ := json.Marshal(at)
	if err := o.attempts.PutLoginAttempt(r.Context(), oidcDigest(state), b); err != nil {
		return "", fmt.Errorf("login attempt not stored: %w", err)
	}
	c := s.cookie(browser, int(attemptTTL/time.Second))
	c.Name = s.loginCookieName()
	http.SetCookie(w, c)
	return o.oauth(p).AuthCodeURL(state, oidc.Nonce(at.Nonce), oauth2.S256ChallengeOption(at.Verifier)), nil
}

// loginCookieName is the cookie of a login in progress.
func (s *Sessions) loginCookieName() string { return s.CookieName() + "-login" }

// Identity is a user the provider signed in and the tenant's mapping admits.
type Identity struct {
	Issuer, Subject, Name string
	Groups                []string
	Role                  accounts.Role
	Next                  string
}

// Finish completes a login at the callback: the state must name a pending
// attempt of this browser (used once), the code is exchanged with the PKCE
// verifier, the ID token's signature, issuer, audience and expiry are
// verified, its nonce compared with the attempt's, and its groups mapped.
func (o *OIDC) Finish(w http.ResponseWriter, r *http.Request, s *Sessions) (*Identity, error) {
	ctx := r.Context()
	at, err := o.takeAttempt(w, r, s)
	if err != nil {
		return nil, err
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return nil, fmt.Errorf("%w: %s", ErrProvider, truncate(e, 64))
	}
	code := r.URL.Query().Get("code")
	if code == "" {
		return nil, fmt.Errorf("%w: no code", ErrProvider)
	}
	p, err := o.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := o.oauth(p).Exchange(o.ctx(ctx), code, oauth2.VerifierOption(at.Verifier))
	if err != nil {
		return nil, fmt.Errorf("%w: code exchange: %v", ErrProvider, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: no ID token", ErrProvider)
	}
	idt, err := p.VerifierContext(o.ctx(ctx), &oidc.Config{ClientID: o.cfg.ClientID, Now: o.cfg.Now}).Verify(o.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("ID token refused: %w", err)
	}
	// go-oidc leaves the nonce to the caller.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(at.Nonce)) != 1 {
		return nil, ErrNonce
	}
	return o.identity(idt, at.Next)
}

// takeAttempt finds the login the callback's state names, removes it (a
// state works once), clears the login cookie, and checks the browser and age.
func (o *OIDC) takeAttempt(w http.ResponseWriter, r *http.Request, s *Sessions) (*attempt, error) {
	gone := s.cookie("", -1)
	gone.Name = s.loginCookieName()
	http.SetCookie(w, gone)
	state := r.URL.Query().Get("state")
	c, err := r.Cookie(s.loginCookieName())
	if state == "" || len(state) > 128 || err != nil {
		return nil, ErrLoginState
	}
	b, err := o.attempts.TakeLoginAttempt(r.Context(), oidcDigest(state))
	if err != nil {
		return nil, fmt.Errorf("login attempt not read: %w", err)
	}
	var at attempt
	if b == nil || json.Unmarshal(b, &at) != nil {
		return nil, ErrLoginState
	}
	if subtle.ConstantTimeCompare([]byte(oidcDigest(c.Value)), []byte(at.Browser)) != 1 {
		return nil, ErrLoginState
	}
	if o.cfg.Now().Sub(time.Unix(at.Begun, 0)) > attemptTTL {
		return nil, fmt.Errorf("%w: the login took longer than %v", ErrLoginState, attemptTTL)
	}
	return &at, nil
}

// identity maps the token's groups to a role; the user is keyed by issuer
// and subject, the name only shown.
func (o *OIDC) identity(idt *oidc.IDToken, next string) (*Identity, error) {
	if len(idt.Subject) > maxSubject || len(idt.Issuer) > maxIssuer {
		return nil, fmt.Errorf("%w: subject or issuer longer than OpenID Connect allows", ErrProvider)
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("ID token claims: %w", err)
	}
	groups := o.mapped(stringsClaim(claims[o.cfg.GroupsClaim]))
	role, ok := o.Role(groups)
	if !ok {
		return nil, ErrNoRole
	}
	name := idt.Subject
	for _, k := range []string{"name", "preferred_username"} {
		if v := stringsClaim(claims[k]); len(v) == 1 && v[0] != "" {
			name = v[0]
			break
		}
	}
	return &Identity{Issuer: idt.Issuer, Subject: idt.Subject, Name: truncate(name, 64), Groups: groups, Role: role, Next: next}, nil
}

// mapped keeps the groups the mapping names (so the cookie stays small
// whatever the provider sends).
func (o *OIDC) mapped(groups []string) []string {
	var out []string
	size := 0
	for _, g := range groups {
		if (slices.Contains(o.cfg.EditorGroups, g) || slices.Contains(o.cfg.ViewerGroups, g)) && !slices.Contains(out, g) &&
			len(out) < maxGroups && size+len(g) <= maxGroupBytes {
			out = append(out, g)
			size += len(g)
		}
	}
	return out
}

// Role is the role groups grant here: editor over viewer; false for none.
func (o *OIDC) Role(groups []string) (accounts.Role, bool) {
	role := accounts.Role("")
	for _, g := range groups {
		if slices.Contains(o.cfg.EditorGroups, g) {
			return accounts.Editor, true
		}
		if slices.Contains(o.cfg.ViewerGroups, g) {
			role = accounts.Viewer
		}
	}
	return role, role != ""
}

// stringsClaim reads a claim that is a string or a list of strings.
func stringsClaim(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// memAttempts keeps login attempts in this process (one replica).
type memAttempts struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memAttempts) PutLoginAttempt(_ context.Context, state string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) >= 10000 {
		clear(m.m) // bounded: a flood of abandoned logins costs only their own retry
	}
	m.m[state] = data
	return nil
}

func (m *memAttempts) TakeLoginAttempt(_ context.Context, state string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.m[state]
	delete(m.m, state)
	return b, nil
}
