package portal

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/countyreport/countyreport/internal/limits"
)

// httpMetrics are the portal's request metrics, on a registry of its own
// (several portals may run in one process in dev mode).
type httpMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	byRoute  sync.Map // routeKey → *routeObservers; bounded: routes × methods × codes
	routes   sync.Map // route label → true, at most limits.MetricsRoutes
	nroutes  atomic.Int32
}

func newHTTPMetrics() *httpMetrics {
	m := &httpMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "countyreport_portal_http_requests_total",
			Help: "Portal HTTP requests by route and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "countyreport_portal_http_request_duration_seconds",
			Help:    "Portal HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// middleware records every request under its route pattern (never the raw
// path, so the label set stays bounded).
func (m *httpMetrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.observe(m.route(c.FullPath()), methodLabel(c.Request.Method), c.Writer.Status(), time.Since(start))
	}
}

// methodLabel is the request's method when it is one of HTTP's, else
// "other": a method is whatever token a client sends, so taking it as a
// label let made-up methods grow the registry without bound (5,000
// requests held +407 MiB).
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}

// route is the label of a route pattern: the pattern (never the raw
// path), "unmatched" for none, and "other" past limits.MetricsRoutes
// patterns (the portal has far fewer: a bound that holds whatever routes
// are added later).
func (m *httpMetrics) route(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, ok := m.routes.Load(pattern); ok {
		return pattern
	}
	if m.nroutes.Add(1) > limits.MetricsRoutes {
		m.nroutes.Add(-1)
		return "other"
	}
	if _, loaded := m.routes.LoadOrStore(pattern, true); loaded {
		m.nroutes.Add(-1)
	}
	return pattern
}

type routeKey struct {
	route, method string
	code          int
}

type routeObservers struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// observe records one request; the label lookups are done once per
// route, method and code.
func (m *httpMetrics) observe(route, method string, code int, d time.Duration) {
	k := routeKey{route, method, code}
	o, ok := m.byRoute.Load(k)
	if !ok {
		o, _ = m.byRoute.LoadOrStore(k, &routeObservers{
			count:   m.requests.WithLabelValues(route, method, strconv.Itoa(code)),
			latency: m.latency.WithLabelValues(route, method),
		})
	}
	ro := o.(*routeObservers)
	ro.count.Inc()
	ro.latency.Observe(d.Seconds())
}

// handler serves /metrics (on the metrics listener only).
func (m *httpMetrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}
