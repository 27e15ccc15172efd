package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/countyreport/countyreport/internal/accounts"
)

// ssoRig is a real OpenID provider (mockoidc, on loopback, its own HTTP
// server) and a portal's sign-in routes in front of Auth.
type ssoRig struct {
	t    *testing.T
	idp  *mockoidc.MockOIDC
	auth *Auth
	url  string

	mu sync.Mutex
	// tamper, when set, changes requests reaching the provider (attacks).
	tamper func(r *http.Request)
	// authorize is the last authorization request the provider saw.
	authorize url.Values
	lastErr   error
}

func newSSORig(t *testing.T, editor, viewer []string) *ssoRig {
	t.Helper()
	idp, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatalf("mockoidc: %v", err)
	}
	rig := &ssoRig{t: t, idp: idp}
	mustNil(t, idp.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rig.mu.Lock()
			tamper := rig.tamper
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				rig.authorize = r.URL.Query()
			}
			rig.mu.Unlock()
			if tamper != nil {
				tamper(r)
			}
			next.ServeHTTP(w, r)
		})
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err)
	mustNil(t, idp.Start(ln, nil))
	t.Cleanup(func() { _ = idp.Shutdown() })

	sessions, err := NewSessions(SessionOptions{Realm: "county/999001", Key: key(7)})
	mustNil(t, err)
	a := New(accounts.NewStore(&accounts.File{}), sessions, nil)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rig.url, rig.auth = srv.URL, a
	cfg := idp.Config()
	a.SSO, err = NewOIDC(OIDCConfig{
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: srv.URL + CallbackPath, Scopes: []string{"profile", "groups"},
		EditorGroups: editor, ViewerGroups: viewer, ProviderName: "样例市统一身份认证（测试）",
	})
	mustNil(t, err)
	mux.HandleFunc(SSOPath, func(w http.ResponseWriter, r *http.Request) {
		u, err := a.SSO.Begin(w, r, a.Sessions, r.URL.Query().Get("next"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc(CallbackPath, func(w http.ResponseWriter, r *http.Request) {
		id, err := a.SignInSSO(w, r)
		rig.mu.Lock()
		rig.lastErr = err
		rig.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, "signed in %s as %s", id.Subject, id.Role)
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		if se := a.Sessions.Get(r); se != nil {
			if acct := a.account(se); acct != nil {
				fmt.Fprintf(w, "%s %s %s", se.Subject, acct.Role, acct.Username)
				return
			}
		}
		http.Error(w, "signed out", http.StatusUnauthorized)
	})
	return rig
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping client that stops at the portal's callback,
// so a test can look at (or tamper with) it before it is followed.
type browser struct {
	*http.Client
	callback *url.URL
}

func (rig *ssoRig) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == CallbackPath {
			b.callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

func (b *browser) get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := b.Get(u)
	mustNil(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// login goes to the provider as user and stops at the callback.
func (rig *ssoRig) login(t *testing.T, b *browser, user *mockoidc.MockUser) *url.URL {
	t.Helper()
	rig.idp.QueueUser(user)
	b.callback = nil
	if code, body := b.get(t, rig.url+SSOPath+"?next=/reports"); code != http.StatusFound || b.callback == nil {
		t.Fatalf("login did not come back to the callback: %d %s", code, body)
	}
	return b.callback
}

func (rig *ssoRig) finish(t *testing.T, b *browser, cb *url.URL) (int, string, error) {
	t.Helper()
	code, body := b.get(t, cb.String())
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return code, body, rig.lastErr
}

func user(sub string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: "same@example.test", PreferredUsername: "张三（测试）", Groups: groups}
}

func TestSSOSignIn(t *testing.T) {
	rig := newSSORig(t, []string{"yangli-editors"}, []string{"yangli-viewers"})
	b := rig.browser()
	cb := rig.login(t, b, user("sub-editor", "other-team", "yangli-editors"))
	if got := rig.authorize.Get("code_challenge_method"); got != "S256" || rig.authorize.Get("code_challenge") == "" || rig.authorize.Get("nonce") == "" {
		t.Fatalf("authorization request without PKCE S256 or nonce: %v", rig.authorize)
	}
	if code, body, err := rig.finish(t, b, cb); code != http.StatusOK || err != nil {
		t.Fatalf("callback: %d %s %v", code, body, err)
	}
	if code, body := b.get(t, rig.url+"/whoami"); code != http.StatusOK || body != "sub-editor editor 张三（测试）" {
		t.Fatalf("whoami: %d %q", code, body)
	}

	// A viewer; users keyed by issuer and subject, not by their shared
	// e-mail or name: revoking one leaves the other signed in.
	v := rig.browser()
	rig.finish(t, v, rig.login(t, v, user("sub-viewer", "yangli-viewers")))
	if _, body := v.get(t, rig.url+"/whoami"); body != "sub-viewer viewer 张三（测试）" {
		t.Fatalf("viewer: %q", body)
	}
	mustNil(t, rig.auth.Sessions.RevokeUser(context.Background(), SSOUser(rig.idp.Issuer(), "sub-editor")))
	if code, _ := b.get(t, rig.url+"/whoami"); code != http.StatusUnauthorized {
		t.Fatal("a revoked SSO user is still signed in")
	}
	if code, _ := v.get(t, rig.url+"/whoami"); code != http.StatusOK {
		t.Fatal("revoking one subject ended another with the same e-mail and name")
	}
}

func TestSSOAttacksRefused(t *testing.T) {
	rig := newSSORig(t, []string{"yangli-editors"}, []string{"yangli-viewers"})
	tests := map[string]struct {
		user   *mockoidc.MockUser
		tamper func(r *http.Request)
		// attack changes the callback (and may use another browser).
		attack func(t *testing.T, b *browser, cb *url.URL) (*browser, *url.URL)
		before func()
		after  func()
		want   error
	}{
		"token for another client": {
			user: user("s1", "yangli-editors"),
			tamper: func(r *http.Request) {
				if r.URL.Path == mockoidc.TokenEndpoint {
					// The provider issues the ID token to another client of its own.
					_ = r.ParseForm()
					r.Form.Set("client_id", "another-app")
					rig.idp.ClientID = "another-app"
				}
			},
			want: errors.New("audience"),
		},
		"missing state": {
			user: user("s2", "yangli-editors"),
			attack: func(t *testing.T, b *browser, cb *url.URL) (*browser, *url.URL) {
				q := cb.Query()
				q.Del("state")
				cb.RawQuery = q.Encode()
				return b, cb
			},
			want: ErrLoginState,
		},
		"another browser's callback (login CSRF)": {
			user: user("s3", "yangli-editors"),
			attack: func(t *testing.T, b *browser, cb *url.URL) (*browser, *url.URL) {
				return rig.browser(), cb
			},
			want: ErrLoginState,
		},
		"wrong nonce": {
			user: user("s4", "yangli-editors"),
			tamper: func(r *http.Request) {
				if r.URL.Path == mockoidc.AuthorizationEndpoint {
					_ = r.ParseForm()
					r.Form.Set("nonce", "nonce-of-another-login")
				}
			},
			want: ErrNonce,
		},
		"expired token": {
			user: user("s5", "yangli-editors"),
			// The provider's clock, moved back: it issues a token that had
			// expired before it was sent.
			before: func() { rig.idp.FastForward(-(rig.idp.AccessTTL + time.Minute)) },
			after:  func() { rig.idp.FastForward(rig.idp.AccessTTL + time.Minute) },
			want:   errors.New("expired"),
		},
		"groups of another county": {
			user: user("s6", "hengnan-editors", "430422"),
			want: ErrNoRole,
		},
		"no group": {
			user: user("s7"),
			want: ErrNoRole,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			clientID := rig.idp.ClientID
			defer func() {
				rig.mu.Lock()
				rig.tamper = nil
				rig.mu.Unlock()
				rig.idp.ClientID = clientID
			}()
			if tc.before != nil {
				tc.before()
				defer tc.after()
			}
			rig.mu.Lock()
			rig.tamper = tc.tamper
			rig.mu.Unlock()
			b := rig.browser()
			cb := rig.login(t, b, tc.user)
			if tc.attack != nil {
				b, cb = tc.attack(t, b, cb)
			}
			code, body, err := rig.finish(t, b, cb)
			if code != http.StatusForbidden || err == nil {
				t.Fatalf("attack accepted: %d %s", code, body)
			}
			if !errors.Is(err, tc.want) && !strings.Contains(err.Error(), tc.want.Error()) {
				t.Fatalf("refused for the wrong reason: %v, want %v", err, tc.want)
			}
			if code, _ := b.get(t, rig.url+"/whoami"); code != http.StatusUnauthorized {
				t.Fatal("signed in after a refused login")
			}
		})
	}
}

func TestSSOStateReplayRefused(t *testing.T) {
	rig := newSSORig(t, []string{"yangli-editors"}, nil)
	b := rig.browser()
	cb := rig.login(t, b, user("s8", "yangli-editors"))
	u, _ := url.Parse(rig.url)
	login := b.Jar.Cookies(u)
	if code, body, err := rig.finish(t, b, cb); code != http.StatusOK {
		t.Fatalf("first use: %d %s %v", code, body, err)
	}
	// The same callback again, with the login cookie put back: the state
	// was used once and is gone.
	replay := rig.browser()
	replay.Jar.SetCookies(u, login)
	if code, _, err := rig.finish(t, replay, cb); code != http.StatusForbidden || !errors.Is(err, ErrLoginState) {
		t.Fatalf("replayed state: %d %v", code, err)
	}
}

func TestGroupTakenOutOfMapping(t *testing.T) {
	rig := newSSORig(t, []string{"yangli-editors"}, nil)
	b := rig.browser()
	rig.finish(t, b, rig.login(t, b, user("s9", "yangli-editors")))
	if code, _ := b.get(t, rig.url+"/whoami"); code != http.StatusOK {
		t.Fatal("not signed in")
	}
	// The manifest's mapping changes (the portal restarts with it): the
	// group no longer grants anything, and the session ends.
	rig.auth.SSO.cfg.EditorGroups = []string{"yangli-new-editors"}
	if code, _ := b.get(t, rig.url+"/whoami"); code != http.StatusUnauthorized {
		t.Fatal("a group taken out of the mapping still grants its role")
	}
}

func TestStringsClaim(t *testing.T) {
	tests := map[string]struct {
		raw  string
		want []string
	}{
		"list":       {`["a","b"]`, []string{"a", "b"}},
		"one string": {`"a"`, []string{"a"}},
		"number":     {`7`, nil},
		"object":     {`{"a":1}`, nil},
		"missing":    {``, nil},
		"mixed list": {`["a",1]`, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := stringsClaim([]byte(tc.raw))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("stringsClaim(%s) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func FuzzStringsClaim(f *testing.F) {
	f.Add([]byte(`["yangli-editors"]`))
	f.Add([]byte(`"x"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o := &OIDC{cfg: OIDCConfig{EditorGroups: []string{"e"}, ViewerGroups: []string{"v"}}}
		groups := o.mapped(stringsClaim(raw))
		if len(groups) > maxGroups {
			t.Fatalf("%d groups kept", len(groups))
		}
		for _, g := range groups {
			if g != "e" && g != "v" {
				t.Fatalf("unmapped group %q kept", g)
			}
		}
	})
}
