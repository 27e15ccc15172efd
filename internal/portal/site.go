package portal

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
)

// site is what the county portal and the city portal share: the pages and
// their chrome, sign-in and sign-out, the language switch, the error page,
// the security headers, body limits and CSRF protection. Each portal embeds
// one and adds its own routes.
type site struct {
	auth    *auth.Auth
	pages   map[string]*template.Template
	metrics *httpMetrics
	log     *slog.Logger
	// name and nameEn are the tenant's names; city marks the city portal
	// (its navigation differs).
	name, nameEn string
	city         bool
	// tls and publicURL come from the tenant's configuration.
	tls       bool
	publicURL string
}

// engine is a gin engine with the shared middleware and routes.
func (s *site) engine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.metrics.middleware(), s.recover(), securityHeaders(s.tls), s.limitBody(), s.auth.Load())
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) { s.fail(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.fail(c, http.StatusMethodNotAllowed, "") })

	r.GET("/healthz", healthz)
	static, _ := fs.Sub(assetFS, "assets")
	r.GET("/assets/*file", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.FileFromFS(c.Param("file"), http.FS(static))
	})
	r.GET("/signin", s.signinPage)
	r.POST("/signin", s.signin)
	r.POST("/signout", s.signout)
	if s.auth.SSO != nil {
		r.GET(auth.SSOPath, s.ssoBegin)
		r.GET(auth.CallbackPath, s.ssoCallback)
	}
	r.POST("/lang", s.switchLang)
	return r
}

// protect wraps the portal's handler in CSRF protection (ASVS 3.5): every
// state-changing request must come from this site, by the browser's
// Sec-Fetch-Site or Origin headers.
func (s *site) protect(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if s.publicURL != "" {
		if err := cop.AddTrustedOrigin(strings.TrimSuffix(s.publicURL, "/")); err != nil {
			s.log.Warn("publicURL is not an origin; not trusted for CSRF checks", "publicURL", s.publicURL, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		// No page, no language known: both, Chinese first.
		http.Error(w, tr("zh-CN", "crossOrigin.refused")+" / "+tr("en", "crossOrigin.refused"), http.StatusForbidden)
	}))
	return cop.Handler(h)
}

// page is what every template gets.
type page struct {
	Lang  string
	Title string
	// CountyName is the tenant's name in the page's language: the county's,
	// or the city's on the city portal.
	CountyName string
	// Chrome is the portal's header and footer (nav.go).
	Chrome  chrome
	Account *accounts.Account
	Path    string
	Nav     string
	Data    any
}

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return tr(p.Lang, key, args...) }

// Editor reports whether the signed-in account may change things (buttons
// are shown only then; the handlers check again).
func (p *page) Editor() bool { return p.Account.CanEdit() }

// RoleName is the account's role in the page's language.
func (p *page) RoleName() string {
	if p.Account == nil {
		return ""
	}
	return p.T(p.Chrome.RolePrefix + string(p.Account.Role))
}

var templateFuncs = template.FuncMap{
	// svg marks a chart drawn by internal/render (every text in it escaped
	// there) as safe to inline.
	"svg": func(b []byte) template.HTML { return template.HTML(b) },
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		out[base] = t
	}
	return out, nil
}

// newPage fills the common fields.
func (s *site) newPage(c *gin.Context, nav, title string, data any) *page {
	lang := requestLang(c.Request)
	name := s.name
	if lang == "en" && s.nameEn != "" {
		name = s.nameEn
	}
	return &page{
		Lang: lang, Title: title, CountyName: name, Chrome: chromeFor(s.city), Account: auth.CurrentAccount(c),
		Path: c.Request.URL.RequestURI(), Nav: nav, Data: data,
	}
}

// render writes a page; a template that fails writes the error page
// instead of half a page.
func (s *site) render(c *gin.Context, code int, name string, p *page) {
	b, err := s.renderBytes(name, p)
	if err != nil {
		s.log.Error("render page", "page", name, "err", err)
		if name != "error" {
			s.fail(c, http.StatusInternalServerError, "")
		}
		return
	}
	c.Data(code, "text/html; charset=utf-8", b)
}

func (s *site) renderBytes(name string, p *page) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, err
	}
	if p.Lang == "en" {
		return markChinese(buf.Bytes()), nil // Chinese parts marked lang="zh-CN" (zhlang.go)
	}
	return buf.Bytes(), nil
}

