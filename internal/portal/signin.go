package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/portal/auth"
)

// signinData is what the sign-in page shows besides an error.
func (s *site) signinData(lang, next string) gin.H {
	data := gin.H{"Next": next, "LocalDisabled": s.auth.LocalDisabled}
	if s.auth.SSO != nil {
		data["SSO"] = true
		data["ProviderName"] = ssoLabel(lang, s.auth.SSO.ProviderName())
	}
	return data
}

func (s *site) signinPage(c *gin.Context) {
	next := auth.SafeNext(c.Query("next"))
	if auth.CurrentAccount(c) != nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	lang := requestLang(c.Request)
	data := s.signinData(lang, next)
	if c.Query("expired") == "1" {
		// Said as a notice, not an error: nothing the user did was wrong.
		data["Notice"] = tr(lang, "signin.expired")
	}
	s.render(c, http.StatusOK, "signin", s.newPage(c, "", tr(lang, "signin"), data))
}

func (s *site) signin(c *gin.Context) {
	lang := requestLang(c.Request)
	username, password := c.PostForm("username"), c.PostForm("password")
	next := auth.SafeNext(c.PostForm("next"))
	if len(username) > limits.UsernameBytes {
		// No account has such a name: refused before it becomes a
		// throttle key, a log field or part of the page.
		s.log.Warn("sign-in refused: username too long", "bytes", len(username), "limit", limits.UsernameBytes)
		s.render(c, http.StatusUnauthorized, "signin", s.newPage(c, "", tr(lang, "signin"),
			gin.H{"Next": next, "Error": tr(lang, "signin.bad")}))
		return
	}
	outcome, wait, _ := s.auth.SignIn(c.Writer, c.Request, username, password)
	data := s.signinData(lang, next)
	data["Username"] = username
	switch {
	case outcome == auth.SignedIn:
		c.Redirect(http.StatusSeeOther, next)
		return
	case outcome == auth.Throttled:
		secs := int((wait + time.Second - 1) / time.Second)
		c.Header("Retry-After", strconv.Itoa(secs))
		data["Error"] = tr(lang, "signin.wait", secs)
		s.render(c, http.StatusTooManyRequests, "signin", s.newPage(c, "", tr(lang, "signin"), data))
	case s.auth.LocalDisabled:
		data["Error"] = tr(lang, "signin.local.off")
		s.render(c, http.StatusForbidden, "signin", s.newPage(c, "", tr(lang, "signin"), data))
	default:
		data["Error"] = tr(lang, "signin.bad")
		s.render(c, http.StatusUnauthorized, "signin", s.newPage(c, "", tr(lang, "signin"), data))
	}
}

func (s *site) signout(c *gin.Context) {
	s.auth.SignOut(c)
	c.Redirect(http.StatusSeeOther, "/signin")
}

// ssoBegin sends the browser to the identity provider. It is a link, not a
// form: the pages' CSP (form-action 'self') stops a form whose answer
// redirects to another site. Another site linking here can only start a
// login that ends in the user's own browser as the user's own account.
// Each begin stores an attempt, so begins are limited per client address.
func (s *site) ssoBegin(c *gin.Context) {
	lang := requestLang(c.Request)
	next := auth.SafeNext(c.Query("next"))
	to, err := s.auth.BeginSSO(c.Writer, c.Request, next)
	var wait auth.TooSoon
	switch {
	case errors.As(err, &wait):
		secs := int((wait.Wait + time.Second - 1) / time.Second)
		c.Header("Retry-After", strconv.Itoa(secs))
		data := s.signinData(lang, next)
		data["Error"] = tr(lang, "signin.wait", secs)
		s.render(c, http.StatusTooManyRequests, "signin", s.newPage(c, "", tr(lang, "signin"), data))
		return
	case err != nil:
		s.log.Error("single sign-on not started", "err", err)
		data := s.signinData(lang, next)
		data["Error"] = tr(lang, "signin.sso.down")
		s.render(c, http.StatusBadGateway, "signin", s.newPage(c, "", tr(lang, "signin"), data))
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

// ssoCallback is where the provider sends the browser back.
func (s *site) ssoCallback(c *gin.Context) {
	lang := requestLang(c.Request)
	id, err := s.auth.SignInSSO(c.Writer, c.Request)
	if err == nil {
		c.Redirect(http.StatusSeeOther, id.Next)
		return
	}
	data := s.signinData(lang, "/")
	data["Error"] = tr(lang, "signin.sso.failed")
	if errors.Is(err, auth.ErrNoRole) {
		data["Error"] = tr(lang, "signin.sso.norole")
	}
	s.render(c, http.StatusForbidden, "signin", s.newPage(c, "", tr(lang, "signin"), data))
}
