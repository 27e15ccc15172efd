package portal

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/submission"
)

// Submitting: a file (.xlsx, .json, .yaml) or the web form goes through
// submission.Preview (the same validation and the same dry run for all),
// the preview waits in Pending for this account's explicit confirm, and
// only Confirm stores anything.

// extraRows are the empty rows the web form offers for new indicators.
const extraRows = 3

func (d *dataPages) submitFile(c *gin.Context) {
	lang := requestLang(c.Request)
	period, ok := readPeriod(c.PostForm("period"))
	if err := c.Request.Context().Err(); err != nil {
		return
	}
	fh, err := c.FormFile("file")
	switch {
	case tooLarge(err) || (err == nil && fh.Size > submission.MaxUploadBytes):
		d.s.auth.Record(c, "upload", "refused", "reason", "too large")
		d.s.fail(c, http.StatusRequestEntityTooLarge, "")
		return
	case !ok:
		d.badPeriod(c, c.PostForm("period"))
		return
	case err != nil:
		d.s.fail(c, http.StatusBadRequest, tr(lang, "data.nofile"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		d.s.fail(c, http.StatusBadRequest, tr(lang, "data.nofile"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, submission.MaxUploadBytes+1))
	if err != nil {
		d.s.fail(c, http.StatusBadRequest, tr(lang, "data.nofile"))
		return
	}
	if len(data) > submission.MaxUploadBytes {
		d.s.fail(c, http.StatusRequestEntityTooLarge, "")
		return
	}
	up := submission.Upload{Name: fh.Filename, Data: data}
	// A workbook (or file) that names its period is submitted for that
	// period, whatever the page had chosen: the preview shows which.
	if named := submission.NamedPeriod(up); named != "" {
		period = named
	}
	d.preview(c, period, up, nil)
}

// preview runs the dry run; problems go back to the page they came from
// (the form, or the Data page for a file), a preview to its own page.
func (d *dataPages) preview(c *gin.Context, period string, up submission.Upload, form *formView) {
	lang := requestLang(c.Request)
	user := auth.CurrentAccount(c).Username
	select {
	case d.slots <- struct{}{}:
	case <-c.Request.Context().Done():
		return
	}
	p, err := d.svc.Preview(c.Request.Context(), period, up)
	<-d.slots
	if ps, ok := submission.AsProblems(err); ok {
		d.s.auth.Record(c, "preview", "refused", "period", period, "file", safeLogName(up.Name), "problems", len(ps))
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = problemText(p, lang)
		}
		if form != nil {
			form.locate(ps, lang)
			d.s.render(c, http.StatusUnprocessableEntity, "form", d.s.newPage(c, "data", tr(lang, "data.form.title", period), form))
			return
		}
		d.s.render(c, http.StatusUnprocessableEntity, "refused", d.s.newPage(c, "data", tr(lang, "data.refused.title"), gin.H{
			"Period": period, "Name": up.Name, "Problems": msgs, "Max": submission.MaxUploadBytes >> 20,
		}))
		return
	}
	if err != nil {
		d.s.log.Error("preview", "period", period, "err", err)
		d.s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	token := d.pending.Put(user, p)
	d.s.auth.Record(c, "preview", "success", "period", period, "file", safeLogName(p.Name), "format", string(p.Format), "warnings", len(p.Warnings))
	c.Redirect(http.StatusSeeOther, "/data/preview/"+token)
}

func isProblems(err error) bool {
	ps, ok := submission.AsProblems(err)
	return ok && len(ps) > 0
}

// safeLogName keeps a file name short for the audit line (slog escapes it).
func safeLogName(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80])
	}
	return s
}

type changeRow struct{ Name, Field, Old, New, Where string }

type previewView struct {
	Token, Period, Format, Name, Size, Previous, Error, Explanation string
	Unchanged, NeedsExplanation, FirstVersion                       bool
	Changed, Meta                                                   []changeRow
	Added, Removed                                                  []string
	Sections                                                        []string
	Projects, Photos                                                int
	Warnings                                                        []string
	Indicators                                                      []indicatorRow
	MaxExplanation                                                  int
}

