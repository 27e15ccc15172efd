package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/submission"
)

// dataPages are the Data pages, on internal/submission: the periods on
// file, one period with its history, the template, and submitting by file
// or web form through one preview and an explicit confirm (submit.go).
type dataPages struct {
	s       *server
	svc     *submission.Service
	pending *submission.Pending
	slots   chan struct{} // previews being parsed
	done    *confirmed    // previews already confirmed (confirmed.go)
}

// Previews wait at most this long for their confirm, and so many at once:
// each holds its upload (up to 20 MB) in memory, and the portal's memory
// limit is a few hundred MB; a county office has a handful of editors.
// At most previewSlots uploads are parsed at once, for the same reason.
const (
	pendingTTL   = 30 * time.Minute
	pendingMax   = 6
	previewSlots = 2
)

func newDataPages(s *server) *dataPages {
	return &dataPages{
		s: s,
		svc: submission.New(s.archive, submission.County{Code: s.cfg.CountyCode, Name: s.cfg.CountyName, NameEn: s.cfg.EnglishName,
			City: s.cfg.City, CityEn: s.cfg.CityEnglishName}).WithClock(s.now).WithZone(s.zone),
		pending: submission.NewPending(pendingTTL, pendingMax),
		slots:   make(chan struct{}, previewSlots),
		done:    newConfirmed(s.now),
	}
}

func (s *server) dataRoutes(in *gin.RouterGroup, edit gin.HandlerFunc) {
	d := s.data
	in.GET("/data", d.list)
	in.GET("/data/template", d.template)
	in.GET("/data/periods/:period", d.period)
	in.GET("/data/periods/:period/versions/:version", d.version)
	in.GET("/data/periods/:period/uploads/:id", d.upload)
	in.GET("/data/form", edit, d.formPage)
	in.POST("/data/form", edit, d.submitForm)
	in.POST("/data/upload", edit, d.submitFile)
	in.GET("/data/preview/:token", edit, d.previewPage)
	in.POST("/data/preview/:token", edit, d.confirm)
}

// periods lists the periods with a stored dataset, oldest first.
func (d *dataPages) periods(ctx context.Context) ([]string, error) { return d.s.archive.Datasets(ctx) }

// dataset reads and checks the stored dataset of period.
func (d *dataPages) dataset(ctx context.Context, period string) (*dataset.Dataset, error) {
	b, err := d.s.archive.GetDataset(ctx, period)
	if err != nil {
		return nil, err
	}
	return dataset.Parse(b, "data/"+period+"/dataset.json")
}

// duePeriod is the month whose data is due now: the previous month in the
// county's time zone.
func (d *dataPages) duePeriod() string {
	t := d.s.now().In(d.s.zone)
	return period.Of(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, d.s.zone).AddDate(0, -1, 0), d.s.zone).String()
}

// refuseFuture answers a template or form request for a month after the
// one in progress with the Data page and the reason, and reports whether
// it did.
func (d *dataPages) refuseFuture(c *gin.Context, period string) bool {
	pr := submission.CheckPreparable(period, d.s.now(), d.s.zone)
	if pr == nil {
		return false
	}
	d.s.auth.Record(c, "template", "refused", "period", period, "reason", "future")
	d.renderList(c, http.StatusBadRequest, problemText(*pr, requestLang(c.Request)), "") // the picker, to choose again
	return true
}

// currentMonth is the month in progress in the county's zone.
func (d *dataPages) currentMonth() period.Period { return period.Of(d.s.now(), d.s.zone) }

// periodParam reads and checks a YYYY-MM period.
func periodParam(s string) (string, bool) {
	if !dataset.ValidPeriod(s) {
		return "", false
	}
	return s, true
}

type periodRow struct {
	Period, State, StateClass, By, At, Report string
	UpToDate                                  bool
	HasReport                                 bool
	// Review is the city's review of the period (nil: no city).
	Review *reviewView
}

// list is the Data page with the period chosen in its one picker
// (?period=, typed as people write it), or the month under review.
func (d *dataPages) list(c *gin.Context) {
	q := c.Query("period")
	if q == "" {
		d.renderList(c, http.StatusOK, "", "")
		return
	}
	p, ok := readPeriod(q)
	if !ok {
		d.badPeriod(c, q)
		return
	}
	if pr := submission.CheckPreparable(p, d.s.now(), d.s.zone); pr != nil {
		d.renderList(c, http.StatusBadRequest, problemText(*pr, requestLang(c.Request)), "")
		return
	}
	d.renderList(c, http.StatusOK, "", p)
}

