package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// EnvScreenshots names the folder the browser suite writes its screenshots
// to, one subfolder per test (default: a new folder under the system's
// temporary directory; each test logs its own).
const EnvScreenshots = "COUNTYREPORT_SCREENSHOTS"

// browserSession is one Chromium (Debian's, found on the PATH) with a fresh
// profile, its downloads going to a folder of the test.
type browserSession struct {
	t         *testing.T
	ctx       context.Context
	shots     string
	downloads string
	n         int
}

func newBrowser(t *testing.T) *browserSession {
	t.Helper()
	return newBrowserFor(t, 5*time.Minute)
}

// newBrowserFor is newBrowser with its own time budget for the whole test
// (a walk through every page takes longer than one flow).
func newBrowserFor(t *testing.T, budget time.Duration) *browserSession {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is missing from the PATH: run `make tools` (installs Debian's chromium package): %v", err)
	}
	shots := os.Getenv(EnvScreenshots)
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "countyreport-portal-screenshots-"+time.Now().UTC().Format("20060102-150405"))
	}
	shots = filepath.Join(shots, t.Name())
	mustDo(t, os.MkdirAll(shots, 0o755))
	t.Logf("screenshots in %s", shots)
	profile := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "zh-CN"),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, budget)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browserSession{t: t, ctx: ctx, shots: shots, downloads: t.TempDir()}
	b.do(chromedp.Navigate("about:blank"))
	_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.downloads,
	})
	mustDo(t, err)
	return b
}

func (b *browserSession) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open navigates and waits for the page's main element.
func (b *browserSession) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main")))
}

func (b *browserSession) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	mustDo(b.t, err)
	return loc
}

// text is the visible text of the page's main element.
func (b *browserSession) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
	mustDo(b.t, err)
	return s
}

func (b *browserSession) html() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	mustDo(b.t, err)
	return s
}

// screenshot writes the whole page as NN-name.png.
func (b *browserSession) screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	mustDo(b.t, err)
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	mustDo(b.t, os.WriteFile(path, png, 0o644))
	return path
}

// click presses the element and waits for the next page.
func (b *browserSession) click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel)), chromedp.Sleep(150*time.Millisecond), chromedp.WaitVisible(chromedp.CSS("main")))
}

func (b *browserSession) signIn(base, user, password string) {
	b.t.Helper()
	b.open(base + "/signin")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	b.click(`form[action="/signin"] button[type=submit]`)
}

func (b *browserSession) signOut() {
	b.t.Helper()
	b.click(`form[action="/signout"] button`)
}

