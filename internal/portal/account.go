package portal

import (
	"cmp"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/storage"
)

// The account page (我的账户 / My account): each signed-in member of staff
// gives the mail address notifications reach them at and the language
// they read (internal/accounts.Profile). It is stored in the tenant's own
// bucket (staff/<username>.json), only ever for the caller's own account:
// the username comes from the session, never from the form. Viewers may
// set their own too: it changes nothing of the tenant's data, and a route
// reaches viewers only when municipal IT ask for all staff.

// maxAccountField bounds each form value before validation.
const maxAccountField = 512

type accountForm struct {
	Email, Language string
	Errors          []string // in the page's language, each naming its field
	Invalid         map[string]bool
	Saved           bool
	// Unsupported: an account whose name cannot key a profile (a single
	// sign-on name with other characters).
	Unsupported bool
}

// accountPage shows the caller's profile.
func (s *site) accountPage(c *gin.Context, a *storage.Archive) {
	acct := auth.CurrentAccount(c)
	// Until the member saves their own, the page shows what municipal IT
	// put in the accounts file.
	f := accountForm{Email: acct.Email, Language: cmp.Or(acct.Language, accounts.Languages[0]), Saved: c.Query("saved") != ""}
	if !accounts.ValidUsername(acct.Username) {
		f.Unsupported = true
	} else if data, err := a.GetStaffProfile(c.Request.Context(), acct.Username); err == nil {
		if p, err := accounts.ParseProfile(data); err == nil {
			f.Email, f.Language = p.Email, p.Language
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		s.log.Error("read staff profile", "account", acct.Username, "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	s.renderAccount(c, http.StatusOK, f)
}

// saveAccount validates and stores the caller's profile; a refused form
// changes nothing and says which field is wrong.
func (s *site) saveAccount(c *gin.Context, a *storage.Archive, now func() time.Time) {
	acct := auth.CurrentAccount(c)
	lang := requestLang(c.Request)
	email, language := c.PostForm("email"), c.PostForm("language")
	if len(email) > maxAccountField || len(language) > maxAccountField {
		s.fail(c, http.StatusBadRequest, tr(lang, "account.toolong"))
		return
	}
	f := accountForm{Email: strings.TrimSpace(email), Language: language}
	if !accounts.ValidUsername(acct.Username) {
		f.Unsupported = true
		s.renderAccount(c, http.StatusBadRequest, f)
		return
	}
	p := accounts.Profile{Username: acct.Username, Role: acct.Role, Email: f.Email, Language: f.Language, Updated: now().UTC()}
	if errs := p.Validate(); len(errs) > 0 {
		f.Invalid = map[string]bool{}
		for _, e := range errs {
			f.Invalid[e.Field] = true
			if lang == "en" {
				f.Errors = append(f.Errors, e.En)
			} else {
				f.Errors = append(f.Errors, e.Zh)
			}
		}
		s.renderAccount(c, http.StatusBadRequest, f)
		return
	}
	data, err := p.Marshal()
	if err == nil {
		err = a.PutStaffProfile(c.Request.Context(), acct.Username, data)
	}
	if err != nil {
		s.log.Error("store staff profile", "account", acct.Username, "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	s.auth.Record(c, "account", "saved", "mail", f.Email != "", "language", f.Language)
	c.Redirect(http.StatusSeeOther, "/account?saved=1")
}

func (s *site) renderAccount(c *gin.Context, code int, f accountForm) {
	lang := requestLang(c.Request)
	s.render(c, code, "account", s.newPage(c, "account", tr(lang, "account.title"), gin.H{"Form": f, "Languages": accounts.Languages}))
}

func (s *server) account(c *gin.Context)     { s.accountPage(c, s.archive) }
func (s *server) saveAccount(c *gin.Context) { s.site.saveAccount(c, s.archive, s.now) }

func (s *cityServer) account(c *gin.Context)     { s.accountPage(c, s.archive) }
func (s *cityServer) saveAccount(c *gin.Context) { s.site.saveAccount(c, s.archive, s.now) }
