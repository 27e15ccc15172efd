package portal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shootWidths takes the page at desktop and phone widths (1280 and 390 px).
func (b *browserSession) shootWidths(name string) {
	b.t.Helper()
	for _, w := range []int64{390, 1280} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.screenshot(name + "-" + map[int64]string{390: "390", 1280: "1280"}[w])
	}
}

// value is the current value of the form field sel.
func (b *browserSession) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	mustDo(b.t, err)
	return v
}

// What was typed on the web form survives the session idling out: the
// sign-in page says so, and the form comes back filled in after sign-in.
func TestBrowserKeepsFormAcrossExpiry(t *testing.T) {
	clock := &movableClock{}
	spec := fictional
	spec.Now = clock.Now
	c := newCounty(t, spec)
	c.seedDataset(t, false)
	b := newBrowser(t)
	b.signIn(c.URL, "admin", editorPassword)
	b.open(c.URL + "/data/form?period=2023-02")
	const typed = "二月数据（测试样例，超时前填写）"
	b.do(chromedp.SetValue(chromedp.CSS("#title"), typed), chromedp.SetValue(chromedp.CSS(`input[name="ind.0.value"]`), "9.99"))

	clock.advance(31 * time.Minute)
	b.click(`form[action="/data/form"] button[type=submit]`)
	if loc := b.location(); !strings.Contains(loc, "/signin?expired=1&next=%2Fdata%2Fform%3Fperiod%3D2023-02") {
		t.Fatalf("after the expired preview: %s", loc)
	}
	if txt := b.text(); !strings.Contains(txt, "登录已超时，请重新登录") {
		t.Fatalf("sign-in page:\n%s", txt)
	}
	b.shootWidths("signin-expired-zh")
	b.do(
		chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), editorPassword),
	)
	b.click(`form[action="/signin"] button[type=submit]`)
	if loc := b.location(); !strings.HasSuffix(loc, "/data/form?period=2023-02") {
		t.Fatalf("after sign-in: %s", loc)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#restored")))
	title, value := b.value("#title"), b.value(`input[name="ind.0.value"]`)
	if title != typed || value != "9.99" {
		t.Fatalf("restored title %q, value %q", title, value)
	}
	if txt := b.text(); !strings.Contains(txt, "已恢复您登录超时前填写的内容") {
		t.Errorf("no notice of the restored form:\n%s", txt)
	}
	b.shootWidths("form-restored-zh")

	// Opened again later (not from sign-in), the form shows the stored data.
	b.open(c.URL + "/data/form?period=2023-02")
	if title = b.value("#title"); title == typed {
		t.Error("old edits came back on a fresh visit")
	}

	// The same in English.
	b.click(`form[action="/lang"] button`)
	clock.advance(31 * time.Minute)
	b.open(c.URL + "/reports")
	if txt := b.text(); !strings.Contains(txt, "Your session expired; sign in again") {
		t.Fatalf("English sign-in page:\n%s", txt)
	}
	b.shootWidths("signin-expired-en")
}

// The pages that show the next step, as staff see them in Chromium, in
// both languages at desktop and phone widths (screenshots for the docs).
func TestBrowserNextStepPages(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	br := newBrowser(t)
	br.signIn(b.URL, "admin", editorPassword)
	if txt := br.text(); !strings.Contains(txt, "尚无已报送的数据") || !strings.Contains(txt, "前往数据报送") {
		t.Fatalf("empty dashboard:\n%s", txt)
	}
	br.shootWidths("dashboard-empty-zh")
	br.click(`main a[href="/data"]`)
	if !strings.HasSuffix(br.location(), "/data") {
		t.Fatalf("前往数据报送 led to %s", br.location())
	}

	a.seedGrowth(t, "5.8") // made-up figure of a made-up county
	cp := newCityPortal(t, a, b)
	city := newBrowser(t)
	city.signIn(cp.URL, "shenhe", editorPassword)
	city.open(cp.URL + "/?period=2023-01")
	city.click(`#county-` + a.Code + ` form[action="/review"] button.primary`)
	row, err := chromedp.Run(city.ctx, chromedp.Text(chromedp.CSS(`#county-`+a.Code)))
	mustDo(t, err)
	if !strings.Contains(row, "已通过，无需再审") || strings.Contains(row, "通过\n") {
		t.Errorf("accepted row:\n%s", row)
	}
	city.shootWidths("board-accepted-zh")
	city.click(`form[action="/lang"] button`)
	city.shootWidths("board-accepted-en")

	county := newBrowser(t)
	county.signIn(a.URL, "admin", editorPassword)
	county.open(a.URL + "/data")
	if txt := county.text(); !strings.Contains(txt, "市级审核") || !strings.Contains(txt, "已通过") {
		t.Errorf("periods list:\n%s", txt)
	}
	county.shootWidths("periods-zh")
	county.open(a.URL + "/data/periods/2023-01?submitted=1")
	if txt := county.text(); !strings.Contains(txt, "衡阳市审核员 于") {
		t.Errorf("period page:\n%s", txt)
	}
	county.shootWidths("period-submitted-zh")
	county.click(`form[action="/lang"] button`)
	county.open(a.URL + "/data")
	county.shootWidths("periods-en")
	county.open(a.URL + "/data/periods/2023-01?submitted=1")
	county.shootWidths("period-submitted-en")
}
