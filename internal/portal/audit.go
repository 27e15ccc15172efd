package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/audit"
	rlang "github.com/countyreport/countyreport/internal/render/lang"
)

// auditRow is one entry of the audit page in the page's language.
type auditRow struct {
	Time, Datetime, Who, Role, What string
	Failed                          bool
	Details                         []auditDetail
}

type auditDetail struct{ Label, Value string }

// auditDetailKeys are the details the page shows, in this order; the
// others stay in the stored entry and the server log.
var auditDetailKeys = []string{"account", "accountRole", "period", "county", "channel", "file", "format", "reason", "method", "path", "problems", "count"}

// auditPage lists the tenant's audit log (internal/audit), newest first,
// a page at a time: editors only (the routes say so). names turns a
// county code into its name (the city's verdicts), nil on a county portal.
func (s *site) auditPage(c *gin.Context, log *audit.Log, zone *time.Location, names func(code, lang string) string) {
	lang := requestLang(c.Request)
	from, err := audit.ParseCursor(c.Query("from"))
	if err != nil {
		s.fail(c, http.StatusBadRequest, tr(lang, "audit.err.cursor"))
		return
	}
	problem := ""
	page, err := log.Read(c.Request.Context(), from, 0)
	if err != nil {
		s.log.Warn("read the audit log", "err", err)
		problem = tr(lang, "audit.unreadable")
	}
	rows := make([]auditRow, 0, len(page.Entries))
	for _, e := range page.Entries {
		rows = append(rows, s.auditRow(e, lang, zone, names))
	}
	next := ""
	if page.Next != (audit.Cursor{}) {
		next = "/audit?from=" + page.Next.String()
	}
	s.render(c, http.StatusOK, "audit", s.newPage(c, "audit", tr(lang, "audit.title"), gin.H{
		"Rows": rows, "Problem": problem, "Next": next, "First": from.Period != "",
		"Unreadable": page.Unreadable, "Zone": zoneName(zone, lang),
	}))
}

func (s *site) auditRow(e audit.Entry, lang string, zone *time.Location, names func(code, lang string) string) auditRow {
	r := auditRow{Time: e.Time.In(zone).Format(tr(lang, "audit.time.format")), Datetime: e.Time.In(zone).Format(time.RFC3339), Who: e.User, Failed: audit.Failure(e)}
	switch {
	case r.Who == "" && e.IP == "": // the portal itself (an accounts file it read)
		r.Who = tr(lang, "audit.system")
	case r.Who == "":
		r.Who = tr(lang, "audit.nobody")
	}
	if e.Role != "" {
		prefix := "role."
		if s.city {
			prefix = "city.role."
		}
		r.Role = tr(lang, prefix+e.Role)
	}
	r.What = auditWhat(lang, e)
	for _, k := range auditDetailKeys {
		v, ok := e.Details[k]
		if !ok || v == "" || k == "method" && e.Event == "refused" { // an HTTP method there
			continue
		}
		r.Details = append(r.Details, auditDetail{Label: tr(lang, "audit.d."+k), Value: s.auditValue(lang, k, v, names)})
	}
	if e.IP != "" {
		r.Details = append(r.Details, auditDetail{Label: tr(lang, "audit.d.ip"), Value: e.IP})
	}
	return r
}

// auditWhat says what was done: audit.ev.<event>.<result>, else
// audit.ev.<event> with the result as stored.
func auditWhat(lang string, e audit.Entry) string {
	if s, ok := lookup(lang, "audit.ev."+e.Event+"."+e.Result); ok {
		if e.Event == "suppressed" {
			return tr(lang, "audit.ev."+e.Event+"."+e.Result, e.Details["count"])
		}
		return s
	}
	if s, ok := lookup(lang, "audit.ev."+e.Event); ok {
		return s + " (" + e.Result + ")"
	}
	return e.Event + " (" + e.Result + ")"
}

// auditValue shows a detail's value in words where the portal knows them.
func (s *site) auditValue(lang, key, v string, names func(code, lang string) string) string {
	switch key {
	case "accountRole":
		prefix := "role."
		if s.city {
			prefix = "city.role."
		}
		if w, ok := lookup(lang, prefix+v); ok {
			return w
		}
	case "county":
		if names != nil {
			if n := names(v, lang); n != "" {
				return n
			}
		}
	case "method":
		if w, ok := lookup(lang, "audit.method."+v); ok {
			return w
		}
	case "reason":
		return reasonWords(lang, v)
	}
	return v
}

// reasonPrefixes are the sign-in refusals of internal/portal/auth (their
// error text starts so), named in words.
var reasonPrefixes = []string{"login state missing", "ID token nonce", "none of the user's groups", "identity provider refused"}

// reasonWords says a stored reason in the page's language: the words the
// portal knows for it, the matching half of a "中文 / English" message,
// else the text as recorded.
func reasonWords(lang, v string) string {
	if w, ok := lookup(lang, "audit.reason."+v); ok {
		return w
	}
	for _, p := range reasonPrefixes {
		if strings.HasPrefix(v, p) {
			return tr(lang, "audit.reason."+p)
		}
	}
	if zh, en, ok := strings.Cut(v, " / "); ok && rlang.HasHan(zh) && !strings.Contains(en, "\n") {
		return pick(lang, zh, en)
	}
	return v
}

// lookup is tr without a fallback: whether key has words at all.
func lookup(lang, key string) (string, bool) {
	if s, ok := messages[lang][key]; ok {
		return s, true
	}
	s, ok := messages["zh-CN"][key]
	return s, ok
}

// zoneName is the time zone the page's times are in, as staff say it.
func zoneName(zone *time.Location, lang string) string {
	name := zone.String()
	if s, ok := lookup(lang, "audit.zone."+name); ok {
		return s
	}
	return strings.ReplaceAll(name, "_", " ")
}

// ChineseIn is "zh-CN" when an English page shows s holding Chinese (a
// name as the staff typed it), for its lang attribute (WCAG 3.1.2).
func (p *page) ChineseIn(s string) string {
	if p.Lang == "en" && rlang.HasHan(s) {
		return "zh-CN"
	}
	return ""
}

func (s *server) audit(c *gin.Context) { s.auditPage(c, s.auth.Trail, s.zone, nil) }

func (s *cityServer) audit(c *gin.Context) {
	s.auditPage(c, s.auth.Trail, s.zone, func(code, lang string) string {
		m, ok := s.cfg.member(code)
		if !ok {
			return ""
		}
		if lang == "en" && m.EnglishName != "" {
			return m.EnglishName
		}
		return m.Name
	})
}