func (d *dataPages) previewView(p *submission.Preview, token, lang string) *previewView {
	v := &previewView{
		Token: token, Period: p.Period, Format: string(p.Format), Name: p.Name, Size: humanBytes(int64(p.Size)),
		Previous: p.Previous, Unchanged: p.Unchanged, NeedsExplanation: p.NeedsExplanation(), FirstVersion: p.Stored == nil,
		Projects: p.Diff.Projects, Photos: p.Diff.Photos, Indicators: indicatorRows(p.Dataset, lang),
		MaxExplanation: submission.MaxExplanationRunes,
	}
	row := func(fc submission.FieldChange) changeRow {
		zh, en := p.Where(fc.Path)
		where := pick(lang, zh, en)
		if p.Format == submission.FormatForm {
			where = formWhere(fc.Path, lang)
		}
		return changeRow{Name: fc.Name, Field: fieldLabel(fc.Field, lang), Old: fc.Old, New: fc.New, Where: where}
	}
	for _, fc := range p.Diff.Changed {
		v.Changed = append(v.Changed, row(fc))
	}
	if p.Stored == nil { // everything is new: the lists below would only repeat the upload
		v.Added = []string{tr(lang, "data.diff.count", len(p.Diff.Added))}
		v.Warnings = warningTexts(p, lang)
		return v
	}
	for _, fc := range p.Diff.Meta {
		v.Meta = append(v.Meta, row(fc))
	}
	for _, a := range p.Diff.Added {
		v.Added = append(v.Added, a.Name)
	}
	for _, r := range p.Diff.Removed {
		v.Removed = append(v.Removed, r.Name)
	}
	for _, s := range p.Diff.Sections {
		v.Sections = append(v.Sections, tr(lang, "data.section."+s.Change, s.Title))
	}
	v.Warnings = warningTexts(p, lang)
	return v
}

func warningTexts(p *submission.Preview, lang string) []string {
	out := make([]string, 0, len(p.Warnings))
	for _, w := range p.Warnings {
		out = append(out, problemText(w.Problem, lang))
	}
	return out
}

// fieldLabel names an indicator or meta field in the page's language.
func fieldLabel(f, lang string) string {
	if s, ok := messages[lang]["field."+f]; ok {
		return s
	}
	return f
}

func (d *dataPages) previewPage(c *gin.Context) {
	lang := requestLang(c.Request)
	token := c.Param("token")
	p, ok := d.pending.Get(auth.CurrentAccount(c).Username, token)
	if !ok {
		d.gone(c, token)
		return
	}
	d.s.render(c, http.StatusOK, "preview", d.s.newPage(c, "data", tr(lang, "data.preview.title", p.Period), d.previewView(p, token, lang)))
}

