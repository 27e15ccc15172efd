package portal

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/storage"
)

// maxNotificationsShown bounds the page (the log itself keeps 500).
const maxNotificationsShown = 100

type notificationRow struct {
	Time, Subject, Channel, To, State, StateClass, Attempts, Error string
}

// notificationsPage lists what was sent to this tenant, from the outbox in
// its own bucket (notify/outbox/, written by the operator only): when, the
// subject as the recipient read it, the channel and the result.
// channels, on the city's portal, get a test button each (editors only).
func (s *site) notificationsPage(c *gin.Context, a *storage.Archive, zone *time.Location, channels []testChannel) {
	lang := requestLang(c.Request)
	recs, err := notify.Log(c.Request.Context(), a, maxNotificationsShown)
	problem := ""
	if err != nil {
		problem = tr(lang, "notify.unreadable")
	}
	rows := make([]notificationRow, 0, len(recs))
	anyDisabled := false
	for _, r := range recs {
		at := r.EnqueuedAt
		if !r.FinishedAt.IsZero() {
			at = r.FinishedAt
		}
		row := notificationRow{
			Time: at.In(zone).Format("2006-01-02 15:04"), Subject: r.Subject,
			Channel: tr(lang, "notify.type."+r.ChannelType) + " · " + r.Channel,
			To:      r.To, State: tr(lang, "notify.state."+r.State), StateClass: r.State,
		}
		if row.To == "" {
			row.To = tr(lang, "notify.group")
		}
		if r.Attempts > 1 {
			row.Attempts = tr(lang, "notify.attempts", r.Attempts)
		}
		if r.State != notify.StateDelivered {
			row.Error = r.LastError
		}
		anyDisabled = anyDisabled || r.State == notify.StateDisabled
		rows = append(rows, row)
	}
	s.render(c, http.StatusOK, "notifications", s.newPage(c, "notifications", tr(lang, "notify.title"), gin.H{
		"Rows": rows, "Problem": problem, "Disabled": anyDisabled,
		"Limit": len(rows) == maxNotificationsShown, "Max": maxNotificationsShown,
		"Channels": channels, "TestSent": c.Query("test") != "",
	}))
}

func (s *server) notifications(c *gin.Context) { s.notificationsPage(c, s.archive, s.zone, nil) }
