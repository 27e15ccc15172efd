package auth

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/audit"
)

// ssoBeginsFree: logins one client address begins before it must wait
// (each stores a login attempt in the tenant's bucket); then 1 s doubling
// to ssoBeginsMax.
const (
	ssoBeginsFree = 200
	ssoBeginsMax  = 60 * time.Second
)

// Auth is a portal's sign-in.
type Auth struct {
	Accounts *accounts.Store
	Sessions *Sessions
	// Throttle slows failed sign-ins without letting anyone lock others out.
	Throttle *Guard
	// Audit receives one line per sign-in attempt, sign-out and change.
	Audit *slog.Logger
	// Trail, when set, keeps each of those lines in the tenant's audit
	// log too (internal/audit), before the request is answered.
	Trail *audit.Log
	// TrustedProxies: requests from these addresses are attributed to the
	// right-most address in X-Forwarded-For that is not one of them.
	TrustedProxies Proxies
	// SignInPath is the sign-in page (default /signin).
	SignInPath string
	// PostReturn, when set, names the page a form posted after the
	// session ended returns to ("" : its Referer). The portal uses it for
	// pages whose address the Referer does not carry (a form re-shown
	// after a refused POST); the answer still goes through SafeNext.
	PostReturn func(*http.Request) string
	// SSO signs users in through the tenant's OpenID provider (nil: none).
	SSO *OIDC
	// LocalDisabled refuses every password sign-in (SSO only).
	LocalDisabled bool
	// ssoBegins limits the logins a client address begins (each stores an attempt).
	ssoBegins *Throttle
}

// New returns an Auth with the default throttle.
func New(acc *accounts.Store, s *Sessions, audit *slog.Logger) *Auth {
	return &Auth{
		Accounts: acc, Sessions: s, Audit: audit, SignInPath: "/signin", Throttle: NewGuard(),
		ssoBegins: NewThrottle(ssoBeginsFree, time.Second, ssoBeginsMax),
	}
}

// ClientIP is the address a request came from (see Proxies.ClientAddr).
func (a *Auth) ClientIP(r *http.Request) string {
	if addr := a.TrustedProxies.ClientAddr(r); addr.IsValid() {
		return addr.String()
	}
	return "unknown"
}

// Outcome of a sign-in attempt.
type Outcome int

const (
	SignedIn Outcome = iota
	BadCredentials
	Throttled
)

// SignIn checks the credentials (unless throttled) and, when they match,
// starts a new session. Every attempt is an audit line.
func (a *Auth) SignIn(w http.ResponseWriter, r *http.Request, username, password string) (Outcome, time.Duration, *accounts.Account) {
	addr := a.TrustedProxies.ClientAddr(r)
	ip, from := a.ClientIP(r), throttleAddr(addr)
	username = strings.TrimSpace(username)
	if a.LocalDisabled {
		a.audit(r.Context(), "signin", username, ip, "failure", "reason", "local accounts disabled")
		return BadCredentials, 0, nil
	}
	if wait := a.Throttle.Wait(username, from); wait > 0 {
		a.audit(r.Context(), "signin", username, ip, "throttled", "retryAfterSeconds", int(wait.Round(time.Second)/time.Second))
		return Throttled, wait, nil
	}
	acct, err := a.Accounts.Authenticate(r.Context(), username, password)
	if err != nil || acct == nil {
		a.Throttle.Fail(username, from)
		a.audit(r.Context(), "signin", username, ip, "failure")
		return BadCredentials, 0, nil
	}
	a.Throttle.Succeed(username, from)
	a.Sessions.Start(w, r, Session{Username: acct.Username, Cred: credential(acct)})
	a.audit(r.Context(), "signin", acct.Username, ip, "success", "role", string(acct.Role))
	return SignedIn, 0, acct
}

// SignOut ends the request's session.
func (a *Auth) SignOut(c *gin.Context) {
	user, role := "", ""
	if acct := CurrentAccount(c); acct != nil {
		user, role = acct.Username, string(acct.Role)
	} else if s := a.Sessions.Get(c.Request); s != nil {
		user = s.Username
	}
	a.Sessions.End(c.Writer, c.Request)
	a.audit(c.Request.Context(), "signout", user, a.ClientIP(c.Request), "success", "role", role)
}

