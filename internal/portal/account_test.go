package portal_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

func profileOf(t *testing.T, a *storage.Archive, username string) (accounts.Profile, bool) {
	t.Helper()
	data, err := a.GetStaffProfile(testCtx(t), username)
	if errors.Is(err, storage.ErrNotFound) {
		return accounts.Profile{}, false
	}
	mustDo(t, err)
	p, err := accounts.ParseProfile(data)
	mustDo(t, err)
	return p, true
}

// TestAccountPage: a member of staff gives their mail address and language
// on 我的账户; a bad address is refused naming the field in Chinese (and
// in English on the English page) and changes nothing; the profile is
// always the caller's own, whatever the form says; a cross-site POST is
// refused; a viewer saves their own too.
func TestAccountPage(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	if r := u.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	_, page := u.get("/account")
	for _, want := range []string{"我的账户", "邮箱地址", "通知语言", `value="zh-CN" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the account page lacks %q", want)
		}
	}
	resp, body := u.post("/account", url.Values{"email": {"张三"}, "language": {"fr"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "邮箱地址：格式不正确") || !strings.Contains(body, "通知语言：请选择简体中文或 English。") ||
		!strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("bad form: %d\n%s", resp.StatusCode, body)
	}
	if _, ok := profileOf(t, c.Archive, "admin"); ok {
		t.Fatal("a refused form stored a profile")
	}
	u.english()
	if _, body = u.post("/account", url.Values{"email": {"a@b"}, "language": {"en"}}); !strings.Contains(body, "Mail address: not an address") {
		t.Errorf("the English page does not name the field:\n%s", body)
	}

	// The username comes from the session: a form naming another account writes the caller's.
	resp, _ = u.post("/account", url.Values{"email": {"admin@shili.example.org"}, "language": {"en"}, "username": {"viewer"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=1" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if p, ok := profileOf(t, c.Archive, "admin"); !ok || p.Email != "admin@shili.example.org" || p.Language != "en" || p.Role != accounts.Editor {
		t.Fatalf("stored profile %+v", p)
	}
	if _, ok := profileOf(t, c.Archive, "viewer"); ok {
		t.Fatal("the form wrote another account's profile")
	}
	if _, page = u.get("/account?saved=1"); !strings.Contains(page, `value="admin@shili.example.org"`) || !strings.Contains(page, `value="en" checked`) {
		t.Errorf("the page does not show the saved profile:\n%s", page)
	}

	// Cross-site: refused before the handler.
	resp, _ = u.do(http.MethodPost, "/account", url.Values{"email": {"evil@example.org"}, "language": {"zh-CN"}},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example.org"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
	if p, _ := profileOf(t, c.Archive, "admin"); p.Email != "admin@shili.example.org" {
		t.Errorf("a cross-site POST changed the profile: %+v", p)
	}

	v := c.newUser(t)
	if r := v.signIn("viewer", viewerPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer sign-in: %d", r.StatusCode)
	}
	if resp, _ = v.post("/account", url.Values{"email": {"viewer@shili.example.org"}, "language": {"zh-CN"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer save: %d", resp.StatusCode)
	}
	if p, ok := profileOf(t, c.Archive, "viewer"); !ok || p.Role != accounts.Viewer {
		t.Errorf("viewer's profile %+v", p)
	}
}

// TestCityTestButton: the city's notifications page has a test button per
// channel for reviewers; pressing it stores a test request for the
// notifier in the city's bucket. Viewers see no button and are refused; an
// unknown channel and a cross-site POST are refused; none writes anything.
func TestCityTestButton(t *testing.T) {
	a := newCounty(t, fictional)
	cp := newCityPortalWith(t, func(c *portal.CityConfig) {
		c.NotifyChannels = []portal.NotifyChannel{{Name: "office", Type: "mail"}, {Name: "group", Type: "dingtalk"}}
	}, a)
	pending := func() []string {
		ids, err := cp.Archive.NotifyTests(testCtx(t))
		mustDo(t, err)
		return ids
	}
	v := newUserOf(t, cp.URL)
	if r := v.signIn("viewer", viewerPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer sign-in: %d", r.StatusCode)
	}
	if _, page := v.get("/notifications"); strings.Contains(page, "/notifications/test") {
		t.Error("a viewer is offered the test button")
	}
	if resp, _ := v.post("/notifications/test", url.Values{"channel": {"office"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's test: %d", resp.StatusCode)
	}

	u := newUserOf(t, cp.URL)
	if r := u.signIn("shenhe", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reviewer sign-in: %d", r.StatusCode)
	}
	_, page := u.get("/notifications")
	for _, want := range []string{"测试通知渠道", `name="channel" value="office"`, "邮件 · office", "钉钉 · group", `aria-label="测试渠道 钉钉 · group"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if resp, body := u.post("/notifications/test", url.Values{"channel": {"nope"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "没有名为该名称的通知渠道") {
		t.Errorf("unknown channel: %d", resp.StatusCode)
	}
	resp, _ := u.do(http.MethodPost, "/notifications/test", url.Values{"channel": {"office"}},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example.org"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site test: %d", resp.StatusCode)
	}
	if ids := pending(); len(ids) != 0 {
		t.Fatalf("refused requests stored %v", ids)
	}

	resp, _ = u.post("/notifications/test", url.Values{"channel": {"group"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notifications?test=1" {
		t.Fatalf("test: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	ids := pending()
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "group.") {
		t.Fatalf("pending requests %v", ids)
	}
	data, err := cp.Archive.GetNotifyTest(testCtx(t), ids[0])
	mustDo(t, err)
	var req notify.TestRequest
	mustDo(t, json.Unmarshal(data, &req))
	if req.Channel != "group" || req.By != "shenhe" {
		t.Errorf("request %+v", req)
	}
	if _, page = u.get("/notifications?test=1"); !strings.Contains(page, "测试消息已排队") {
		t.Error("the page does not say the test is queued")
	}
}
