package notify

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sample is a made-up event for tests (the comment is invented, not a real review).
func sample(kind EventKind) Event {
	return Event{Kind: kind, Tenant: "430422", TenantName: "衡南县", TenantNameEn: "Hengnan County",
		Period: "2023-01", Ref: "20230203T093000Z", Comment: "一般公共预算收入与上月口径不一致，请核实 [测试](http://x)",
		Due: time.Date(2023, 2, 6, 0, 0, 0, 0, fixedNow.Location()), Link: "https://hengnan.example.org/data/periods/2023-01", At: fixedNow}
}

func rendered(t *testing.T, kind EventKind, lang string) Message {
	t.Helper()
	m, err := Render(sample(kind), lang, sample(kind).Key()+".test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func clock() time.Time { return fixedNow }

var loopback = TargetPolicy{AllowPrivate: true}

const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestChannelsSignAsDocumented(t *testing.T) {
	rotated := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a second, rotated-in secret of 40 bytes!"))
	ok := reply{status: 200, body: `{"errcode":0,"errmsg":"ok"}`}
	tests := map[string]struct {
		check    func(*http.Request, []byte) error
		reply    reply
		settings Settings
	}{
		"wecom": {wecomCheck("wk-1"), ok, Settings{Type: TypeWeCom, Key: "wk-1"}},
		"dingtalk": {dingtalkCheck("dt-token", "SECd1ng+/=", fixedNow), ok,
			Settings{Type: TypeDingTalk, Key: "dt-token", Secret: "SECd1ng+/="}},
		"feishu": {feishuCheck("fs-token", "fs-secret", fixedNow), reply{status: 200, body: `{"code":0,"msg":"success","data":{}}`},
			Settings{Type: TypeFeishu, Key: "fs-token", Secret: "fs-secret"}},
		"webhook": {standardWebhookCheck(testWebhookSecret, fixedNow), reply{status: 204},
			Settings{Type: TypeWebhook, Secrets: []string{testWebhookSecret}}},
		"webhook, during rotation the receiver's old secret still verifies": {standardWebhookCheck(testWebhookSecret, fixedNow), reply{status: 204},
			Settings{Type: TypeWebhook, Secrets: []string{rotated, testWebhookSecret}}},
		"webhook, during rotation the receiver's new secret verifies": {standardWebhookCheck(rotated, fixedNow), reply{status: 204},
			Settings{Type: TypeWebhook, Secrets: []string{rotated, testWebhookSecret}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, tc.check, tc.reply)
			s := tc.settings
			s.BaseURL, s.Policy, s.Clock = rc.srv.URL, loopback, clock
			if s.Type == TypeWebhook {
				s.BaseURL += "/hooks/countyreport"
			}
			ch, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			m := rendered(t, EventReturned, "zh-CN")
			if err := ch.Send(context.Background(), m); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := rc.received()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(got))
			}
			if !strings.Contains(string(got[0].Raw), "衡南县") {
				t.Errorf("body lacks the county's name: %s", got[0].Raw)
			}
			if s.Type == TypeWebhook && got[0].Header.Get("webhook-id") != m.ID {
				t.Errorf("webhook-id %q, want the message's key %q", got[0].Header.Get("webhook-id"), m.ID)
			}
		})
	}
}

