package portal

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// MaxUploadBytes caps every request body: uploads are at most 20 MB.
const MaxUploadBytes = 20 << 20

// server is one county's portal.
type server struct {
	cfg     *Config
	auth    *auth.Auth
	archive *storage.Archive
	kube    client.Client // nil: no cluster, no "generate now"
	state   *stateCache
	font    *render.Font // nil: no charts (logged at start)
	pages   map[string]*template.Template
	metrics *httpMetrics
	log     *slog.Logger
	now     func() time.Time
	zone    *time.Location // the county's time zone, for every time shown
	data    *dataPages     // the Data pages (data.go)
	// pageCache keeps the rendered dashboard of the current snapshot.
	pageCache pageCache
}

// page is what every template gets.
type page struct {
	Lang       string
	Title      string
	CountyName string
	Account    *accounts.Account
	Path       string
	Nav        string
	Refresh    int
	Data       any
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
	return p.T("role." + string(p.Account.Role))
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
func (s *server) newPage(c *gin.Context, nav, title string, data any) *page {
	lang := requestLang(c.Request)
	name := s.cfg.CountyName
	if lang == "en" && s.cfg.EnglishName != "" {
		name = s.cfg.EnglishName
	}
	return &page{
		Lang: lang, Title: title, CountyName: name, Account: auth.CurrentAccount(c),
		Path: c.Request.URL.RequestURI(), Nav: nav, Data: data,
	}
}

// render writes a page; a template that fails writes the error page
// instead of half a page.
func (s *server) render(c *gin.Context, code int, name string, p *page) {
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

func (s *server) renderBytes(name string, p *page) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fail writes the error page for code with the message in the page's language.
func (s *server) fail(c *gin.Context, code int, detail string) {
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

// routes builds the portal's handler.
func (s *server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.metrics.middleware(), s.recover(), securityHeaders(s.cfg.TLS()), limitBody(), s.auth.Load())
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) { s.fail(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.fail(c, http.StatusMethodNotAllowed, "") })

	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", s.readyz)
	static, _ := fs.Sub(assetFS, "assets")
	r.GET("/assets/*file", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.FileFromFS(c.Param("file"), http.FS(static))
	})
	r.GET("/signin", s.signinPage)
	r.POST("/signin", s.signin)
	r.POST("/signout", s.signout)
	r.POST("/lang", s.switchLang)

	in := r.Group("/", s.auth.Require())
	edit := auth.RequireEditor(func(c *gin.Context) {
		s.auth.Record(c, "refused", "forbidden", "method", c.Request.Method, "path", c.Request.URL.Path)
		s.fail(c, http.StatusForbidden, "")
	})
	in.GET("/", s.dashboard)
	in.GET("/reports", s.reports)
	in.GET("/reports/:period/:file", s.download)
	in.POST("/reports/generate", edit, s.generate)
	in.GET("/runs/:name", s.runPage)
	s.dataRoutes(in, edit)

	// CSRF (ASVS 3.5): every state-changing request must come from this
	// site, by the browser's Sec-Fetch-Site or Origin headers.
	cop := http.NewCrossOriginProtection()
	if s.cfg.PublicURL != "" {
		if err := cop.AddTrustedOrigin(strings.TrimSuffix(s.cfg.PublicURL, "/")); err != nil {
			s.log.Warn("publicURL is not an origin; not trusted for CSRF checks", "publicURL", s.cfg.PublicURL, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		http.Error(w, "跨站请求被拒绝 / cross-origin request refused", http.StatusForbidden)
	}))
	return cop.Handler(r)
}

// securityHeaders: scripts from nowhere (the portal has none), styles and
// images from the portal only, no framing, no sniffing; HSTS under TLS.
func securityHeaders(tls bool) gin.HandlerFunc {
	// Canonical names and shared value slices: set on every response
	// without allocating (the headers are never changed in place).
	fixed := map[string][]string{
		"Content-Security-Policy":    {"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
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

// limitBody caps request bodies at MaxUploadBytes plus room for the form.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUploadBytes+64<<10)
		}
		c.Next()
	}
}

// tooLarge reports whether err comes from a body over the cap.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *server) recover() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		s.log.Error("panic in handler", "path", c.Request.URL.Path, "err", err)
		s.fail(c, http.StatusInternalServerError, "")
	})
}

func (s *server) readyz(c *gin.Context) {
	if err := s.archive.Check(c.Request.Context()); err != nil {
		c.String(http.StatusServiceUnavailable, "storage: %v", err)
		return
	}
	c.String(http.StatusOK, "ok")
}

func (s *server) switchLang(c *gin.Context) {
	to := c.PostForm("to")
	if to != "en" {
		to = "zh-CN"
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: langCookie, Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.TLS(), SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusSeeOther, auth.SafeNext(c.PostForm("back")))
}
