package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/review"
)

// boardDataset is the dataset identity (the server's version id) the
// board's forms carry for county code.
func boardDataset(t *testing.T, board, code string) string {
	t.Helper()
	re := regexp.MustCompile(`name="county" value="` + code + `"><input type="hidden" name="period" value="[0-9-]+"><input type="hidden" name="dataset" value="([^"]+)"`)
	m := re.FindStringSubmatch(board)
	if m == nil {
		t.Fatalf("the board offers no verdict on %s:\n%s", code, board)
	}
	return m[1]
}

func reviewLog(t *testing.T, c *county) review.Log {
	t.Helper()
	log, err := review.Read(testCtx(t), c.Archive, "2023-01")
	mustDo(t, err)
	return log
}

// TestCityBoardReview: the board lists each member's state; a reviewer
// returns a submission with a comment (required, shown escaped), a verdict
// on a version the reviewer has not seen is refused, a resubmission is
// accepted; viewers, other sites and non-members are refused, and nothing
// is written when a verdict is refused.
func TestCityBoardReview(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	a.seedGrowth(t, "5.8") // made-up figure of a made-up county
	cp := newCityPortal(t, a, b)
	u := newUserOf(t, cp.URL)
	if r := u.signIn("shenhe", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reviewer sign-in: %d", r.StatusCode)
	}
	_, board := u.get("/?period=2023-01")
	for _, want := range []string{"2023-01 各县（市）报送情况", "样例县", "已报送待审核", "示例县", "逾期未报", "报送截止：2023-02-05 23:59", "审核员"} {
		if !strings.Contains(board, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	sha := boardDataset(t, board, a.Code)
	if strings.Contains(board, `name="county" value="`+b.Code+`"`) {
		t.Error("the board offers a verdict on a county that submitted nothing")
	}

	form := func(verdict, comment, sha string) url.Values {
		return url.Values{"county": {a.Code}, "period": {"2023-01"}, "dataset": {sha}, "verdict": {verdict}, "comment": {comment}}
	}
	// Returned without a comment: refused, named, nothing written.
	resp, body := u.post("/review", form("returned", "  ", sha))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "退回时必须填写退回意见") {
		t.Fatalf("return without comment: %d\n%s", resp.StatusCode, body)
	}
	if n := len(reviewLog(t, a).Entries); n != 0 {
		t.Fatalf("a refused verdict wrote %d entries", n)
	}

	// Returned with a comment: stored in the county's bucket, shown escaped.
	comment := `<script>alert(1)</script>地区生产总值增速请核实`
	resp, _ = u.post("/review", form("returned", comment, sha))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d", resp.StatusCode)
	}
	log := reviewLog(t, a)
	if len(log.Entries) != 1 || log.Entries[0].Verdict != review.VerdictReturned || log.Entries[0].By != "shenhe" || log.Entries[0].Comment != comment ||
		log.Entries[0].DatasetVersion != sha || log.Entries[0].Binding != review.BindingCityRead || len(log.Entries[0].DatasetSHA256) != 64 {
		t.Fatalf("review log after the return: %+v", log.Entries)
	}
	_, board = u.get("/?period=2023-01")
	if !strings.Contains(board, "已退回") || !strings.Contains(board, "&lt;script&gt;alert(1)&lt;/script&gt;地区生产总值增速请核实") || strings.Contains(board, "<script>") {
		t.Fatalf("the returned comment is not shown escaped:\n%s", board)
	}

	// The county resubmits; a verdict on the version seen before is refused.
	a.seedGrowth(t, "5.9")
	resp, body = u.post("/review", form("accepted", "", sha))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "重新报送") {
		t.Fatalf("verdict on an old version: %d\n%s", resp.StatusCode, body)
	}
	if n := len(reviewLog(t, a).Entries); n != 1 {
		t.Fatalf("a refused verdict wrote: %d entries", n)
	}
	_, board = u.get("/?period=2023-01")
	if !strings.Contains(board, "已重报待审核") || !strings.Contains(board, "针对上一版数据") {
		t.Fatalf("board after the resubmission:\n%s", board)
	}
	resp, _ = u.post("/review", form("accepted", "", boardDataset(t, board, a.Code)))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	if _, board = u.get("/?period=2023-01"); !strings.Contains(board, "已通过 · shenhe") {
		t.Fatalf("board after the acceptance:\n%s", board)
	}
	u.post("/lang", url.Values{"to": {"en"}, "back": {"/?period=2023-01"}})
	if _, en := u.get("/?period=2023-01"); !strings.Contains(en, "Submissions for 2023-01") || !strings.Contains(en, "Accepted · shenhe") || !strings.Contains(en, "Overdue") || !strings.Contains(en, "reviewer") {
		t.Errorf("English board:\n%s", en)
	}

	// Refused: a verdict from another site, on a non-member, by a viewer.
	before := len(reviewLog(t, a).Entries)
	resp, _ = u.do(http.MethodPost, "/review", form("returned", "跨站", sha), map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site verdict: %d", resp.StatusCode)
	}
	other := form("accepted", "", sha)
	other.Set("county", "999003")
	if resp, _ = u.post("/review", other); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("verdict on a non-member: %d", resp.StatusCode)
	}
	v := newUserOf(t, cp.URL)
	v.signIn("viewer", viewerPassword)
	if _, page := v.get("/?period=2023-01"); strings.Contains(page, `action="/review"`) {
		t.Error("a viewer is offered verdicts")
	}
	if resp, _ = v.post("/review", form("returned", "只读账号", sha)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's verdict: %d", resp.StatusCode)
	}
	if n := len(reviewLog(t, a).Entries); n != before {
		t.Fatalf("refused verdicts wrote %d entries", n-before)
	}
}

