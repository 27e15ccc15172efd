package portal

import (
	"embed"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// MaxUploadBytes caps an upload request's file (limits.UploadBytes); other
// requests have smaller caps (limitBody).
const MaxUploadBytes = limits.UploadBytes

// server is one county's portal.
type server struct {
	site
	cfg     *Config
	archive *storage.Archive
	kube    client.Client // nil: no cluster, no "generate now"
	genMu   sync.Mutex    // one "generate now" at a time (reports.go)
	state   *stateCache
	font    *render.Font // nil: no charts (logged at start)
	now     func() time.Time
	zone    *time.Location // the county's time zone, for every time shown
	data    *dataPages     // the Data pages (data.go)
	// pageCache keeps the rendered dashboard of the current snapshot.
	pageCache pageCache
}

// routes builds the portal's handler.
func (s *server) routes() http.Handler {
	r := s.engine()
	r.GET("/readyz", s.site.readyz(s.archive.Check))

	s.auth.PostReturn = formReturn // back to the web form's period (keep.go)
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
	in.GET("/runs/:name/status", s.runStatus)
	in.GET("/audit", edit, s.audit)
	in.GET("/notifications", s.notifications)
	in.GET("/account", s.account)
	in.POST("/account", s.saveAccount)
	s.dataRoutes(in, edit)

	return s.protect(r)
}
