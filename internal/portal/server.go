package portal

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

// NewRouter builds the portal's routes for one county.
func NewRouter(cfg *tenant.PortalConfig) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), securityHeaders())
	r.SetHTMLTemplate(template.Must(template.ParseFS(templateFS, "templates/*.html")))

	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/", func(c *gin.Context) {
		c.HTML(http.StatusOK, "index.html", gin.H{"County": cfg})
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