// Record writes an audit line for a change made by the signed-in user.
func (a *Auth) Record(c *gin.Context, event, result string, attrs ...any) {
	user, role := "", ""
	if acct := CurrentAccount(c); acct != nil {
		user, role = acct.Username, string(acct.Role)
	}
	a.audit(c.Request.Context(), event, user, a.ClientIP(c.Request), result, append([]any{"role", role}, attrs...)...)
}

// RecordSystem writes an audit line for what the portal did by itself (no
// request: sessions ended because an account changed).
func (a *Auth) RecordSystem(ctx context.Context, event, user, result string, attrs ...any) {
	a.audit(ctx, event, user, "", result, attrs...)
}

// trailSkip are attributes the server log keeps and the audit page does
// not show: errors name internals, and role has a field of its own.
var trailSkip = []string{"role", "err", "subject", "realm"}

func (a *Auth) audit(ctx context.Context, event, user, ip, result string, attrs ...any) {
	if a.Audit != nil {
		args := append([]any{"audit", true, "event", event, "user", user, "ip", ip, "result", result, "realm", a.Sessions.realm}, attrs...)
		a.Audit.InfoContext(ctx, "audit", args...)
	}
	if a.Trail == nil {
		return
	}
	role := ""
	for i := 0; i+1 < len(attrs); i += 2 {
		if k, _ := attrs[i].(string); k == "role" {
			role, _ = attrs[i+1].(string)
		}
	}
	e := audit.Entry{Event: event, Result: result, User: user, Role: role, IP: ip, Details: audit.Details(attrs, trailSkip...)}
	if err := a.Trail.Add(ctx, e); err != nil && a.Audit != nil {
		if audit.IsSuppressed(err) {
			a.Audit.DebugContext(ctx, "audit entry counted, not kept", "event", event)
		} else {
			a.Audit.WarnContext(ctx, "audit entry not kept in the audit log (it is in this log)", "event", event, "err", err)
		}
	}
}

const accountKey = "countyreport/account"

// CurrentAccount is the signed-in account of the request, or nil.
func CurrentAccount(c *gin.Context) *accounts.Account {
	if v, ok := c.Get(accountKey); ok {
		return v.(*accounts.Account)
	}
	return nil
}

// Load puts the request's account (if signed in and still listed) in the
// context; it never refuses anything.
func (a *Auth) Load() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s := a.Sessions.Touch(c.Writer, c.Request); s != nil {
			if acct := a.account(s); acct != nil {
				c.Set(accountKey, acct)
			}
		}
		c.Next()
	}
}

// Require sends a signed-out request to the sign-in page, remembering where
// it was going: the GET's own address, or for a form posted after the
// session ended the page the form was on (its Referer, when on this site),
// since a POST cannot be replayed safely. A request that still carries a
// session cookie which has idled out, aged out or been revoked is told so
// (expired=1): the sign-in page then says the session expired.
func (a *Auth) Require() gin.HandlerFunc {
	return func(c *gin.Context) {
		if CurrentAccount(c) != nil {
			c.Next()
			return
		}
		q := url.Values{}
		next := returnTo(c.Request)
		if c.Request.Method != http.MethodGet && a.PostReturn != nil {
			if to := a.PostReturn(c.Request); to != "" {
				next = SafeNext(to)
			}
		}
		if next != "/" {
			q.Set("next", next)
		}
		if a.Sessions.Stale(c.Request) {
			q.Set("expired", "1")
		}
		target := a.SignInPath
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		c.Redirect(http.StatusSeeOther, target)
		c.Abort()
	}
}

// returnTo is where a signed-out request should land after sign-in: the
// GET's address, or the same-site page a posted form came from ("/" when
// neither is known).
func returnTo(r *http.Request) string {
	if r.Method == http.MethodGet {
		return SafeNext(r.URL.RequestURI())
	}
	ref, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || ref.Host != r.Host || (ref.Scheme != "http" && ref.Scheme != "https") {
		return "/"
	}
	return SafeNext(ref.RequestURI())
}

// RequireEditor refuses viewers with 403, using forbidden to write the page.
func RequireEditor(forbidden gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !CurrentAccount(c).CanEdit() {
			forbidden(c)
			c.Abort()
			return
		}
		c.Next()
	}
}

// SafeNext returns next when it is a path on this site, else "/": the
// sign-in page never redirects anywhere else (no open redirect).
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
