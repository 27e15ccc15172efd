package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/limits"
)

// Made-up methods and routes do not grow the metrics: 5,000 requests with
// methods of their own make one series "other" (they held +407 MiB when
// each method was a label value).
func TestMetricsLabelsBounded(t *testing.T) {
	m := newHTTPMetrics()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(m.middleware())
	r.HandleMethodNotAllowed = true
	for i := range limits.MetricsRoutes + 10 {
		r.GET(fmt.Sprintf("/r%d", i), func(c *gin.Context) { c.Status(http.StatusOK) })
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	for i := range 5000 {
		req, _ := http.NewRequest(fmt.Sprintf("M%06d", i), srv.URL+"/r1", nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := range limits.MetricsRoutes + 10 {
		resp, err := srv.Client().Get(fmt.Sprintf("%s/r%d", srv.URL, i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	methods, routes := map[string]bool{}, map[string]bool{}
	for _, f := range families {
		if f.GetName() != "countyreport_portal_http_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				switch l.GetName() {
				case "method":
					methods[l.GetValue()] = true
				case "route":
					routes[l.GetValue()] = true
				}
			}
		}
	}
	if len(methods) != 2 || !methods["other"] || !methods["GET"] {
		t.Errorf("method labels %v, want GET and other", methods)
	}
	if len(routes) > limits.MetricsRoutes+2 || !routes["other"] { // and "unmatched"
		t.Errorf("%d route labels, want at most %d, other and unmatched", len(routes), limits.MetricsRoutes)
	}
}
