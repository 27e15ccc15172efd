package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/report"
)

// runView is one ReportRun in the user's words: the page renders it, and
// run.js (a static script; the CSP forbids inline ones) polls the same
// fields as JSON every 2 s to update the page in place, until Done.
type runView struct {
	Name     string `json:"-"`
	Period   string `json:"-"`
	Heading  string `json:"heading"`  // 报告生成：2023年1月
	State    string `json:"state"`    // 状态：生成中
	Attempts string `json:"attempts"` // 尝试次数：1
	Message  string `json:"message"`
	Done     bool   `json:"done"`
	PDF      string `json:"pdf,omitempty"`
	PDFLabel string `json:"pdfLabel,omitempty"`
	Failure  string `json:"failure,omitempty"`
}

// getRun reads this county's ReportRun name; false when it answered the
// request itself (not found, another county's, storage down).
func (s *server) getRun(c *gin.Context) (*v1alpha1.ReportRun, bool) {
	if s.kube == nil {
		s.fail(c, http.StatusNotFound, "")
		return nil, false
	}
	var run v1alpha1.ReportRun
	err := s.kube.Get(c.Request.Context(), client.ObjectKey{Namespace: s.cfg.Namespace, Name: c.Param("name")}, &run)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && run.Spec.CountyReportName != s.cfg.CountyReport):
		s.fail(c, http.StatusNotFound, "")
		return nil, false
	case err != nil:
		s.log.Error("get ReportRun", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return nil, false
	}
	return &run, true
}

func (s *server) runView(run *v1alpha1.ReportRun, lang string) runView {
	v := runView{
		Name: run.Name, Period: run.Spec.Period,
		Heading:  tr(lang, "run.heading", monthWords(run.Spec.Period, lang)),
		State:    tr(lang, "run.state", tr(lang, "phase."+string(run.Status.Phase))),
		Attempts: tr(lang, "run.attempts", run.Status.Attempts),
		Message:  run.Status.Message,
		Done:     run.Status.Phase == v1alpha1.RunSucceeded || run.Status.Phase == v1alpha1.RunFailed,
	}
	switch run.Status.Phase {
	case v1alpha1.RunSucceeded:
		v.Message = ""
		v.PDF = "/reports/" + run.Spec.Period + "/" + report.PDFName
		v.PDFLabel = tr(lang, "dash.pdf", run.Spec.Period)
		s.state.invalidate()
	case v1alpha1.RunFailed:
		v.Message = ""
		v.Failure = tr(lang, "run.failed", run.Status.Message)
	}
	return v
}

// runPage shows one ReportRun, titled in words; run.js keeps it current.
func (s *server) runPage(c *gin.Context) {
	run, ok := s.getRun(c)
	if !ok {
		return
	}
	lang := requestLang(c.Request)
	v := s.runView(run, lang)
	s.render(c, http.StatusOK, "run", s.newPage(c, "reports", v.Heading, v))
}

// runStatus is the run page's state as JSON, for run.js.
func (s *server) runStatus(c *gin.Context) {
	run, ok := s.getRun(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, s.runView(run, requestLang(c.Request)))
}

// monthWords writes a period (2023-01) as words: 2023年1月, January 2023;
// anything else as it is.
func monthWords(p, lang string) string {
	if len(p) != 7 || p[4] != '-' || strings.Trim(p[:4]+p[5:], "0123456789") != "" {
		return p
	}
	y, err1 := strconv.Atoi(p[:4])
	m, err2 := strconv.Atoi(p[5:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return p
	}
	if lang == "en" {
		return fmt.Sprintf("%s %d", monthsEn[m-1], y)
	}
	return fmt.Sprintf("%d年%d月", y, m)
}

var monthsEn = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