// fail writes the error page for code with the message in the page's language.
func (s *site) fail(c *gin.Context, code int, detail string) {
	lang := requestLang(c.Request)
	var msg string
	switch code {
	case http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		msg = tr(lang, "err."+strconv.Itoa(code))
	case http.StatusBadRequest:
		msg = tr(lang, "err.400", detail)
	default:
		msg = tr(lang, "err.500")
	}
	s.render(c, code, "error", s.newPage(c, "", tr(lang, "err.title"), gin.H{
		"Message": msg, "Back": "/", "BackLabel": tr(lang, "err.back"),
	}))
	c.Abort()
}

// securityHeaders: scripts from nowhere (the portal has none), styles and
// images from the portal only, no framing, no sniffing; HSTS under TLS.
func securityHeaders(tls bool) gin.HandlerFunc {
	// Canonical names and shared value slices: set on every response
	// without allocating (the headers are never changed in place).
	fixed := map[string][]string{
		"Content-Security-Policy":    {"default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
		"X-Content-Type-Options":     {"nosniff"},
		"X-Frame-Options":            {"DENY"},
		"Referrer-Policy":            {"same-origin"},
		"Cross-Origin-Opener-Policy": {"same-origin"},
	}
	hsts, noStore := []string{"max-age=31536000; includeSubDomains"}, []string{"no-store"}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		for k, v := range fixed {
			h[k] = v
		}
		if tls || c.Request.TLS != nil {
			h["Strict-Transport-Security"] = hsts
		}
		if !strings.HasPrefix(c.Request.URL.Path, "/assets/") {
			h["Cache-Control"] = noStore
		}
		c.Next()
	}
}

// limitBody caps request bodies (ASVS 13.1.3, 1.4.x): an upload at
// limits.UploadBytes and room for its form, the data form at a dataset's
// limits.DatasetBytes, every other request at limits.FormBytes. A form
// past its cap is refused here with 413, before a handler reads a field
// (a sign-in with a 19 MB username was kept, logged and echoed).
func (s *site) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body == nil || c.Request.Body == http.NoBody {
			c.Next()
			return
		}
		limit := int64(limits.FormBytes)
		switch c.FullPath() {
		case "/data/upload": // its handler says what the limit of a file is
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUploadBytes+64<<10)
			c.Next()
			return
		case "/data/form":
			limit = limits.DatasetBytes
		}
		if c.Request.ContentLength > limit {
			s.bodyTooLarge(c, limit)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		if c.ContentType() == "application/x-www-form-urlencoded" {
			if err := c.Request.ParseForm(); tooLarge(err) {
				s.bodyTooLarge(c, limit)
				return
			}
		}
		c.Next()
	}
}

func (s *site) bodyTooLarge(c *gin.Context, limit int64) {
	c.Header("Connection", "close")
	s.refuse(c, http.StatusRequestEntityTooLarge, tr(requestLang(c.Request), "err.form413", limit>>10), "/")
}

// tooLarge reports whether err comes from a body over the cap.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *site) recover() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		s.log.Error("panic in handler", "path", c.Request.URL.Path, "err", err)
		s.fail(c, http.StatusInternalServerError, "")
	})
}

func (s *site) switchLang(c *gin.Context) {
	to := c.PostForm("to")
	if to != "en" {
		to = "zh-CN"
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: langCookie, Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.tls, SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusSeeOther, auth.SafeNext(c.PostForm("back")))
}

// sendArchived streams one archived file of a period through the portal
// (staff browsers usually cannot reach the storage endpoint), named after
// its owner's code, with the checksum its manifest records; the caller has
// checked that period and name are ones it serves.
func (s *site) sendArchived(c *gin.Context, a *storage.Archive, owner, period, name string) {
	rc, o, err := a.Open(c.Request.Context(), period, name)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		s.fail(c, http.StatusNotFound, "")
		return
	case err != nil:
		s.log.Error("open archived file", "period", period, "file", name, "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	defer rc.Close()
	ctype := "application/pdf"
	if name == report.BundleName {
		ctype = "application/zip"
	}
	h := c.Writer.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s"`, owner, period, name))
	h.Set("X-Checksum-SHA256", o.SHA256)
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil {
		// Headers are gone; the client sees a short body, the log says why.
		s.log.Error("stream archived file", "period", period, "file", name, "err", err)
	}
}