// TestWebhookPayloadSchema pins the documented body (docs/notifications.md).
func TestWebhookPayloadSchema(t *testing.T) {
	rc := newReceiver(t, standardWebhookCheck(testWebhookSecret, fixedNow), reply{status: 200})
	ch, err := New(Settings{Type: TypeWebhook, BaseURL: rc.srv.URL, Secrets: []string{testWebhookSecret}, Policy: loopback, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(context.Background(), rendered(t, EventReturned, "en")); err != nil {
		t.Fatal(err)
	}
	b := rc.received()[0].Body
	data, _ := b["data"].(map[string]any)
	want := map[string]any{"type": "countyreport.returned", "version": "1", "timestamp": "2023-02-03T01:30:00Z"}
	for k, v := range want {
		if b[k] != v {
			t.Errorf("%s = %v, want %v", k, b[k], v)
		}
	}
	for k, v := range map[string]string{"tenant": "430422", "period": "2023-01", "lang": "en",
		"subject": "Returned: Hengnan County's figures for 2023-01"} {
		if data[k] != v {
			t.Errorf("data.%s = %v, want %v", k, data[k], v)
		}
	}
}

// TestVendorAnswersClassified: each vendor's documented failure answers.
func TestVendorAnswersClassified(t *testing.T) {
	type want struct {
		disable, permanent bool
		retryAfter         time.Duration
	}
	accept := func(*http.Request, []byte) error { return nil }
	tests := map[string]struct {
		typ   string
		reply reply
		want  want
	}{
		"webhook 410 disables":                   {TypeWebhook, reply{status: 410}, want{disable: true}},
		"webhook 429 honours Retry-After":        {TypeWebhook, reply{status: 429, header: map[string]string{"Retry-After": "120"}}, want{retryAfter: 2 * time.Minute}},
		"webhook 503 with an HTTP date":          {TypeWebhook, reply{status: 503, header: map[string]string{"Retry-After": "Fri, 03 Feb 2023 01:31:00 GMT"}}, want{retryAfter: time.Minute}},
		"webhook 500 backs off":                  {TypeWebhook, reply{status: 500}, want{}},
		"webhook 400 is permanent":               {TypeWebhook, reply{status: 400}, want{permanent: true}},
		"webhook redirect is not followed":       {TypeWebhook, reply{status: 302, header: map[string]string{"Location": "http://169.254.169.254/"}}, want{permanent: true}},
		"wecom 93000 invalid webhook disables":   {TypeWeCom, reply{status: 200, body: `{"errcode":93000,"errmsg":"invalid webhook url"}`}, want{disable: true}},
		"wecom 45009 too often waits a minute":   {TypeWeCom, reply{status: 200, body: `{"errcode":45009,"errmsg":"api freq out of limit"}`}, want{retryAfter: time.Minute}},
		"dingtalk 310000 sign mismatch disables": {TypeDingTalk, reply{status: 200, body: `{"errcode":310000,"errmsg":"sign not match"}`}, want{disable: true}},
		"dingtalk 300001 bad token disables":     {TypeDingTalk, reply{status: 200, body: `{"errcode":300001,"errmsg":"token is not exist"}`}, want{disable: true}},
		"dingtalk 130101 throttled ten minutes":  {TypeDingTalk, reply{status: 200, body: `{"errcode":130101,"errmsg":"send too fast"}`}, want{retryAfter: 10 * time.Minute}},
		"feishu 19021 sign mismatch disables":    {TypeFeishu, reply{status: 200, body: `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`}, want{disable: true}},
		"feishu 9499 too many requests":          {TypeFeishu, reply{status: 200, body: `{"code":9499,"msg":"Too Many Request"}`}, want{retryAfter: time.Minute}},
		"feishu unreadable answer is retried":    {TypeFeishu, reply{status: 200, body: `<html>`}, want{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, accept, tc.reply)
			ch, err := New(Settings{Type: tc.typ, BaseURL: rc.srv.URL, Key: "k", Secret: "s",
				Secrets: []string{testWebhookSecret}, Policy: loopback, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			err = ch.Send(context.Background(), rendered(t, EventPublished, "zh-CN"))
			if err == nil {
				t.Fatal("send succeeded, want a failure")
			}
			e := Classify(err)
			if got := (want{e.Disable, e.Permanent, e.RetryAfter}); got != tc.want {
				t.Errorf("classified %+v, want %+v (%v)", got, tc.want, err)
			}
		})
	}
}

// TestTargetsRefused: without AllowPrivate a webhook may not reach plain
// http, a loopback or private literal, or a name that resolves to loopback.
func TestTargetsRefused(t *testing.T) {
	strict := TargetPolicy{}
	for _, u := range []string{"http://example.org/hook", "https://127.0.0.1/hook", "https://[::1]/hook",
		"https://10.96.0.1/hook", "https://169.254.169.254/latest", "https://100.64.1.1/", "https://user:pw@example.org/",
		"ftp://example.org/", "https:///nohost"} {
		if err := strict.CheckURL(u); err == nil {
			t.Errorf("CheckURL(%q) allowed", u)
		}
		if _, err := New(Settings{Type: TypeWebhook, BaseURL: u, Secrets: []string{testWebhookSecret}}); err == nil {
			t.Errorf("New(webhook %q) allowed", u)
		}
	}
	// A public-looking name that resolves to loopback is caught at dial time.
	rc := newReceiver(t, func(*http.Request, []byte) error { return nil }, reply{status: 200})
	port := rc.srv.URL[strings.LastIndexByte(rc.srv.URL, ':'):]
	ch, err := New(Settings{Type: TypeWebhook, BaseURL: "https://localhost" + port + "/hook", Secrets: []string{testWebhookSecret}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), rendered(t, EventTest, "en"))
	if e := Classify(err); err == nil || !e.Disable || !strings.Contains(e.Msg, "loopback") {
		t.Errorf("send to localhost: %v, want refused as loopback and the channel disabled", err)
	}
	if n := len(rc.received()); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
}

// TestBadSettingsRefusedByField: each wrong setting is named.
func TestBadSettingsRefusedByField(t *testing.T) {
	mail := Settings{Type: TypeMail, Host: "smtp.example.org", Port: 587, Security: "starttls", From: "report@example.org"}
	with := func(f func(*Settings)) Settings { s := mail; f(&s); return s }
	tests := map[string]struct {
		s     Settings
		field string
	}{
		"unknown type":          {Settings{Type: "sms"}, "type"},
		"wecom without key":     {Settings{Type: TypeWeCom}, "key"},
		"wecom key with query":  {Settings{Type: TypeWeCom, Key: "a&b=c"}, "key"},
		"dingtalk no token":     {Settings{Type: TypeDingTalk, Secret: "x"}, "accessToken"},
		"feishu no token":       {Settings{Type: TypeFeishu}, "token"},
		"webhook no url":        {Settings{Type: TypeWebhook, Secrets: []string{testWebhookSecret}}, "url"},
		"webhook http":          {Settings{Type: TypeWebhook, BaseURL: "http://example.org/", Secrets: []string{testWebhookSecret}}, "url"},
		"webhook no secret":     {Settings{Type: TypeWebhook, BaseURL: "https://example.org/"}, "secret"},
		"webhook bad secret":    {Settings{Type: TypeWebhook, BaseURL: "https://example.org/", Secrets: []string{"hunter2"}}, "secret[0]"},
		"webhook short secret":  {Settings{Type: TypeWebhook, BaseURL: "https://example.org/", Secrets: []string{testWebhookSecret, "whsec_c2hvcnQ="}}, "secret[1]"},
		"mail no host":          {with(func(s *Settings) { s.Host = "" }), "host"},
		"mail host with port":   {with(func(s *Settings) { s.Host = "smtp.example.org:25" }), "host"},
		"mail port":             {with(func(s *Settings) { s.Port = 0 }), "port"},
		"mail security":         {with(func(s *Settings) { s.Security = "ssl" }), "security"},
		"mail plain in prod":    {with(func(s *Settings) { s.Security = "none" }), "security"},
		"mail user no password": {with(func(s *Settings) { s.Username = "u" }), "password"},
		"mail from":             {with(func(s *Settings) { s.From = "报表平台" }), "from"},
		"mail password in clear": {with(func(s *Settings) {
			s.Security, s.Username, s.Password, s.Policy = "none", "u", "p", loopback
		}), "security"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.s)
			fe, ok := err.(*FieldError)
			if !ok || fe.Field != tc.field {
				t.Fatalf("New = %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
}
