package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/testenv"
)

// movableClock is testenv's clock that a test can move on, to let a
// session idle out without waiting.
type movableClock struct{ ahead atomic.Int64 }

func (m *movableClock) Now() time.Time {
	return testenv.Clock().Now().Add(time.Duration(m.ahead.Load()))
}
func (m *movableClock) advance(d time.Duration) { m.ahead.Add(int64(d)) }

// An idled-out session: the posted form lands on a sign-in page that says
// the session expired and returns to the form's page after sign-in.
func TestExpiredSessionRoundTrip(t *testing.T) {
	clock := &movableClock{}
	spec := fictional
	spec.Now = clock.Now
	c := newCounty(t, spec)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	if resp, _ := u.get("/data/form?period=2023-02"); resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	clock.advance(31 * time.Minute)

	resp, _ := u.do(http.MethodPost, "/data/form", url.Values{"period": {"2023-02"}, "title": {"改过的标题（测试样例）"}},
		map[string]string{"Referer": c.URL + "/data/form?period=2023-02"})
	loc := resp.Header.Get("Location")
	want := "/signin?expired=1&next=%2Fdata%2Fform%3Fperiod%3D2023-02"
	if resp.StatusCode != http.StatusSeeOther || loc != want {
		t.Fatalf("expired POST: %d to %q, want %q", resp.StatusCode, loc, want)
	}
	_, body := u.get(loc)
	for _, w := range []string{"登录已超时，请重新登录", `name="next" value="/data/form?period=2023-02"`} {
		if !strings.Contains(body, w) {
			t.Errorf("sign-in page lacks %q", w)
		}
	}
	_, body = u.do(http.MethodGet, loc, nil, map[string]string{"Cookie": "countyreport-lang=en"})
	if !strings.Contains(body, "Your session expired; sign in again") {
		t.Error("English sign-in page lacks the expired notice")
	}
	resp, _ = u.post("/signin", url.Values{"username": {"admin"}, "password": {editorPassword}, "next": {"/data/form?period=2023-02"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/data/form?period=2023-02" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The form re-shown after a refused preview (at the bare /data/form)
	// returns to its period's form.
	clock.advance(31 * time.Minute)
	resp, _ = u.do(http.MethodPost, "/data/form", url.Values{"period": {"2023-02"}}, map[string]string{"Referer": c.URL + "/data/form"})
	if loc := resp.Header.Get("Location"); loc != want {
		t.Errorf("expired POST from the re-shown form to %q, want %q", loc, want)
	}
	u.post("/signin", url.Values{"username": {"admin"}, "password": {editorPassword}, "next": {"/"}})

	// A GET after expiry returns to itself; a cross-site Referer is not
	// followed; a first visit (no cookie) is not called expired.
	clock.advance(31 * time.Minute)
	resp, _ = u.get("/reports?x=1")
	if loc := resp.Header.Get("Location"); loc != "/signin?expired=1&next=%2Freports%3Fx%3D1" {
		t.Errorf("expired GET to %q", loc)
	}
	resp, _ = u.do(http.MethodPost, "/data/upload", url.Values{"period": {"2023-02"}}, map[string]string{"Referer": "https://evil.example/data/form"})
	if loc := resp.Header.Get("Location"); loc != "/signin?expired=1" {
		t.Errorf("expired POST from another site to %q", loc)
	}
	if resp, _ := c.newUser(t).get("/data"); resp.Header.Get("Location") != "/signin?next=%2Fdata" {
		t.Errorf("first visit to %q", resp.Header.Get("Location"))
	}
}

// The sign-in page returns only to paths on this site.
func TestSigninNextOpenRedirect(t *testing.T) {
	c := newCounty(t, fictional)
	for _, next := range []string{"//evil.example", "//evil.example/x", "https://evil", "/\\evil", "\\\\evil", "http:/evil", "/%0d%0aLocation:https://evil"} {
		u := c.newUser(t)
		_, body := u.get("/signin?next=" + url.QueryEscape(next))
		if !strings.Contains(body, `name="next" value="/"`) && !strings.Contains(body, `name="next" value="/%0d%0a`) {
			t.Errorf("sign-in page for next=%q carries it:\n%s", next, problemsOf(body))
		}
		resp, _ := u.post("/signin", url.Values{"username": {"admin"}, "password": {editorPassword}, "next": {next}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || (loc != "/" && !strings.HasPrefix(loc, "/%0d")) {
			t.Errorf("sign-in with next=%q: %d to %q", next, resp.StatusCode, loc)
		}
		// Already signed in, the page redirects at once: still on this site.
		resp, _ = u.get("/signin?next=" + url.QueryEscape(next))
		if loc := resp.Header.Get("Location"); loc != "/" && !strings.HasPrefix(loc, "/%0d") {
			t.Errorf("signed-in /signin?next=%q to %q", next, loc)
		}
	}
}

// Back on a confirmed preview, and 确认提交 again: the period, "已提交".
func TestConfirmAgainShowsState(t *testing.T) {
	c := newCounty(t, fictional)
	jan := c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	resp, _ := u.uploadFile("2023-02", "yangli-2023-02.json", fixtureFebruary(t, jan, "5"))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/data/preview/") {
		t.Fatalf("upload: %d to %q", resp.StatusCode, loc)
	}
	if resp, body := u.post(loc, url.Values{"explanation": {"测试说明"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		resp, _ = u.do(method, loc, url.Values{}, nil)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/data/periods/2023-02?already=1" {
			t.Fatalf("%s %s again: %d to %q", method, loc, resp.StatusCode, got)
		}
	}
	_, body := u.get("/data/periods/2023-02?already=1")
	if !strings.Contains(body, "已提交：这份预览此前已经确认提交") {
		t.Errorf("period page lacks the state:\n%s", problemsOf(body))
	}
	// Another editor's browser holding the token learns nothing.
	v := c.newUser(t)
	v.signIn("viewer", viewerPassword)
	if resp, _ := v.get(loc); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer on the confirmed token: %d", resp.StatusCode)
	}
	// An unknown token stays not found.
	if resp, _ := u.get("/data/preview/00000000000000000000000000000000"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
}

// An accepted submission is not offered 通过 again, and a second 通过
// (a stale page, a double click) is refused and writes nothing; the
// county sees the city's reviewer by role, not the account name.
func TestCityAcceptsOnce(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	a.seedGrowth(t, "5.8") // made-up figure of a made-up county
	cp := newCityPortal(t, a, b)
	u := newUserOf(t, cp.URL)
	u.signIn("shenhe", editorPassword)
	_, board := u.get("/?period=2023-01")
	sha := boardDataset(t, board, a.Code)
	// The ranking says which of its figures the city has not accepted.
	if _, rank := u.get("/ranking?period=2023-01"); !strings.Contains(rank, "尚未通过市级审核") || !strings.Contains(rank, "样例县（已报送待审核）") {
		t.Errorf("ranking does not say 样例县 is not accepted:\n%s", problemsOf(rank))
	}
	accept := url.Values{"county": {a.Code}, "period": {"2023-01"}, "dataset": {sha}, "verdict": {"accepted"}}
	if resp, _ := u.post("/review", accept); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	if _, rank := u.get("/ranking?period=2023-01"); strings.Contains(rank, "尚未通过市级审核") {
		t.Errorf("ranking still calls accepted figures provisional:\n%s", problemsOf(rank))
	}
	_, board = u.get("/?period=2023-01")
	row := board[strings.Index(board, `id="county-`+a.Code+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Contains(row, `value="accepted"`) || !strings.Contains(row, "已通过，无需再审") || !strings.Contains(row, `value="returned"`) {
		t.Errorf("accepted row still offers 通过 (or no longer offers 退回):\n%s", row)
	}
	if !strings.Contains(row, "已通过 · shenhe（审核员）") {
		t.Errorf("the verdict does not name the reviewer with the role:\n%s", row)
	}
	resp, body := u.post("/review", accept)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该县本期数据已通过，未重复记录") {
		t.Fatalf("second accept: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	if n := len(reviewLog(t, a).Entries); n != 1 {
		t.Fatalf("the review log has %d entries after a refused second accept", n)
	}
	cu := a.newUser(t)
	cu.signIn("admin", editorPassword)
	_, page := cu.get("/data/periods/2023-01")
	if !strings.Contains(page, "衡阳市审核员 于 ") || strings.Contains(page, "shenhe") {
		t.Errorf("the county's period page names the reviewer wrongly:\n%s", problemsOf(page))
	}
}

// The next step is on the page: an empty dashboard points to 数据报送, a
// submission offers 生成报告, and the periods list says what the city made
// of each month, in the same words as the city board.
func TestNextStepShown(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	_, dash := u.get("/")
	for _, want := range []string{"尚无已报送的数据", `href="/data"`, "前往数据报送"} {
		if !strings.Contains(dash, want) {
			t.Errorf("empty dashboard lacks %q", want)
		}
	}
	v := c.newUser(t)
	v.signIn("viewer", viewerPassword)
	if _, dash := v.get("/"); strings.Contains(dash, "前往数据报送") || !strings.Contains(dash, "本县填报员报送数据后") {
		t.Errorf("a viewer's empty dashboard:\n%s", problemsOf(dash))
	}

	jan := c.seedDataset(t, false)
	resp, _ := u.uploadFile("2023-02", "yangli-2023-02.json", fixtureFebruary(t, jan, "5"))
	resp, body := u.post(resp.Header.Get("Location"), url.Values{"explanation": {"测试说明"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	_, page := u.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "下一步：用这份数据生成本期报告") || !strings.Contains(page, `<input type="hidden" name="period" value="2023-02">`) {
		t.Errorf("period page after submitting offers no 生成报告:\n%s", problemsOf(page))
	}
	if _, page := v.get("/data/periods/2023-02?submitted=1"); strings.Contains(page, "下一步：用这份数据生成本期报告") {
		t.Error("a viewer is offered 生成报告")
	}

	// The city returns 2023-02: the periods list says 已退回 and links to it.
	c.verdict(t, cityArchive(t, c), "2023-02", review.VerdictReturned, "请核实（测试样例）")
	_, list := u.get("/data")
	for _, want := range []string{"市级审核", `href="/data/periods/2023-02#review" class="state state-returned">已退回</a>`} {
		if !strings.Contains(list, want) {
			t.Errorf("periods list lacks %q:\n%s", want, problemsOf(list))
		}
	}
}
