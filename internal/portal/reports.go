package portal

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/report"
)

type reportRow struct {
	Period, Size, Time, SHA256, PDF, Bundle string
	Pages                                   int
}

type runRow struct{ Name, Period, Reason, State, Created, Link string }

// maxRunsShown bounds the archive page's run list.
const maxRunsShown = 10

func (s *server) reports(c *gin.Context) {
	snap := s.state.get(c.Request.Context())
	lang := requestLang(c.Request)
	var rows []reportRow
	for i := len(snap.reports) - 1; i >= 0; i-- {
		r := snap.reports[i]
		row := reportRow{
			Period: r.Period, Pages: r.Pages, Size: humanBytes(r.Size), Time: s.fmtTime(r.Time, lang),
			PDF: "/reports/" + r.Period + "/" + report.PDFName, Bundle: "/reports/" + r.Period + "/" + report.BundleName,
		}
		if o, ok := r.Artifact(report.PDFName); ok {
			row.SHA256 = o.SHA256
		}
		rows = append(rows, row)
	}
	var runs []runRow
	for i := 0; i < len(snap.runs) && i < maxRunsShown; i++ {
		r := &snap.runs[i]
		runs = append(runs, runRow{
			Name: r.Name, Period: r.Spec.Period, Reason: tr(lang, "reason."+string(r.Spec.Reason)),
			State: tr(lang, "phase."+string(r.Status.Phase)), Created: s.fmtTime(r.CreationTimestamp.Time, lang), Link: "/runs/" + r.Name,
		})
	}
	periods := make([]string, 0, len(snap.periods))
	for i := len(snap.periods) - 1; i >= 0; i-- {
		periods = append(periods, snap.periods[i])
	}
	problem := ""
	if len(snap.problems) > 0 {
		problem = snap.problems[0]
	}
	s.render(c, http.StatusOK, "reports", s.newPage(c, "reports", tr(lang, "reports.title"), gin.H{
		"Reports": rows, "Runs": runs, "Periods": periods, "CanGenerate": s.kube != nil && len(periods) > 0, "Problem": problem,
		// The month under review when it has data (the one most likely
		// to be generated), else the newest: the list is newest first.
		"Due": s.data.duePeriod(),
	}))
}

// download streams one archived file through the portal (staff browsers
// usually cannot reach the storage endpoint), checked against the manifest
// as it goes.
func (s *server) download(c *gin.Context) {
	period, name := c.Param("period"), c.Param("file")
	if !dataset.ValidPeriod(period) || (name != report.PDFName && name != report.BundleName) {
		s.fail(c, http.StatusNotFound, "")
		return
	}
	s.sendArchived(c, s.archive, s.cfg.CountyCode, period, name)
}

// generate creates a ReportRun (reason Manual) for the chosen period and
// sends the browser to the run's page, which follows it to the result.
func (s *server) generate(c *gin.Context) {
	if s.kube == nil {
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	period := c.PostForm("period")
	if !dataset.ValidPeriod(period) {
		s.fail(c, http.StatusBadRequest, "period")
		return
	}
	// One at a time per portal: the check and the create below must not
	// interleave (20 posts in one second made 20 runs).
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if refused := s.manualRunsBusy(c, period); refused {
		return
	}
	run := &v1alpha1.ReportRun{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: s.cfg.CountyReport + "-" + period + "-manual-",
			Namespace:    s.cfg.Namespace,
			Labels: map[string]string{
				v1alpha1.LabelCountyReport: s.cfg.CountyReport,
				v1alpha1.LabelPeriod:       period,
			},
		},
		Spec: v1alpha1.ReportRunSpec{CountyReportName: s.cfg.CountyReport, Period: period, Reason: v1alpha1.RunManual},
	}
	if acct := currentUser(c); acct != "" {
		run.Annotations = map[string]string{annotationRequestedBy: acct}
	}
	if err := s.kube.Create(c.Request.Context(), run); err != nil {
		s.auth.Record(c, "generate", "failure", "period", period, "err", err.Error())
		s.log.Error("create ReportRun", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	s.auth.Record(c, "generate", "success", "period", period, "reportRun", run.Name)
	s.state.invalidate()
	c.Redirect(http.StatusSeeOther, "/runs/"+run.Name)
}

// manualRunsBusy refuses (and reports true) a "generate now" while a
// manual run of the same period is waiting or running, or while the county
// has limits.ManualRunsPerCounty of them: a county cannot queue unbounded
// runs on the shared executor.
func (s *server) manualRunsBusy(c *gin.Context, period string) bool {
	lang := requestLang(c.Request)
	var list v1alpha1.ReportRunList
	if err := s.kube.List(c.Request.Context(), &list, client.InNamespace(s.cfg.Namespace),
		client.MatchingLabels{v1alpha1.LabelCountyReport: s.cfg.CountyReport}); err != nil {
		s.log.Error("list ReportRuns", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return true
	}
	active := 0
	for _, r := range list.Items {
		if r.Spec.CountyReportName != s.cfg.CountyReport || r.Spec.Reason != v1alpha1.RunManual ||
			r.Status.Phase == v1alpha1.RunSucceeded || r.Status.Phase == v1alpha1.RunFailed {
			continue
		}
		if r.Spec.Period == period {
			s.auth.Record(c, "generate", "refused", "period", period, "running", r.Name)
			s.refuse(c, http.StatusConflict, tr(lang, "gen.same", period, r.Name), "/runs/"+r.Name)
			return true
		}
		active++
	}
	if active >= limits.ManualRunsPerCounty {
		s.auth.Record(c, "generate", "refused", "period", period, "active", active)
		s.refuse(c, http.StatusTooManyRequests, tr(lang, "gen.busy", active, limits.ManualRunsPerCounty), "/reports")
		return true
	}
	return false
}

// refuse shows why a request was refused, with a link back.
func (s *site) refuse(c *gin.Context, code int, msg, back string) {
	lang := requestLang(c.Request)
	s.render(c, code, "error", s.newPage(c, "", tr(lang, "err.title"), gin.H{
		"Message": msg, "Back": back, "BackLabel": tr(lang, "err.back"),
	}))
	c.Abort()
}

// annotationRequestedBy on a ReportRun names the portal account that asked for it.
const annotationRequestedBy = "reporting.countyreport.io/requested-by"

func currentUser(c *gin.Context) string {
	if a := auth.CurrentAccount(c); a != nil {
		return a.Username
	}
	return ""
}

// humanBytes writes n as KB/MB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
