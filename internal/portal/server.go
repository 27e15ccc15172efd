package portal

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

// NewRouter builds the portal's routes for one county.
func NewRouter(cfg *tenant.PortalConfig) *gin.Engine { return newRouter(cfg, nil) }

// newRouter builds the routes; with an archive, the front page lists the
// county's archived reports.
func newRouter(cfg *tenant.PortalConfig, archive *storage.Archive) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), securityHeaders())
	r.SetHTMLTemplate(template.Must(template.ParseFS(templateFS, "templates/*.html")))

	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/", func(c *gin.Context) {
		page := gin.H{"County": cfg}
		if archive != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
			defer cancel()
			reports, err := archive.List(ctx)
			page["Archive"], page["Reports"], page["ArchiveError"] = true, reports, err
		}
		c.HTML(http.StatusOK, "index.html", page)
	})
	return r
}

// securityHeaders sets the headers every page carries: no framing, no
// sniffing, scripts and styles from the portal only.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		c.Next()
	}
}
