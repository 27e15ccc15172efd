package portal

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/storage"
)

// testChannel is a channel with its test button.
type testChannel struct {
	Name, Label string
}

// testChannels are the city's channels as the notifications page shows them.
func (s *cityServer) testChannels(lang string) []testChannel {
	out := make([]testChannel, 0, len(s.cfg.NotifyChannels))
	for _, ch := range s.cfg.NotifyChannels {
		out = append(out, testChannel{Name: ch.Name, Label: tr(lang, "notify.type."+ch.Type) + " · " + ch.Name})
	}
	return out
}

func (s *cityServer) notifications(c *gin.Context) {
	s.notificationsPage(c, s.archive, s.zone, s.testChannels(requestLang(c.Request)))
}

// testNotification asks for a test message through one of the city's
// channels (editors only; CSRF-checked with every POST by protect). The
// portal cannot write the outbox: it stores a request in the city's
// bucket, which the notifier sends through the outbox on its next pass,
// so the result shows in the log on this page.
func (s *cityServer) testNotification(c *gin.Context) {
	name := c.PostForm("channel")
	known := false
	for _, ch := range s.cfg.NotifyChannels {
		known = known || ch.Name == name
	}
	if !known {
		s.fail(c, http.StatusBadRequest, tr(requestLang(c.Request), "notify.test.unknown"))
		return
	}
	at := s.now().UTC()
	req := notify.TestRequest{Channel: name, By: auth.CurrentAccount(c).Username, At: at}
	data, err := json.Marshal(req)
	if err == nil {
		err = s.archive.PutNotifyTest(c.Request.Context(), notify.TestRequestID(name, at), data)
	}
	if err != nil && !errors.Is(err, storage.ErrConflict) { // the same second: one request
		s.log.Error("store notification test request", "channel", name, "err", err)
		s.fail(c, http.StatusServiceUnavailable, "")
		return
	}
	s.auth.Record(c, "notify-test", "requested", "channel", name)
	c.Redirect(http.StatusSeeOther, "/notifications?test=1")
}
