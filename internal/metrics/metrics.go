// Package metrics holds the operator's own Prometheus metrics about report
// runs, registered on controller-runtime's registry so the manager's metrics
// endpoint serves them beside controller-runtime's.
//
// An alert for a county without a report by the 2nd of the month:
//
//	time() - countyreport_last_successful_report_timestamp_seconds > 32 * 86400
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// Runs counts finished ReportRuns by county code and result (Succeeded, Failed).
	Runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "countyreport_report_runs_total",
		Help: "Finished ReportRuns by county code and result.",
	}, []string{"county", "result"})

	// RunDuration is the time from a run's first attempt to its end.
	RunDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "countyreport_report_run_duration_seconds",
		Help:    "Time from a ReportRun's first attempt to its completion, by result.",
		Buckets: []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200},
	}, []string{"result"})

	// LastSuccess is when each county last published a report (unix seconds).
	LastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "countyreport_last_successful_report_timestamp_seconds",
		Help: "When the county's newest report was published, in unix seconds.",
	}, []string{"county"})

	// Pages counts PDF pages published, by county.
	Pages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "countyreport_published_pages_total",
		Help: "PDF pages published, by county code.",
	}, []string{"county"})

	// Bytes counts bytes published (PDF, bundle and manifest), by county.
	Bytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "countyreport_published_bytes_total",
		Help: "Bytes published (report.pdf, bundle.zip, manifest.json), by county code.",
	}, []string{"county"})

	// CitySubmissions is, per city code, how many member counties' latest
	// period is in each review state (internal/review). An alert on
	// state="overdue" fires for counties past the deadline with nothing sent.
	CitySubmissions = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "countyreport_city_submissions",
		Help: "Member counties of a city by the review state of their latest period's submission.",
	}, []string{"city", "state"})

	// Notifications counts notification attempts by channel type (mail,
	// wecom, dingtalk, feishu, webhook), event and result (delivered, retry,
	// failed, disabled). The chart alerts on failed and disabled.
	Notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "countyreport_notifications_total",
		Help: "Notification attempts by channel type, event and result (delivered, retry, failed, disabled).",
	}, []string{"channel", "event", "result"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(Runs, RunDuration, LastSuccess, Pages, Bytes, CitySubmissions, Notifications)
}

// RunFinished records one finished run. For a success, pages and bytes are
// what was published and at is when; failures pass zeros.
func RunFinished(county, result string, d time.Duration, pages int, bytes int64, at time.Time) {
	Runs.WithLabelValues(county, result).Inc()
	RunDuration.WithLabelValues(result).Observe(d.Seconds())
	if result != "Succeeded" {
		return
	}
	Pages.WithLabelValues(county).Add(float64(pages))
	Bytes.WithLabelValues(county).Add(float64(bytes))
	if g := LastSuccess.WithLabelValues(county); !at.IsZero() {
		g.Set(float64(at.Unix()))
	}
}
