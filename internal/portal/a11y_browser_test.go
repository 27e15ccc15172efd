package portal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccessibility walks every page a county's staff and a city's
// reviewers can reach, in both languages, in one Chromium, and checks each
// page state (a11y.check): axe-core's WCAG 2.0/2.1 A and AA rules at 1280
// and 390 px, no sideways scrolling at 360, 390 and 414 px, Chinese text
// marked lang="zh-CN" in the English edition; and the keyboard focus ring
// in the red header. It fails once, at the end, listing every finding with
// its page state. The counties are made up (test fixtures).
func TestBrowserAccessibility(t *testing.T) {
	a, empty := newCounty(t, fictional), newCounty(t, fictional2)
	a.publish(t, a.seedGrowth(t, "5.8")) // a made-up county's made-up figures
	a.runExecutor(t)
	cp := newCityPortal(t, a, empty)
	cityURL := strings.Replace(cp.URL, "127.0.0.1", "localhost", 1) // its own host: cookies apart
	chk := newA11y(t)
	defer chk.report()

	for _, lang := range []string{"zh", "en"} {
		cityPages(t, chk, cityURL, a.Code, lang)
	}
	for _, lang := range []string{"zh", "en"} {
		countyPages(t, chk, a, lang)
	}
	b := chk.b
	// The county resubmitted (countyPages): the city accepts.
	b.signIn(cityURL, "shenhe", editorPassword)
	b.open(cityURL + "/?period=2023-01")
	b.click("#county-" + a.Code + ` form[action="/review"] button.primary`)
	chk.check("city board, accepted (zh)")
	b.click(`form[action="/lang"] button`)
	chk.check("city board, accepted (en)")
	b.signOut()
	b.signIn(cityURL, "viewer", viewerPassword)
	b.open(cityURL + "/?period=2023-01")
	chk.check("city board, viewer (en)")
	b.signOut()

	// What a viewer sees, and the sign-in page after a session timed out.
	b.signIn(a.URL, "viewer", viewerPassword)
	for _, p := range []struct{ path, state string }{
		{"/data", "data entry, viewer"}, {"/data/form?period=2023-01", "web form refused to a viewer"},
	} {
		b.open(a.URL + p.path)
		chk.check("county " + p.state + " (zh)")
	}
	b.signOut()
	b.open(a.URL + "/signin?expired=1&next=%2Fdata")
	chk.check("county sign-in, session expired (zh)")

	// A county with nothing submitted yet: the empty dashboard.
	b.signIn(empty.URL, "admin", editorPassword)
	chk.check("county dashboard, nothing submitted (zh)")
	b.click(`form[action="/lang"] button`)
	chk.check("county dashboard, nothing submitted (en)")
	b.signOut()
	b.open(a.URL + "/signin?expired=1&next=%2Fdata")
	chk.check("county sign-in, session expired (en)")
}

// switchTo sets the portal's language ("zh" or "en") with the header's button.
func switchTo(chk *a11y, lang string) {
	chk.b.t.Helper()
	if !strings.HasPrefix(chk.lang(), lang) {
		chk.b.click(`form[action="/lang"] button`)
	}
}

// cityPages: the city portal's pages and the review's states.
func cityPages(t *testing.T, chk *a11y, base, member, lang string) {
	b := chk.b
	name := func(s string) string { return "city " + s + " (" + lang + ")" }
	b.open(base + "/signin")
	switchTo(chk, lang)
	chk.check(name("sign-in"))
	b.signIn(base, "shenhe", "wrong password 123")
	chk.check(name("sign-in, wrong password"))
	b.signIn(base, "shenhe", editorPassword)
	b.open(base + "/?period=2023-01")
	chk.check(name("board"))
	chk.focusRing(name("board"))
	row := "#county-" + member
	b.do(chromedp.Click(chromedp.CSS(row + " details summary")))
	chk.check(name("board, return form open"))
	if lang == "zh" {
		b.do(chromedp.SendKeys(chromedp.CSS("#comment-"+member), "增速与季度数据不一致，请核实（测试意见）"))
		b.click(row + ` details form button[type=submit]`)
		chk.check(name("board, returned with a comment"))
	}
	b.click(`nav a[href="/ranking"]`)
	chk.check(name("ranking"))
	for _, p := range []struct{ path, state string }{
		{"/reports", "reports"}, {"/notifications", "notifications"}, {"/no-such-page", "not found"},
	} {
		b.open(base + p.path)
		chk.check(name(p.state))
	}
	chk.navPages(base, name, "/", "/ranking", "/reports", "/notifications")
	accountStates(chk, base, name)
	b.signOut()
}