// waitText waits until main's text contains want (pages that refresh themselves).
func (b *browserSession) waitText(want string, within time.Duration) string {
	b.t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
		if err == nil && strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("page never showed %q; it shows:\n%s", want, got)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// download clicks a link and waits for the browser to save the file.
func (b *browserSession) download(sel string) string {
	b.t.Helper()
	before := map[string]bool{}
	entries, _ := os.ReadDir(b.downloads)
	for _, e := range entries {
		before[e.Name()] = true
	}
	b.do(chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(b.downloads)
		for _, e := range entries {
			if !before[e.Name()] && !strings.HasSuffix(e.Name(), ".crdownload") {
				return filepath.Join(b.downloads, e.Name())
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("no download from %s within 60 s", sel)
	return ""
}

func (b *browserSession) cookies(url string) []*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	mustDo(b.t, err)
	return res.Cookies
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: run `make tools` (installs Debian's poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// TestBrowserArchiveAndGenerate: a real county's published figures, seen
// and fetched the way staff do; the cookie of one county refused by another.
func TestBrowserArchiveAndGenerate(t *testing.T) {
	hs := newCounty(t, hengshan)
	hs.seedDataset(t, true)
	hs.runExecutor(t)
	other := newCounty(t, fictional)
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // its own host, as counties have
	b := newBrowser(t)

	// Signed out: sent to sign in, and back to where it was going.
	b.open(hs.URL + "/reports")
	if loc := b.location(); !strings.HasSuffix(loc, "/signin?next=%2Freports") {
		t.Fatalf("signed-out visit landed on %s", loc)
	}
	b.screenshot("signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#username"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), editorPassword))
	b.click(`form[action="/signin"] button[type=submit]`)
	if loc := b.location(); loc != hs.URL+"/reports" {
		t.Fatalf("after sign-in: %s, want %s/reports", loc, hs.URL)
	}
	archive := b.text()
	for _, want := range []string{"报告档案", "2023-01", "SHA-256"} {
		if !strings.Contains(archive, want) {
			t.Errorf("archive page lacks %q", want)
		}
	}
	b.screenshot("archive-zh")

	b.click(`nav a[href="/"]`)
	dash := b.text()
	for _, want := range []string{"衡山县 概览", "地方税收", "6.31", "+10.8%", "首破10亿元大关"} {
		if !strings.Contains(dash, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, dash)
		}
	}
	b.screenshot("dashboard-zh")

	// Generate now: the run page, titled in words, is updated in place by
	// run.js (no reload) until the report is ready.
	b.open(hs.URL + "/reports")
	b.click(`form[action="/reports/generate"] button`)
	if !strings.Contains(b.location(), "/runs/hengshan-2023-01-manual-") {
		t.Fatalf("generate now led to %s", b.location())
	}
	_, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__notReloaded = true`))
	mustDo(t, err)
	b.waitText("已完成", 60*time.Second)
	same, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__notReloaded === true`))
	mustDo(t, err)
	if title, err := chromedp.Run(b.ctx, chromedp.Title()); err != nil || !strings.HasPrefix(title, "报告生成：2023年1月") || !same {
		t.Errorf("run page: title %q (%v), updated without reload: %v", title, err, same)
	}
	b.shootWidths("run-done-zh")
	pdf := b.download(`main a.button[href$="report.pdf"]`)
	text := pdfText(t, pdf)
	for _, want := range []string{"衡山县", "6.31"} {
		if !strings.Contains(text, want) {
			t.Errorf("downloaded PDF lacks %q", want)
		}
	}

	// English, remembered across pages.
	b.open(hs.URL + "/")
	b.click(`form[action="/lang"] button`)
	b.open(hs.URL + "/reports")
	if en := b.text(); !strings.Contains(en, "Report archive") || !strings.Contains(en, "Generate now") {
		t.Errorf("English archive:\n%s", en)
	}
	b.open(hs.URL + "/")
	b.screenshot("dashboard-en")
	b.click(`form[action="/lang"] button`)

	// County A's session cookie presented to county B is worthless there.
	var stolen *network.Cookie
	for _, c := range b.cookies(hs.URL) {
		if c.Name == "countyreport-session" {
			stolen = c
		}
	}
	if stolen == nil {
		t.Fatal("no session cookie in the browser")
	}
	_, err = chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{Name: stolen.Name, Value: stolen.Value, URL: otherURL + "/"})
	mustDo(t, err)
	b.open(otherURL + "/")
	if loc := b.location(); !strings.HasPrefix(loc, otherURL+"/signin") {
		t.Fatalf("county B with county A's cookie: %s", loc)
	}
	b.screenshot("other-county-refuses-cookie")

	// A viewer sees the archive and no button to change anything.
	b.open(hs.URL + "/")
	b.signOut()
	b.signIn(hs.URL, "viewer", viewerPassword)
	b.open(hs.URL + "/reports")
	if strings.Contains(b.html(), `action="/reports/generate"`) {
		t.Error("a viewer is offered generate now")
	}
	b.screenshot("archive-viewer")
}

// fillTemplate writes figures into the downloaded template as a user would
// in Excel: cells of the 指标 sheet, found by the field-key header row and
// the indicator's id. It returns the cell it wrote for each (id, field).
func fillTemplate(t *testing.T, path string, cells map[[2]string]any) map[[2]string]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	mustDo(t, err)
	defer f.Close()
	const sheet = "指标"
	rows, err := f.GetRows(sheet)
	mustDo(t, err)
	if len(rows) < 4 {
		t.Fatalf("template sheet %s has %d rows", sheet, len(rows))
	}
	col := map[string]int{}
	for i, k := range rows[2] { // the third header row holds the field keys
		col[k] = i
	}
	at := map[[2]string]string{}
	for key, v := range cells {
		id, field := key[0], key[1]
		r := -1
		for i := 3; i < len(rows); i++ {
			if c, ok := col["id"]; ok && c < len(rows[i]) && rows[i][c] == id {
				r = i
			}
		}
		c, ok := col[field]
		if r < 0 || !ok {
			t.Fatalf("template has no %s row or no %s column", id, field)
		}
		cell, err := excelize.CoordinatesToCellName(c+1, r+1)
		mustDo(t, err)
		mustDo(t, f.SetCellValue(sheet, cell, v))
		at[key] = cell
	}
	mustDo(t, f.SaveAs(path))
	return at
}

