package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
)

// reports lists the city's own archive: its monthly comparison reports.
func (s *cityServer) reports(c *gin.Context) {
	lang := requestLang(c.Request)
	list, err := s.archive.List(c.Request.Context())
	problem := ""
	if err != nil {
		s.log.Warn("list the city's archive", "err", err)
		problem = tr(lang, "board.err.store")
	}
	var rows []reportRow
	for i := len(list) - 1; i >= 0; i-- {
		r := list[i]
		row := reportRow{Period: r.Period, Pages: r.Pages, Size: humanBytes(r.Size), Time: s.fmtTime(r.Time, lang),
			PDF: "/reports/" + r.Period + "/" + report.PDFName}
		if o, ok := r.Artifact(report.PDFName); ok {
			row.SHA256 = o.SHA256
		}
		rows = append(rows, row)
	}
	s.render(c, http.StatusOK, "city_reports", s.newPage(c, "reports", tr(lang, "creports.title"), gin.H{
		"Reports": rows, "Problem": problem,
	}))
}

// download streams the city's report PDF of a period, checked against its
// manifest as it goes.
func (s *cityServer) download(c *gin.Context) {
	period, name := c.Param("period"), c.Param("file")
	if !dataset.ValidPeriod(period) || name != report.PDFName {
		s.fail(c, http.StatusNotFound, "")
		return
	}
	s.sendArchived(c, s.archive, s.cfg.CityCode, period, name)
}
