package portal_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCityReview: the review workflow end to end through both
// portals, in Chromium. The city returns a county's submission with a
// comment; the county's staff see it in their portal and answer by
// resubmitting through the web form; the city sees who resubmitted and
// accepts; the county sees the acceptance. The ranking page shows the
// county that submitted nothing as 未报送.
func TestBrowserCityReview(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	ds := a.seedGrowth(t, "5.8") // a made-up county's made-up figure (test fixture)
	gdpRow := -1
	for i, in := range ds.Indicators {
		if in.ID == "gdp" {
			gdpRow = i
		}
	}
	if gdpRow < 0 {
		t.Fatal("the sample dataset has no gdp indicator")
	}
	cp := newCityPortal(t, a, b)
	city, county := newBrowser(t), newBrowser(t)

	// The city's reviewer returns the submission with a comment.
	city.signIn(cp.URL, "shenhe", editorPassword)
	city.open(cp.URL + "/?period=2023-01")
	board := city.text()
	for _, want := range []string{"样例县", "已报送待审核", "示例县", "逾期未报", "报送截止：2023-02-05 23:59"} {
		if !strings.Contains(board, want) {
			t.Errorf("board lacks %q:\n%s", want, board)
		}
	}
	city.screenshot("board-submitted")
	row := "#county-" + a.Code
	comment := "县内GDP增速与季度数据不一致，请核实后重报（测试意见）"
	city.do(chromedp.Click(chromedp.CSS(row+" details summary")), chromedp.SendKeys(chromedp.CSS("#comment-"+a.Code), comment))
	city.click(row + ` details form button[type=submit]`)
	if got := city.text(); !strings.Contains(got, "已退回") || !strings.Contains(got, comment) {
		t.Fatalf("board after returning:\n%s", got)
	}
	city.screenshot("board-returned")

	// The county's staff see the verdict and resubmit through the web form.
	county.signIn(a.URL, "admin", editorPassword)
	county.open(a.URL + "/data/periods/2023-01")
	if got := county.text(); !strings.Contains(got, "已退回") || !strings.Contains(got, comment) {
		t.Fatalf("the county's period page does not show the return:\n%s", got)
	}
	county.screenshot("county-sees-return")
	county.open(a.URL + "/data/form?period=2023-01")
	field := `input[name="ind.` + strconv.Itoa(gdpRow) + `.change"]`
	county.do(chromedp.SetValue(chromedp.CSS(field), "5.9"))
	county.click(`form[action="/data/form"] button[type=submit]`)
	if h := county.html(); strings.Contains(h, `id="explanation"`) {
		county.do(chromedp.SendKeys(chromedp.CSS("#explanation"), "按市统计局意见核实更正（测试说明）"))
	}
	county.click(`main form[action^="/data/preview/"] button[type=submit]`)
	if got := county.text(); !strings.Contains(got, "已提交") {
		t.Fatalf("the resubmission was not stored:\n%s", got)
	}

	// The city sees the resubmission and who made it, and accepts it.
	city.open(cp.URL + "/?period=2023-01")
	board = city.text()
	if !strings.Contains(board, "已重报待审核") || !strings.Contains(board, "admin") {
		t.Fatalf("board after the resubmission:\n%s", board)
	}
	city.screenshot("board-resubmitted")
	city.click(row + ` form[action="/review"] button.primary`)
	if got := city.text(); !strings.Contains(got, "已通过 · shenhe") {
		t.Fatalf("board after accepting:\n%s", got)
	}
	city.screenshot("board-accepted")

	county.open(a.URL + "/data/periods/2023-01")
	if got := county.text(); !strings.Contains(got, "已通过") {
		t.Fatalf("the county's period page does not show the acceptance:\n%s", got)
	}
	county.screenshot("county-sees-acceptance")

	// The comparison: the county that submitted nothing is 未报送.
	city.click(`nav a[href="/ranking"]`)
	rank := city.text()
	for _, want := range []string{"2023-01 各县（市）比较", "综合得分排名", "未报送", "计算方法"} {
		if !strings.Contains(rank, want) {
			t.Errorf("ranking page lacks %q:\n%s", want, rank)
		}
	}
	city.screenshot("ranking")
	city.click(`form[action="/lang"] button`)
	if en := city.text(); !strings.Contains(en, "Composite score") || !strings.Contains(en, "not submitted") {
		t.Errorf("English ranking page:\n%s", en)
	}
	city.screenshot("ranking-en")
}