// TestBrowserSubmission: the monthly work of a county's statistics office,
// in the browser, on the fictional county (its figures are test fixtures).
func TestBrowserSubmission(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false) // January on file; February is due
	c.runExecutor(t)
	b := newBrowser(t)
	b.signIn(c.URL, "admin", editorPassword)

	b.open(c.URL + "/data")
	b.screenshot("data-zh")
	// One period choice on the page, prefilled with the month under review.
	if v, due := b.value("#period"), monthsFromNow(t, -1); v != due {
		t.Fatalf("the period picker starts at %q, want %s (the last ended month)", v, due)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#period"), "2023-02"))
	b.click(`form[action="/data"] button`)
	xlsx := b.download(`a[href="/data/template?period=2023-02"]`)
	if !strings.HasSuffix(xlsx, ".xlsx") {
		t.Fatalf("template saved as %s", xlsx)
	}
	// Filled in with one mistake: a word in a number cell.
	cells := fillTemplate(t, xlsx, map[[2]string]any{
		{"local_tax", "value"}:       "七点零二",
		{"budget_revenue", "change"}: 250,
	})
	upload := func() {
		b.open(c.URL + "/data?period=2023-02")
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#up-file"), []string{xlsx}))
		b.click(`form[action="/data/upload"] button`)
	}
	upload()
	refused := b.text()
	if want := "指标!" + cells[[2]string{"local_tax", "value"}] + "："; !strings.Contains(refused, want) || !strings.Contains(refused, "数据未保存") {
		t.Fatalf("the error is not shown by cell (%s):\n%s", want, refused)
	}
	b.screenshot("upload-error-by-cell")
	if _, err := c.Archive.GetDataset(testCtx(t), "2023-02"); err == nil {
		t.Fatal("a refused upload stored a dataset")
	}

	// Fixed, uploaded again: the preview, the warning, the explanation.
	fillTemplate(t, xlsx, map[[2]string]any{{"local_tax", "value"}: 7.02})
	upload()
	preview := b.text()
	for _, want := range []string{"2023-02 数据预览", "需要说明的异常变化", "250", "填写说明（必填）"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	b.screenshot("preview-warning")
	b.do(chromedp.SendKeys(chromedp.CSS("#explanation"), "预算收入含一次性土地出让收入（测试说明）"))
	b.click(`main form[action^="/data/preview/"] button[type=submit]`)
	period := b.text()
	for _, want := range []string{"已提交", "7.02", "admin", "预算收入含一次性土地出让收入"} {
		if !strings.Contains(period, want) {
			t.Errorf("period page lacks %q:\n%s", want, period)
		}
	}
	b.screenshot("period-history")

	// A correction of the same month: the preview shows what changes, by cell.
	fillTemplate(t, xlsx, map[[2]string]any{{"local_tax", "value"}: 7.05})
	upload()
	preview = b.text()
	for _, want := range []string{"数值变化", "地方税收", "7.02", "7.05", "指标!" + cells[[2]string{"local_tax", "value"}], "需要说明的异常变化"} {
		if !strings.Contains(preview, want) {
			t.Errorf("correction preview lacks %q:\n%s", want, preview)
		}
	}
	b.screenshot("preview-diff")
	b.do(chromedp.SendKeys(chromedp.CSS("#explanation"), "更正地方税收（测试说明）"))
	b.click(`main form[action^="/data/preview/"] button[type=submit]`)
	if hist := b.text(); !strings.Contains(hist, "更正地方税收") || !strings.Contains(hist, "改 1 · 增 0 · 删 0") {
		t.Errorf("history after the correction:\n%s", hist)
	}

	b.click(`nav a[href="/"]`)
	dash := b.text()
	if !strings.Contains(dash, "最新数据：2023-02") || !strings.Contains(dash, "7.05") || !strings.Contains(dash, "+250%") {
		t.Errorf("dashboard does not show the new figures:\n%s", dash)
	}
	b.screenshot("dashboard-after-submit")

	b.open(c.URL + "/reports")
	b.do(chromedp.SetValue(chromedp.CSS("#period"), "2023-02"))
	b.click(`form[action="/reports/generate"] button`)
	b.waitText("已完成", 60*time.Second)
	text := pdfText(t, b.download(`main a.button[href$="report.pdf"]`))
	for _, want := range []string{"样例县", "7.05"} {
		if !strings.Contains(text, want) {
			t.Errorf("the generated PDF lacks %q", want)
		}
	}
	b.open(c.URL + "/reports")
	b.screenshot("archive-after-generate")

	// A viewer sees the data and cannot submit.
	b.signOut()
	b.signIn(c.URL, "viewer", viewerPassword)
	b.open(c.URL + "/data")
	if h := b.html(); strings.Contains(h, `action="/data/upload"`) || strings.Contains(h, `action="/data/form"`) {
		t.Error("a viewer is offered to submit")
	}
	b.open(c.URL + "/data/form?period=2023-03")
	if !strings.Contains(b.text(), "只读") {
		t.Errorf("a viewer opening the web form: %s", b.text())
	}
	b.screenshot("viewer-refused")

	// Signed out: sent to sign in.
	b.open(c.URL + "/")
	b.signOut()
	b.open(c.URL + "/data/periods/2023-02")
	if loc := b.location(); !strings.Contains(loc, "/signin?next=%2Fdata%2Fperiods%2F2023-02") {
		t.Fatalf("signed out: %s", loc)
	}
}