func (d *dataPages) confirm(c *gin.Context) {
	lang := requestLang(c.Request)
	user := auth.CurrentAccount(c).Username
	token := c.Param("token")
	p, ok := d.pending.Get(user, token)
	if !ok {
		d.gone(c, token)
		return
	}
	explanation := c.PostForm("explanation")
	e, err := d.svc.Confirm(c.Request.Context(), p, submission.Confirmation{By: user, Explanation: explanation})
	var msg string
	switch {
	case err == nil:
		d.pending.Delete(token)
		d.done.add(user, token, p.Period)
		d.s.auth.Record(c, "submit", "success", "period", p.Period, "format", string(p.Format), "file", safeLogName(p.Name),
			"version", e.VersionID, "warnings", len(p.Warnings), "explained", strings.TrimSpace(explanation) != "")
		d.s.state.invalidate()
		c.Redirect(http.StatusSeeOther, "/data/periods/"+p.Period+"?submitted=1")
		return
	case errors.Is(err, submission.ErrExplanationRequired):
		msg = tr(lang, "data.err.explain")
	case errors.Is(err, submission.ErrUnchanged):
		msg = tr(lang, "data.err.unchanged")
	case errors.Is(err, submission.ErrStale):
		d.pending.Delete(token)
		msg = tr(lang, "data.err.stale")
	case errors.Is(err, submission.ErrInvalid):
		msg = tr(lang, "data.err.invalid")
	case isProblems(err): // the month has not ended (yet)
		ps, _ := submission.AsProblems(err)
		msg = problemText(ps[0], lang)
	default:
		d.s.log.Error("confirm", "period", p.Period, "err", err)
		d.s.auth.Record(c, "submit", "failure", "period", p.Period)
		d.s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	d.s.auth.Record(c, "submit", "refused", "period", p.Period, "reason", err.Error())
	v := d.previewView(p, token, lang)
	v.Error, v.Explanation = msg, explanation
	d.s.render(c, http.StatusUnprocessableEntity, "preview", d.s.newPage(c, "data", tr(lang, "data.preview.title", p.Period), v))
}

// gone answers a preview token that is no longer pending: one this account
// already confirmed goes to its period, which says it was submitted (the
// Back button and a second 确认提交 land here); any other is not found.
func (d *dataPages) gone(c *gin.Context, token string) {
	if period, ok := d.done.period(auth.CurrentAccount(c).Username, token); ok {
		c.Redirect(http.StatusSeeOther, "/data/periods/"+period+"?already=1")
		return
	}
	d.s.fail(c, http.StatusNotFound, "")
}

// ---- the web form ----

type formIndicator struct {
	ID, Name, NameEn, Value, Unit, Change, Basis string
	N                                            int
	Bad                                          map[string]bool // fields with a problem
}

// No is the row's number as the page counts, from 1.
func (f formIndicator) No() int { return f.N + 1 }

type formSection struct {
	Kind, Label, Title, Summary, Items string
	N                                  int
	Bad                                map[string]bool
}

// No is the section's number as the page counts, from 1.
func (f formSection) No() int { return f.N + 1 }

type formView struct {
	Period, Title string
	Indicators    []formIndicator
	Sections      []formSection
	Problems      []formProblem
	BadTitle      bool
	Kinds         []string
}

// base is what the form starts from: the period's stored dataset, else the
// latest earlier one (as the template does).
func (d *dataPages) base(c *gin.Context, period string) *dataset.Dataset {
	ctx := c.Request.Context()
	if ds, err := d.dataset(ctx, period); err == nil {
		return ds
	}
	periods, err := d.periods(ctx)
	if err != nil {
		return nil
	}
	for i := len(periods) - 1; i >= 0; i-- {
		if periods[i] < period {
			if ds, err := d.dataset(ctx, periods[i]); err == nil {
				return ds
			}
		}
	}
	return nil
}

func (d *dataPages) formPage(c *gin.Context) {
	lang := requestLang(c.Request)
	period, ok := readPeriod(c.Query("period"))
	if !ok {
		d.badPeriod(c, c.Query("period"))
		return
	}
	if d.refuseFuture(c, period) {
		return
	}
	v := newFormView(period, d.base(c, period))
	v.pad()
	d.s.render(c, http.StatusOK, "form", d.s.newPage(c, "data", tr(lang, "data.form.title", period), v))
}

// pad adds the empty rows for new indicators and one new section.
func (v *formView) pad() {
	for i := 0; i < extraRows; i++ {
		v.Indicators = append(v.Indicators, formIndicator{N: len(v.Indicators)})
	}
	v.Sections = append(v.Sections, formSection{N: len(v.Sections), Kind: dataset.KindNote})
	v.Kinds = []string{dataset.KindReview, dataset.KindPlan, dataset.KindNote}
}

// maxFormRows bounds the rows a posted form may claim.
const maxFormRows = 500

// readForm reads the posted form back into a formView (rows left empty dropped).
func readForm(c *gin.Context, period string) *formView {
	v := &formView{Period: period, Title: strings.TrimSpace(c.PostForm("title"))}
	count := func(name string) int {
		n, _ := strconv.Atoi(c.PostForm(name))
		return min(max(n, 0), maxFormRows)
	}
	f := func(prefix string, i int, field string) string {
		return strings.TrimSpace(c.PostForm(prefix + strconv.Itoa(i) + "." + field))
	}
	for i := 0; i < count("ind.count"); i++ {
		fi := formIndicator{ID: f("ind.", i, "id"), Name: f("ind.", i, "name"), NameEn: f("ind.", i, "nameEn"),
			Value: f("ind.", i, "value"), Unit: f("ind.", i, "unit"), Change: f("ind.", i, "change"), Basis: f("ind.", i, "basis")}
		if fi.ID == "" && fi.Name == "" && fi.NameEn == "" && fi.Value == "" && fi.Unit == "" && fi.Change == "" && fi.Basis == "" {
			continue
		}
		fi.N = len(v.Indicators)
		v.Indicators = append(v.Indicators, fi)
	}
	for i := 0; i < count("sec.count"); i++ {
		fs := formSection{Kind: f("sec.", i, "kind"), Label: f("sec.", i, "label"), Title: f("sec.", i, "title"),
			Summary: f("sec.", i, "summary"), Items: f("sec.", i, "items")}
		if fs.Label == "" && fs.Title == "" && fs.Summary == "" && fs.Items == "" {
			continue
		}
		fs.N = len(v.Sections)
		v.Sections = append(v.Sections, fs)
	}
	return v
}

func (d *dataPages) submitForm(c *gin.Context) {
	period, ok := readPeriod(c.PostForm("period"))
	if !ok {
		d.badPeriod(c, c.PostForm("period"))
		return
	}
	v := readForm(c, period)
	up, err := v.upload(d.base(c, period), d.s.cfg)
	if err != nil {
		d.s.log.Error("form dataset", "err", err)
		d.s.fail(c, http.StatusInternalServerError, "")
		return
	}
	v.pad()
	d.preview(c, period, up, v)
}
