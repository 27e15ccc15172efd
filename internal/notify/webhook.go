package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// webhook is a generic webhook signed by the Standard Webhooks
// specification (standardwebhooks.com, v1): headers webhook-id (the same on
// every retry of one message), webhook-timestamp (unix seconds) and
// webhook-signature, "v1,<base64 HMAC-SHA256 of id.timestamp.body>" under
// each whsec_ secret, space-separated, so a receiver rotating its secret
// accepts either. 2xx delivered, 410 disables, 429/5xx retried with
// Retry-After honoured.
type webhook struct {
	s    Settings
	c    *http.Client
	keys [][]byte
}

// PayloadVersion is the version of the webhook body's schema (Payload).
const PayloadVersion = "1"

// Payload is the JSON body of a webhook, documented in docs/notifications.md.
type Payload struct {
	// Type is "countyreport.<event kind>" (countyreport.returned, …).
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Version   string      `json:"version"`
	Data      PayloadData `json:"data"`
}

// PayloadData is what happened, and the message as rendered for people.
type PayloadData struct {
	Tenant       string    `json:"tenant"`
	TenantName   string    `json:"tenantName"`
	TenantNameEn string    `json:"tenantNameEn,omitempty"`
	County       string    `json:"county,omitempty"`
	Period       string    `json:"period,omitempty"`
	Comment      string    `json:"comment,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Due          time.Time `json:"due,omitzero"`
	Link         string    `json:"link,omitempty"`
	Lang         string    `json:"lang"`
	Subject      string    `json:"subject"`
	Text         string    `json:"text"`
}

func newWebhook(s Settings, c *http.Client) (Channel, error) {
	if s.BaseURL == "" {
		return nil, &FieldError{"url", "missing: the webhook's https address"}
	}
	if len(s.Secrets) == 0 {
		return nil, &FieldError{"secret", "missing from the Secret: a whsec_ secret"}
	}
	w := &webhook{s: s, c: c}
	for i, sec := range s.Secrets {
		k, err := webhookKey(sec)
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("secret[%d]", i), err.Error()}
		}
		w.keys = append(w.keys, k)
	}
	return w, nil
}

// webhookKey decodes "whsec_<base64>" into the HMAC key (24 to 64 bytes,
// as the specification recommends).
func webhookKey(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), "whsec_")
	if !ok {
		return nil, fmt.Errorf("a webhook secret starts with whsec_")
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) < 24 || len(k) > 64 {
		return nil, fmt.Errorf("whsec_ is followed by the base64 of 24 to 64 random bytes")
	}
	return k, nil
}

func (w *webhook) Type() string { return TypeWebhook }

func (w *webhook) Send(ctx context.Context, m Message) error {
	e := m.Event
	body, err := json.Marshal(Payload{Type: "countyreport." + string(e.Kind), Timestamp: e.At.UTC(),
		Version: PayloadVersion, Data: PayloadData{Tenant: e.Tenant, TenantName: e.TenantName,
			TenantNameEn: e.TenantNameEn, County: e.County, Period: e.Period, Comment: e.Comment,
			Reason: e.Reason, Due: e.Due, Link: e.Link, Lang: m.Lang, Subject: m.Subject, Text: m.Text}})
	if err != nil {
		return &Error{Permanent: true, Msg: err.Error()}
	}
	now := w.s.Clock()
	ts := strconv.FormatInt(now.Unix(), 10)
	sigs := make([]string, len(w.keys))
	for i, k := range w.keys {
		sigs[i] = "v1," + webhookSign(k, m.ID, ts, body)
	}
	h := http.Header{}
	h.Set("webhook-id", m.ID)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", strings.Join(sigs, " "))
	_, err = postJSON(ctx, w.c, w.s.BaseURL, body, h, now)
	return err
}

func webhookSign(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