// badPeriod answers a month typed so that readPeriod cannot read it with
// the Data page again, saying how to write it beside the pickers.
func (d *dataPages) badPeriod(c *gin.Context, typed string) {
	lang := requestLang(c.Request)
	d.renderList(c, http.StatusBadRequest, tr(lang, "data.badperiod.typed", safeLogName(typed)), "")
}

// renderList writes the Data page with chosen in its period picker (""
// : the month under review, the last ended month).
func (d *dataPages) renderList(c *gin.Context, status int, periodErr, chosen string) {
	lang := requestLang(c.Request)
	due := d.duePeriod()
	if chosen == "" {
		chosen = due
	}
	states, err := d.svc.Overview(c.Request.Context(), []string{due})
	if err != nil {
		d.s.log.Error("data overview", "err", err)
		d.s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	rows := make([]periodRow, 0, len(states))
	for _, st := range states {
		r := periodRow{Period: st.Period, State: st.State.Label(lang), StateClass: string(st.State)}
		if e := st.Current; e != nil {
			r.At = d.s.fmtTime(e.At, lang)
			if e.Record != nil {
				r.By = e.Record.By
			} else {
				r.By = tr(lang, "data.outside")
			}
		}
		if st.Report != nil {
			r.HasReport, r.UpToDate = true, st.Report.UpToDate
			r.Report = d.s.fmtTime(st.Report.Time, lang)
		}
		rows = append(rows, r)
	}
	d.reviews(c.Request.Context(), rows, lang)
	d.s.render(c, status, "data", d.s.newPage(c, "data", tr(lang, "data.title"), gin.H{
		"Rows": rows, "Due": due, "Period": chosen, "Max": submission.MaxUploadBytes >> 20, "PeriodError": periodErr, "Review": d.s.reviewEnabled(),
		// The picker goes no later than the checks allow: templates and
		// forms up to the month in progress; data only for an ended month
		// (Open: the chosen month has not ended, no upload offered).
		"Current": d.currentMonth().String(), "Open": chosen > d.currentMonth().AddMonths(-1).String(),
	}))
}

func pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// template sends the county's Excel template for a period.
func (d *dataPages) template(c *gin.Context) {
	period, ok := readPeriod(c.Query("period"))
	if !ok {
		d.badPeriod(c, c.Query("period"))
		return
	}
	if d.refuseFuture(c, period) {
		return
	}
	b, err := d.svc.Template(c.Request.Context(), period)
	if err != nil {
		d.s.log.Error("template", "period", period, "err", err)
		d.s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	attachment(c, submission.TemplateName(d.s.cfg.CountyName, period), submission.TemplateNameASCII(d.s.cfg.CountyCode, period),
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// attachment sends data as a download. The name is given twice: plain
// ASCII, and in full as RFC 5987 UTF-8 (browsers take the second).
func attachment(c *gin.Context, name, ascii, ctype string, data []byte) {
	ascii = asciiName(ascii)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(storage.SanitizeFileName(name))))
	c.Header("Content-Length", strconv.Itoa(len(data)))
	c.Data(http.StatusOK, ctype, data)
}

var nonASCIIName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func asciiName(s string) string {
	s = strings.Trim(nonASCIIName.ReplaceAllString(s, "_"), "_")
	if s == "" {
		return "download"
	}
	return s
}

type indicatorRow struct {
	Name, Value, Unit, Change, Basis, Remarks string
	Key                                       bool
}

type historyRow struct {
	Version, At, By, Format, Upload, UploadHref, Explanation, Download, SHA256, Changes string
	Current                                                                             bool
	Warnings                                                                            []string
}

// period shows one period's stored dataset and every version of it.
func (d *dataPages) period(c *gin.Context) {
	lang := requestLang(c.Request)
	period, ok := periodParam(c.Param("period"))
	if !ok {
		d.s.fail(c, http.StatusNotFound, "")
		return
	}
	ctx := c.Request.Context()
	hist, err := d.svc.History(ctx, period)
	if err != nil {
		d.s.log.Error("history", "period", period, "err", err)
		d.s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	var ds *dataset.Dataset
	var dsErr string
	if len(hist) > 0 {
		if ds, err = d.dataset(ctx, period); err != nil {
			dsErr = err.Error()
			ds = nil
		}
	}
	data := gin.H{"Period": period, "History": d.historyRows(period, hist, lang), "Problem": dsErr, "Submitted": c.Query("submitted") != "",
		"Already": c.Query("already") != "", "CanGenerate": d.s.kube != nil && auth.CurrentAccount(c).CanEdit()}
	if rv := d.s.periodReview(ctx, period, lang); rv != nil {
		data["Review"] = rv
	}
	if ds != nil {
		ed := inLanguage(ds, lang)
		data["Title"] = ed.Meta.Title
		data["Indicators"] = indicatorRows(ds, lang)
		data["Sections"] = ed.Sections
	}
	d.s.render(c, http.StatusOK, "period", d.s.newPage(c, "data", tr(lang, "data.period.title", period), data))
}

// inLanguage is ds as the pages show it in lang: as entered in Chinese;
// in English the report's English edition of it (render.Edition), so that
// names, units, amounts and notes read as they do in the English PDF.
func inLanguage(ds *dataset.Dataset, lang string) *dataset.Dataset {
	if lang != "en" {
		return ds
	}
	return render.Edition(ds, lang)
}

// indicatorRows are ds's indicators in lang; the basis is read from the
// dataset as entered (BasisOf has its own English).
func indicatorRows(ds *dataset.Dataset, lang string) []indicatorRow {
	ed := inLanguage(ds, lang)
	rows := make([]indicatorRow, 0, len(ds.Indicators))
	for i := range ed.Indicators {
		in := &ed.Indicators[i]
		r := indicatorRow{Name: in.Name, Unit: in.Unit, Basis: ds.BasisOf(&ds.Indicators[i], lang), Key: in.Key, Remarks: in.Milestone}
		if in.Value != nil {
			r.Value = in.Value.String()
		}
		if in.Change != nil {
			r.Change = signed(in.Change) + "%"
		}
		sep := "；"
		if lang == "en" {
			sep = "; "
		}
		switch {
		case in.Estimated:
			r.Remarks = strings.TrimPrefix(r.Remarks+sep+tr(lang, "dash.estimated"), sep)
		case in.Preliminary:
			r.Remarks = strings.TrimPrefix(r.Remarks+sep+tr(lang, "dash.preliminary"), sep)
		}
		rows = append(rows, r)
	}
	return rows
}

func (d *dataPages) historyRows(period string, hist []submission.Entry, lang string) []historyRow {
	rows := make([]historyRow, 0, len(hist))
	for _, e := range hist {
		vid := e.VersionID
		if vid == "" {
			vid = "current"
		}
		r := historyRow{
			Version: shortID(e.VersionID), At: d.s.fmtTime(e.At, lang), Current: e.Current, SHA256: e.SHA256,
			Download: "/data/periods/" + period + "/versions/" + url.PathEscape(vid),
		}
		if rec := e.Record; rec != nil {
			r.By, r.Format, r.Upload, r.Explanation = rec.By, string(rec.Format), rec.Upload.Name, rec.Explanation
			r.UploadHref = "/data/periods/" + period + "/uploads/" + url.PathEscape(rec.ID)
			r.Changes = tr(lang, "data.counts", rec.Changes.Changed, rec.Changes.Added, rec.Changes.Removed)
			for _, w := range rec.Warnings {
				r.Warnings = append(r.Warnings, problemText(w.Problem, lang))
			}
		} else {
			r.By = tr(lang, "data.outside")
		}
		rows = append(rows, r)
	}
	return rows
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	if id == "" {
		return "—"
	}
	return id
}

func problemText(p submission.Problem, lang string) string {
	if lang == "en" {
		return p.En()
	}
	return p.Zh()
}

var versionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// version downloads one stored version of a period's dataset.
func (d *dataPages) version(c *gin.Context) {
	period, ok := periodParam(c.Param("period"))
	vid := c.Param("version")
	if !ok || !versionRE.MatchString(vid) {
		d.s.fail(c, http.StatusNotFound, "")
		return
	}
	if vid == "current" {
		vid = ""
	}
	b, err := d.svc.Version(c.Request.Context(), period, vid)
	if d.storageFailed(c, err) {
		return
	}
	name := fmt.Sprintf("%s-%s-dataset-%s.json", d.s.cfg.CountyCode, period, shortID(vid))
	attachment(c, name, name, "application/json", b)
}

// upload downloads the file a submission was made from, as it was sent.
func (d *dataPages) upload(c *gin.Context) {
	period, ok := periodParam(c.Param("period"))
	id := c.Param("id")
	if !ok || storage.CheckSubmissionID(id) != nil {
		d.s.fail(c, http.StatusNotFound, "")
		return
	}
	b, name, err := d.svc.UploadFile(c.Request.Context(), period, id)
	if d.storageFailed(c, err) {
		return
	}
	attachment(c, name, name, "application/octet-stream", b)
}

// storageFailed writes the page for err (404 for a missing object) and
// reports whether there was one.
func (d *dataPages) storageFailed(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalid):
		d.s.fail(c, http.StatusNotFound, "")
	default:
		d.s.log.Error("storage", "path", c.Request.URL.Path, "err", err)
		d.s.fail(c, http.StatusServiceUnavailable, "")
	}
	return true
}