// countyPages: a county portal's pages and the states of a submission,
// from the web form's errors to the run page.
func countyPages(t *testing.T, chk *a11y, c *county, lang string) {
	b := chk.b
	name := func(s string) string { return "county " + s + " (" + lang + ")" }
	b.open(c.URL + "/signin")
	switchTo(chk, lang)
	chk.check(name("sign-in"))
	b.signIn(c.URL, "admin", "wrong password 123")
	chk.check(name("sign-in, wrong password"))
	b.signIn(c.URL, "admin", editorPassword)
	chk.check(name("dashboard"))
	chk.focusRing(name("dashboard"))
	chk.navPages(c.URL, name, "/", "/data", "/reports", "/notifications")
	accountStates(chk, c.URL, name)
	for _, p := range []struct{ path, state string }{
		{"/data", "data entry"}, {"/data/periods/2023-01", "period returned by the city"},
		{"/reports", "archive"}, {"/notifications", "notifications"}, {"/no-such-page", "not found"},
		{"/data/form?period=2023-01", "web form"},
	} {
		b.open(c.URL + p.path)
		chk.check(name(p.state))
	}

	// The web form with an error, then the preview of the correction,
	// confirmed; then generate now.
	value := map[string]string{"zh": "5.9", "en": "6.0"}[lang] // made-up growth of a made-up county
	b.do(chromedp.SetValue(chromedp.CSS("#ind-0-change"), "五点九"))
	b.click(`form[action="/data/form"] button[type=submit]`)
	chk.check(name("web form with an error"))
	b.do(chromedp.SetValue(chromedp.CSS("#ind-0-change"), value))
	b.click(`form[action="/data/form"] button[type=submit]`)
	if !strings.Contains(b.html(), `action="/data/preview/`) {
		t.Fatalf("the corrected web form did not lead to the preview:\n%s", b.text())
	}
	chk.check(name("preview"))
	if strings.Contains(b.html(), `id="explanation"`) {
		b.do(chromedp.SendKeys(chromedp.CSS("#explanation"), "测试说明（样例）"))
	}
	b.click(`main form[action^="/data/preview/"] button[type=submit]`)
	chk.check(name("period, just submitted"))
	b.click(`main form[action="/reports/generate"] button`)
	b.do(chromedp.WaitVisible(chromedp.CSS("#run-pdf")))
	chk.check(name("run page, report ready"))
	b.open(c.URL + "/data/form?period=2023-01")
	b.click(`form[action="/data/form"] button[type=submit]`)
	chk.check(name("preview, nothing changed"))

	// An upload the portal refuses: the error page keeps the upload control.
	bad := filepath.Join(t.TempDir(), "figures.csv")
	mustDo(t, os.WriteFile(bad, []byte("指标,数值\n地方税收,7.02\n"), 0o600))
	b.open(c.URL + "/data")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#up-file"), []string{bad}))
	b.click(`form[action="/data/upload"] button`)
	chk.check(name("upload refused"))
	b.open(c.URL + "/")
	b.signOut()
}

// accountStates: the account's settings saved, and refused (an address the
// browser's own check would stop, sent with that check off).
func accountStates(chk *a11y, base string, name func(string) string) {
	b := chk.b
	b.open(base + "/account")
	b.click(`main form[action="/account"] button[type=submit]`)
	chk.check(name("account settings saved"))
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('main form[action="/account"]').noValidate = true`),
		chromedp.SetValue(chromedp.CSS("#email"), "not an address"))
	b.click(`main form[action="/account"] button[type=submit]`)
	chk.check(name("account settings refused"))
}