// TestCitySessionIsItsOwn: a county portal's session (same host, another
// port: browsers send it along) is not a session of the city portal.
func TestCitySessionIsItsOwn(t *testing.T) {
	a := newCounty(t, fictional)
	cp := newCityPortal(t, a)
	u := a.newUser(t)
	if r := u.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("county sign-in: %d", r.StatusCode)
	}
	// The county's session cookie, sent as it is and under the city's cookie name.
	var session string
	for _, ck := range u.http.Jar.Cookies(mustURL(t, a.URL)) {
		if ck.Name == "countyreport-session" {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatal("the county portal set no session cookie")
	}
	u.base = cp.URL
	u.http.Jar.SetCookies(mustURL(t, cp.URL), []*http.Cookie{{Name: "countyreport-city-session", Value: session, Path: "/"}})
	resp, _ := u.get("/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("a county's session opened the city's board: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// And the county's accounts are not the city's.
	if r := u.signIn("admin", editorPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("a county account signed in to the city portal")
	}
}

// TestCityRanking: two members compared on GDP growth by the efficacy
// coefficient (60 and 100 points), the third 未报送 and never ranked; the
// method, weights and inputs shown; the chart drawn; English complete.
func TestCityRanking(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	c := newCounty(t, countySpec{Name: "fanli", Code: "999003", CountyName: "范例县", EnglishName: "Fanli County (test fixture)"})
	a.seedGrowth(t, "5.8") // made-up figures of made-up counties
	b.seedGrowth(t, "6.3")
	cp := newCityPortal(t, a, b, c)
	u := newUserOf(t, cp.URL)
	u.signIn("viewer", viewerPassword)
	_, page := u.get("/ranking")
	for _, want := range []string{"2023-01 各县（市）比较", "综合得分排名", "100.00", "60.00", "未报送", "功效系数法（60～100分）", "100.0%", "最小值", "5.80", "6.30", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("ranking page lacks %q", want)
		}
	}
	// 示例县 (6.3) ranks first, 样例县 second, 范例县 unranked.
	first := strings.Index(page, "<td class=\"num\">1</td><th scope=\"row\">示例县")
	second := strings.Index(page, "<td class=\"num\">2</td><th scope=\"row\">样例县")
	if first < 0 || second < 0 {
		t.Errorf("composite order wrong:\n%s", page)
	}
	if strings.Contains(page, "<td class=\"num\">3</td><th scope=\"row\">范例县") {
		t.Error("a county that reported nothing was ranked")
	}
	u.post("/lang", url.Values{"to": {"en"}, "back": {"/ranking"}})
	_, en := u.get("/ranking?period=2023-01")
	for _, want := range []string{"Counties compared, 2023-01", "Composite score", "not submitted", "efficacy coefficient method", "growth", "higher is better", "Shili County (test fixture)"} {
		if !strings.Contains(en, want) {
			t.Errorf("English ranking page lacks %q", want)
		}
	}
	if resp, _ := u.get("/ranking?period=2023-13"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad period: %d", resp.StatusCode)
	}
}
