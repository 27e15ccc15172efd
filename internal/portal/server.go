package portal

import (
	"embed"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	site
	cfg     *Config
	archive *storage.Archive
	kube    client.Client // nil: no cluster, no "generate now"
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
	r.GET("/readyz", s.readyz)

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
	in.GET("/notifications", s.notifications)
	s.dataRoutes(in, edit)

	return s.protect(r)
}

func (s *server) readyz(c *gin.Context) {
	if err := s.archive.Check(c.Request.Context()); err != nil {
		c.String(http.StatusServiceUnavailable, "storage: %v", err)
		return
	}
	c.String(http.StatusOK, "ok")
}
