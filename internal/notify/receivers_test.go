package notify

// Receivers that stand in for each vendor on loopback. Each checks the
// request the way the vendor documents it, with its own implementation of
// the signature written from the documentation: none of them calls the
// package's signing code, so a wrong signer fails here.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is one request a receiver accepted, decoded.
type received struct {
	Header http.Header
	Query  map[string][]string
	Body   map[string]any
	Raw    []byte
}

// receiver answers each request with the next scripted reply (the last one
// repeats) after verifying it with check; a failed check answers 400 and is
// recorded as a test error.
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	replies []reply
	calls   int
	check   func(r *http.Request, raw []byte) error
}

type reply struct {
	status int
	header map[string]string
	body   string
}

func newReceiver(t *testing.T, check func(*http.Request, []byte) error, replies ...reply) *receiver {
	t.Helper()
	rc := &receiver{t: t, check: check, replies: replies}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := rc.check(r, raw); err != nil {
		rc.t.Errorf("receiver refused the request: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	rc.got = append(rc.got, received{Header: r.Header.Clone(), Query: r.URL.Query(), Body: body, Raw: raw})
	rp := rc.replies[min(rc.calls, len(rc.replies)-1)]
	rc.calls++
	rc.mu.Unlock()
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// fixedNow is the instant every test's clock reads.
var fixedNow = time.Date(2023, 2, 3, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// --- WeCom: POST /cgi-bin/webhook/send?key=KEY, {"msgtype":"markdown",...}

func wecomCheck(key string) func(*http.Request, []byte) error {
	return func(r *http.Request, raw []byte) error {
		if r.Method != http.MethodPost || r.URL.Path != "/cgi-bin/webhook/send" {
			return fmt.Errorf("%s %s", r.Method, r.URL.Path)
		}
		if r.URL.Query().Get("key") != key {
			return fmt.Errorf("key %q", r.URL.Query().Get("key"))
		}
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.MsgType != "markdown" || m.Markdown.Content == "" {
			return fmt.Errorf("not a markdown message: %s", raw)
		}
		if len(m.Markdown.Content) > 4096 {
			return fmt.Errorf("markdown is %d bytes, over 4096", len(m.Markdown.Content))
		}
		return nil
	}
}

// --- DingTalk: sign = urlencode(base64(HMAC-SHA256(secret, ts+"\n"+secret)))

func dingtalkCheck(token, secret string, now time.Time) func(*http.Request, []byte) error {
	return func(r *http.Request, raw []byte) error {
		q := r.URL.Query()
		if r.URL.Path != "/robot/send" || q.Get("access_token") != token {
			return fmt.Errorf("path %s token %q", r.URL.Path, q.Get("access_token"))
		}
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return fmt.Errorf("timestamp %q", ts)
		}
		if d := now.UnixMilli() - ms; d > 3600_000 || d < -3600_000 {
			return fmt.Errorf("timestamp %d more than an hour from now", ms)
		}
		// The raw query must carry the base64 URL-encoded ('+' '/' '=' escaped).
		if strings.ContainsAny(rawParam(r.URL.RawQuery, "sign"), "+/=") {
			return fmt.Errorf("sign is not URL-encoded: %s", r.URL.RawQuery)
		}
		h := hmac.New(sha256.New, []byte(secret))
		io.WriteString(h, ts+"\n"+secret)
		want := base64.StdEncoding.EncodeToString(h.Sum(nil))
		if !hmac.Equal([]byte(q.Get("sign")), []byte(want)) {
			return fmt.Errorf("sign %q, documented algorithm gives %q", q.Get("sign"), want)
		}
		var m struct {
			MsgType  string            `json:"msgtype"`
			Markdown map[string]string `json:"markdown"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.MsgType != "markdown" || m.Markdown["title"] == "" || m.Markdown["text"] == "" {
			return fmt.Errorf("not a markdown message with title and text: %s", raw)
		}
		return nil
	}
}

func rawParam(rawQuery, name string) string {
	for _, kv := range strings.Split(rawQuery, "&") {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// --- Feishu: body {"timestamp","sign"}, sign = base64(HMAC-SHA256(key=ts+"\n"+secret, msg=""))

func feishuCheck(token, secret string, now time.Time) func(*http.Request, []byte) error {
	return func(r *http.Request, raw []byte) error {
		if r.URL.Path != "/open-apis/bot/v2/hook/"+token {
			return fmt.Errorf("path %s", r.URL.Path)
		}
		if len(raw) > 20<<10 {
			return fmt.Errorf("body %d bytes, over 20 KB", len(raw))
		}
		var m struct {
			Timestamp string            `json:"timestamp"`
			Sign      string            `json:"sign"`
			MsgType   string            `json:"msg_type"`
			Content   map[string]string `json:"content"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		s, err := strconv.ParseInt(m.Timestamp, 10, 64)
		if err != nil || s < now.Unix()-3600 || s > now.Unix()+3600 {
			return fmt.Errorf("timestamp %q", m.Timestamp)
		}
		h := hmac.New(sha256.New, []byte(m.Timestamp+"\n"+secret)) // the key, over an empty message
		want := base64.StdEncoding.EncodeToString(h.Sum(nil))
		if !hmac.Equal([]byte(m.Sign), []byte(want)) {
			return fmt.Errorf("sign %q, documented algorithm gives %q", m.Sign, want)
		}
		if m.MsgType != "text" || m.Content["text"] == "" {
			return fmt.Errorf("not a text message: %s", raw)
		}
		return nil
	}
}

// --- Standard Webhooks v1: verify as the specification's receivers do.

func standardWebhookCheck(secret string, now time.Time) func(*http.Request, []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	return func(r *http.Request, raw []byte) error {
		if err != nil {
			return err
		}
		id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
		if id == "" || ts == "" || sigs == "" {
			return fmt.Errorf("missing webhook-* headers: %v", r.Header)
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || sec < now.Unix()-300 || sec > now.Unix()+300 {
			return fmt.Errorf("webhook-timestamp %q outside the 5-minute tolerance", ts)
		}
		h := hmac.New(sha256.New, key)
		h.Write([]byte(id + "." + ts + "." + string(raw)))
		want := h.Sum(nil)
		for _, vs := range strings.Split(sigs, " ") {
			version, sig, ok := strings.Cut(vs, ",")
			got, derr := base64.StdEncoding.DecodeString(sig)
			if ok && version == "v1" && derr == nil && hmac.Equal(got, want) {
				return nil
			}
		}
		return fmt.Errorf("no signature in %q verifies", sigs)
	}
}
