package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/portal/auth"
)

func (s *site) signinPage(c *gin.Context) {
	next := auth.SafeNext(c.Query("next"))
	if auth.CurrentAccount(c) != nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.render(c, http.StatusOK, "signin", s.newPage(c, "", tr(requestLang(c.Request), "signin"), gin.H{"Next": next}))
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
	data := gin.H{"Next": next, "Username": username}
	switch outcome {
	case auth.SignedIn:
		c.Redirect(http.StatusSeeOther, next)
		return
	case auth.Throttled:
		secs := int((wait + time.Second - 1) / time.Second)
		c.Header("Retry-After", strconv.Itoa(secs))
		data["Error"] = tr(lang, "signin.wait", secs)
		s.render(c, http.StatusTooManyRequests, "signin", s.newPage(c, "", tr(lang, "signin"), data))
	default:
		data["Error"] = tr(lang, "signin.bad")
		s.render(c, http.StatusUnauthorized, "signin", s.newPage(c, "", tr(lang, "signin"), data))
	}
}

func (s *site) signout(c *gin.Context) {
	s.auth.SignOut(c)
	c.Redirect(http.StatusSeeOther, "/signin")
}
