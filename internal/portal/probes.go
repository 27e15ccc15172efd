package portal

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The anonymous probes (/healthz, /readyz) answer anyone who reaches the
// portal, through the Ingress too: they say only whether it is alive and
// ready, never which endpoint, bucket or error (those go to the log).
const (
	probeOK       = "ok"
	probeReady    = "ready"
	probeNotReady = "not ready"
)

// healthz: the process answers.
func healthz(c *gin.Context) { c.String(http.StatusOK, probeOK) }

// readyz answers "ready" when check passes, else 503 "not ready" and logs why.
func (s *site) readyz(check func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := check(c.Request.Context()); err != nil {
			s.log.Warn("not ready: storage check failed", "err", err)
			c.String(http.StatusServiceUnavailable, probeNotReady)
			return
		}
		c.String(http.StatusOK, probeReady)
	}
}
