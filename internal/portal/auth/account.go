package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/countyreport/countyreport/internal/accounts"
)

// account is the session's account as of now, or nil when the session no
// longer grants anything. Worked out on every request from what every
// replica reads alike (the accounts file, the tenant's group mapping), so a
// removed account, a changed password or role, or a group taken out of the
// mapping applies on every replica as soon as it reads the change.
func (a *Auth) account(s *Session) *accounts.Account {
	if s.Subject != "" {
		if a.SSO == nil {
			return nil // single sign-on turned off
		}
		role, ok := a.SSO.Role(s.Groups)
		if !ok {
			return nil
		}
		return &accounts.Account{Username: s.Name, Role: role}
	}
	if a.LocalDisabled {
		return nil
	}
	acct := a.Accounts.Account(s.Username)
	if acct == nil || credential(acct) != s.Cred {
		return nil
	}
	return acct
}

// credential fingerprints an account's password hash (the cookie is
// sealed, so even this short digest is not shown to anyone).
func credential(acct *accounts.Account) string {
	sum := sha256.Sum256([]byte(acct.PasswordHash))
	return hex.EncodeToString(sum[:8])
}

// SignInSSO completes a single sign-on at the callback and starts the
// user's session; every attempt is an audit line (a failure says why).
func (a *Auth) SignInSSO(w http.ResponseWriter, r *http.Request) (*Identity, error) {
	ip := a.ClientIP(r)
	id, err := a.SSO.Finish(w, r, a.Sessions)
	if err != nil {
		a.audit(r.Context(), "signin", "", ip, "failure", "method", "oidc", "reason", err.Error())
		return nil, err
	}
	a.Sessions.Start(w, r, Session{Issuer: id.Issuer, Subject: id.Subject, Name: id.Name, Groups: id.Groups})
	a.audit(r.Context(), "signin", id.Name, ip, "success", "method", "oidc", "issuer", id.Issuer, "subject", id.Subject, "role", string(id.Role))
	return id, nil
}

// TooSoon is BeginSSO refusing a client that began too many logins.
type TooSoon struct{ Wait time.Duration }

func (e TooSoon) Error() string { return fmt.Sprintf("too many logins begun; wait %v", e.Wait) }

// BeginSSO starts a single sign-on and returns the provider's address.
// Every begin stores a login attempt, so a client address may begin
// ssoBeginsFree logins freely (an office shares one), then waits.
func (a *Auth) BeginSSO(w http.ResponseWriter, r *http.Request, next string) (string, error) {
	key := "sso:" + a.ClientIP(r)
	if wait := a.ssoBegins.Wait(key); wait > 0 {
		return "", TooSoon{Wait: wait}
	}
	a.ssoBegins.Fail(key)
	return a.SSO.Begin(w, r, a.Sessions, next)
}
