package portal_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/countyreport/countyreport/internal/dataset"
)

// rightEdge is how far right the element sel and everything in it reach,
// as laid out: past the viewport means the user must scroll sideways.
func (b *browserSession) rightEdge(sel string) int64 {
	b.t.Helper()
	js := `Math.ceil(Math.max(...[document.querySelector(` + "`" + sel + "`" + `), ...document.querySelectorAll(` + "`" + sel + " *`" + `)].map(e => e.getBoundingClientRect().right)))`
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[int64](js))
	mustDo(b.t, err)
	return w
}

// lookAt takes path at 390 and 1280 px in both languages, and fails if
// the element fit (none when "") reaches past the phone's 390 px.
func (b *browserSession) lookAt(base, path, name, fit string) {
	b.t.Helper()
	for _, lang := range []string{"zh", "en"} {
		b.open(base + path)
		if lang == "en" {
			b.click(`form[action="/lang"] button`)
		}
		b.do(chromedp.EmulateViewport(390, 900))
		if fit != "" {
			if w := b.rightEdge(fit); w > 390 {
				b.t.Errorf("%s (%s): %s reaches %d px at 390 px", path, lang, fit, w)
			}
		}
		b.shootWidths(name + "-" + lang)
		if lang == "en" {
			b.click(`form[action="/lang"] button`)
		}
	}
}

// The pages this round touched, looked at in Chromium at both widths and
// in both languages: the Data page's one period picker, the web form with
// its English name column, the reports page's "generate now", the audit log of a county and of the city, the
// city's ranking with where its figures come from.
func TestBrowserAuditPeriodAndRanking(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	a.seedGrowth(t, "5.8") // made-up figures of made-up counties
	ds := b.seedGrowth(t, "6.3")
	ds.Meta.Source = &dataset.Source{Publication: "样例日报（虚构，测试样例）", PublicationEn: "Sample Daily (fictional, test fixture)", Date: "2023-01-09"}
	norm, err := ds.Normalized()
	mustDo(t, err)
	_, err = b.Archive.PutDataset(testCtx(t), ds.Meta.Period, norm)
	mustDo(t, err)
	cp := newCityPortal(t, a, b)

	br := newBrowser(t)
	br.signIn(a.URL, "wrong-user", "wrong password") // an entry of the audit log
	br.signIn(a.URL, "admin", editorPassword)
	br.lookAt(a.URL, "/data", "data", `section[aria-labelledby="submit-h"]`)
	if v := br.value("#period"); v != monthsFromNow(t, -1) {
		t.Errorf("the Data page's period starts at %q, want %s", v, monthsFromNow(t, -1))
	}
	br.lookAt(a.URL, "/data/form?period=2023-01", "form", "") // the form's phone layout is another change's
	br.lookAt(a.URL, "/reports", "reports", `section[aria-labelledby="gen-h"]`)
	br.lookAt(a.URL, "/audit", "county-audit", "body")
	if text := br.text(); !strings.Contains(text, "登录失败") || !strings.Contains(text, "wrong-user") {
		t.Errorf("the county's audit log in the browser:\n%s", text)
	}

	city := newBrowser(t)
	city.signIn(cp.URL, "shenhe", editorPassword)
	city.open(cp.URL + "/?period=2023-01")
	board := city.html()
	u := newUserOf(t, cp.URL)
	u.signIn("shenhe", editorPassword)
	u.post("/review", url.Values{"county": {a.Code}, "period": {"2023-01"}, "dataset": {boardDataset(t, board, a.Code)}, "verdict": {"accepted"}})
	city.lookAt(cp.URL, "/ranking?period=2023-01", "ranking", `section[aria-labelledby="from-h"]`)
	if text := city.text(); !strings.Contains(text, "数据来源") || !strings.Contains(text, "公开资料") {
		t.Errorf("the ranking in the browser:\n%s", text)
	}
	city.lookAt(cp.URL, "/audit", "city-audit", "body")
	if text := city.text(); !strings.Contains(text, "审核通过") {
		t.Errorf("the city's audit log in the browser:\n%s", text)
	}
}
