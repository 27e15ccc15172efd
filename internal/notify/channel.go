package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Channel types, as written in a route's spec.
const (
	TypeMail     = "mail"
	TypeWeCom    = "wecom"
	TypeDingTalk = "dingtalk"
	TypeFeishu   = "feishu"
	TypeWebhook  = "webhook"
)

// Channel sends one message. A nil error means the vendor accepted it.
type Channel interface {
	Type() string
	Send(ctx context.Context, m Message) error
}

// Error is a failed send, classified for the outbox.
type Error struct {
	// Disable: the vendor says the key or address is bad (410, an invalid
	// token): retrying cannot help, the channel is disabled with a condition.
	Disable bool
	// Permanent: this message can never be delivered (refused as malformed);
	// the channel stays enabled.
	Permanent bool
	// RetryAfter is the vendor's wait (Retry-After, a rate-limit code); 0: back off.
	RetryAfter time.Duration
	Msg        string
}

func (e *Error) Error() string { return e.Msg }

// Classify returns the *Error in err's chain, or a retryable one.
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Msg: err.Error()}
}

// maxResponse bounds what is read of a vendor's answer.
const maxResponse = 64 << 10

// postJSON sends body to url and returns the status and the (bounded)
// answer; HTTP-level failures are classified here, vendor codes by the caller.
func postJSON(ctx context.Context, c *http.Client, url string, body []byte, header http.Header, now time.Time) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Disable: true, Msg: "bad address: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		var blocked *BlockedError
		if errors.As(err, &blocked) {
			return nil, &Error{Disable: true, Msg: blocked.Error()}
		}
		return nil, &Error{Msg: err.Error()}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return answer, httpError(resp, answer, now)
}

// httpError classifies an HTTP answer: 2xx is delivered; 410 disables (the
// Standard Webhooks rule, and what a robot's removed address answers); 429
// and 5xx are retried, honouring Retry-After; other 4xx are permanent.
func httpError(resp *http.Response, answer []byte, now time.Time) error {
	code := resp.StatusCode
	msg := fmt.Sprintf("HTTP %d: %s", code, truncate(string(answer), 200))
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusGone:
		return &Error{Disable: true, Msg: msg}
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusNotFound:
		return &Error{Disable: true, Msg: msg}
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return &Error{RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now), Msg: msg}
	default:
		return &Error{Permanent: true, Msg: msg}
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date; bounded to a day.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 24*time.Hour)
}

// robotAnswer is the {"errcode":0,"errmsg":"ok"} answer of WeCom and DingTalk.
type robotAnswer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func decodeRobot(answer []byte) (robotAnswer, error) {
	var a robotAnswer
	if err := json.Unmarshal(answer, &a); err != nil || a.ErrCode == nil {
		return a, &Error{Msg: "unreadable answer: " + truncate(string(answer), 200)}
	}
	return a, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// truncateBytes shortens a robot's text to a vendor's byte limit on a rune boundary.
func truncateBytes(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return truncate(s, limit-len("…"))
}
