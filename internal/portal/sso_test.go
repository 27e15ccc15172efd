package portal_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/internal/portal"
)

// startProvider runs a real OpenID provider (mockoidc: discovery, JWKS,
// authorization with PKCE, token endpoint) on its own loopback server.
func startProvider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	idp, err := mockoidc.NewServer(nil)
	mustDo(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustDo(t, err)
	mustDo(t, idp.Start(ln, nil))
	t.Cleanup(func() { _ = idp.Shutdown() })
	return idp
}

// startSSOPortal runs c's portal with single sign-on through idp, its
// groups mapped as the county's manifest would map them.
func startSSOPortal(t *testing.T, c *county, idp *mockoidc.MockOIDC, localDisabled bool) *replica {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.Dir, "portal.yaml"))
	mustDo(t, err)
	var cfg portal.Config
	mustDo(t, yaml.Unmarshal(raw, &cfg))
	addr := freeAddr(t)
	mustDo(t, os.WriteFile(filepath.Join(c.Dir, "sso-client-secret"), []byte(idp.ClientSecret+"\n"), 0o600))
	cfg.PublicURL = "http://" + addr + "/"
	cfg.SSO = &portal.SSOConfig{
		Issuer: idp.Issuer(), ClientID: idp.ClientID, ClientSecretFile: filepath.Join(c.Dir, "sso-client-secret"),
		Scopes: []string{"profile", "groups"}, ProviderName: "样例市政务统一身份认证（测试）",
		EditorGroups: []string{"yangli-editors"}, ViewerGroups: []string{"yangli-viewers"},
		LocalAccountsDisabled: localDisabled,
	}
	path := filepath.Join(c.Dir, "portal-sso.yaml")
	writeYAML(t, path, cfg)
	return startReplica(t, c, path, addr, nil)
}

// Staff sign in through the provider in Chromium and land on their
// dashboard; a user of another county's group is refused in words.
func TestBrowserSSOSignIn(t *testing.T) {
	c := newCounty(t, fictional)
	idp := startProvider(t)
	p := startSSOPortal(t, c, idp, false)
	b := newBrowser(t)

	b.open(p.URL + "/signin")
	b.screenshot("signin-sso")
	if page := b.text(); !strings.Contains(page, "使用统一身份认证登录（样例市政务统一身份认证（测试））") || !strings.Contains(page, "应急管理员") {
		t.Fatalf("sign-in page without the SSO button or the local form:\n%s", page)
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "staff-0001", PreferredUsername: "李四（测试）", Groups: []string{"yangli-editors"}})
	b.do(chromedp.Click(chromedp.CSS("#sso")))
	b.waitText("样例县 概览", 20*time.Second)
	b.screenshot("dashboard-after-sso")
	if loc := b.location(); loc != p.URL+"/" {
		t.Fatalf("after SSO the browser is at %s, want the dashboard", loc)
	}
	if page := b.text(); !strings.Contains(page, "样例县 概览") {
		t.Fatalf("not the county's dashboard:\n%s", page)
	}
	header, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("header")))
	mustDo(t, err)
	if !strings.Contains(header, "李四（测试）") || !strings.Contains(header, "填报员") {
		t.Fatalf("header does not name the user and role: %q", header)
	}
	b.signOut()

	// A user whose only group is another county's.
	idp.QueueUser(&mockoidc.MockUser{Subject: "staff-0002", PreferredUsername: "王五（测试）", Groups: []string{"hengnan-editors"}})
	b.open(p.URL + "/signin")
	b.do(chromedp.Click(chromedp.CSS("#sso")))
	b.waitText("不属于本门户", 20*time.Second)
	b.screenshot("sso-refused-other-county")
	if page := b.text(); !strings.Contains(page, "不属于本门户的任何用户组") {
		t.Fatalf("refusal not explained:\n%s", page)
	}
	if loc := b.location(); !strings.HasPrefix(loc, p.URL+"/signin") {
		t.Fatalf("refused user at %s", loc)
	}
}

// With local accounts disabled the password form is gone and a password
// sign-in is refused even with the right password.
func TestSSOOnlyRefusesPasswords(t *testing.T) {
	c := newCounty(t, fictional)
	idp := startProvider(t)
	p := startSSOPortal(t, c, idp, true)
	u := newUserOf(t, p.URL)
	_, page := u.get("/signin")
	if strings.Contains(page, `action="/signin"`) || !strings.Contains(page, `href="/signin/sso?next=`) {
		t.Fatal("the password form is shown with local accounts disabled")
	}
	if resp := u.signIn("admin", editorPassword); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("password sign-in with local accounts disabled: %d", resp.StatusCode)
	}
	if signedIn(t, u) {
		t.Fatal("signed in with a password")
	}
}

// A login begun on one replica finishes on the other (the attempt is in
// the bucket), and the session then works on both: no affinity needed.
func TestSSOAcrossReplicas(t *testing.T) {
	c := newCounty(t, fictional)
	idp := startProvider(t)
	a := startSSOPortal(t, c, idp, false)
	b := startReplica(t, c, filepath.Join(c.Dir, "portal-sso.yaml"), "", nil)
	u := newUserOf(t, a.URL)
	idp.QueueUser(&mockoidc.MockUser{Subject: "staff-0003", PreferredUsername: "赵六（测试）", Groups: []string{"yangli-viewers"}})
	resp, _ := u.get("/signin/sso?next=" + url.QueryEscape("/reports"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("begin: %d", resp.StatusCode)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	at, err := noFollow.Get(resp.Header.Get("Location"))
	mustDo(t, err)
	_ = at.Body.Close()
	cb := mustURL(t, at.Header.Get("Location"))
	if cb.Path != "/signin/sso/callback" {
		t.Fatalf("provider sent the browser to %s", cb)
	}
	resp, body := u.as(b.URL).get(cb.RequestURI())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports" {
		t.Fatalf("callback on the other replica: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, base := range []string{a.URL, b.URL} {
		if !signedIn(t, u.as(base)) {
			t.Fatalf("SSO session refused by %s", base)
		}
	}
	// The same callback again is refused on either replica.
	if resp, _ := u.as(a.URL).get(cb.RequestURI()); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("replayed callback: %d", resp.StatusCode)
	}
}
