package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// The county's audit page: what staff did, in words, in the county's time
// zone, for editors only, newest first.
func TestAuditPageCounty(t *testing.T) {
	spec := fictional
	spec.Now = steppingClock(time.Date(2027, 3, 15, 10, 20, 30, 0, time.UTC)) // 18:20:30 in Shanghai
	c := newCounty(t, spec)

	stranger := c.newUser(t)
	if r := stranger.signIn("admin", "wrong password"); r.StatusCode == http.StatusSeeOther {
		t.Fatal("a wrong password signed in")
	}
	stranger.signIn("张三", "wrong password") // a name as someone typed it
	viewer := c.newUser(t)
	if r := viewer.signIn("viewer", viewerPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer sign-in: %d", r.StatusCode)
	}
	// A viewer is refused the page and is not offered it.
	if resp, body := viewer.get("/audit"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer reads the audit log: %d\n%s", resp.StatusCode, body)
	}
	if _, home := viewer.get("/"); strings.Contains(home, `href="/audit"`) {
		t.Error("a viewer's navigation offers the audit log")
	}
	viewer.post("/signout", nil)

	ed := c.newUser(t)
	if r := ed.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("editor sign-in: %d", r.StatusCode)
	}
	resp, page := ed.get("/audit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("editor reads the audit log: %d\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `href="/audit" aria-current="page"`) {
		t.Error("the navigation does not mark the audit log as the current page")
	}
	for _, want := range []string{"审计记录", "北京时间", "2027年3月15日 18:20:", "登录失败", "无权限的操作被拒绝", "退出登录", "只读", "填报员", "页面：/audit", "地址：127.0.0.1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	// Newest first: the editor's own sign-in before the viewer's sign-out,
	// before the refusal, before the failed sign-in.
	order := []string{"登录", "退出登录", "无权限的操作被拒绝", "登录", "登录失败"}
	last := -1
	for _, s := range order {
		i := strings.Index(page[last+1:], `audit-what">`+s+"<") + last + 1
		if i <= last {
			t.Errorf("%q is listed out of order (newest first)", s)
		}
		last = i
	}
	if strings.Contains(page, "wrong password") {
		t.Error("the audit page shows a typed password")
	}

	ed.english()
	_, en := ed.get("/audit")
	for _, want := range []string{"Audit log", "China Standard Time", "15 Mar 2027 18:20:", "Sign-in failed", "Signed out", "Action refused: not permitted", "viewer", "editor", "Address: 127.0.0.1"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English audit page lacks %q", want)
		}
	}
	if strings.Contains(en, "：") {
		t.Error("the English audit page has a full-width colon")
	}
	if !strings.Contains(en, `<strong class="audit-who" lang="zh-CN">张三</strong>`) || !strings.Contains(en, `<time datetime="2027-03-15T18:20:`) {
		t.Error("the English audit page does not mark a Chinese name's language, or a time's machine form")
	}
	// A forged page link is refused with a reason, and reads nothing.
	if resp, body := ed.get("/audit?from=" + url.QueryEscape("../x")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "start from the newest") {
		t.Errorf("a forged cursor: %d", resp.StatusCode)
	}
}

// Paging: more entries than a page, each page a bounded read, newest first,
// an older page and a way back; staff actions of two portals of one county
// (two replicas) are all there.
func TestAuditPagePagesAndReplicas(t *testing.T) {
	spec := fictional
	spec.Now = steppingClock(time.Date(2027, 3, 15, 10, 20, 30, 0, time.UTC))
	c := newCounty(t, spec)
	other := startReplica(t, c, "", "", spec.Now) // a second pod of the Deployment
	ed := c.newUser(t)
	if r := ed.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("editor sign-in: %d", r.StatusCode)
	}
	// 55 failed sign-ins from one address, every other one at the second
	// replica, throttled soon: each is an entry (failed or throttled),
	// within the hour's budget.
	u := c.newUser(t)
	for i := 0; i < 55; i++ {
		to := u
		if i%2 == 1 {
			to = u.as(other.URL)
		}
		to.signIn("nobody-"+string(rune('a'+i%26)), "x")
	}
	other.stop() // and gone: what it wrote is not in its memory
	_, first := ed.get("/audit")
	if n := strings.Count(first, `class="audit-what"`); n != 50 {
		t.Fatalf("the first page lists %d entries, want 50", n)
	}
	i := strings.Index(first, `href="/audit?from=`)
	if i < 0 {
		t.Fatal("no link to older entries")
	}
	link := first[i+len(`href="`):]
	link = strings.ReplaceAll(link[:strings.Index(link, `"`)], "&amp;", "&")
	_, second := ed.get(link)
	if n := strings.Count(second, `class="audit-what"`); n != 6 {
		t.Fatalf("the second page lists %d entries, want 6 (56 in all)", n)
	}
	if !strings.Contains(second, `href="/audit"`) || strings.Contains(second, `href="/audit?from=`) {
		t.Error("the last page should link back to the newest and to nothing older")
	}
}

// steppingClock starts at start and moves on a little each time it is
// read (100 µs), so that entries made one after another have distinct
// times and stay within the minute the test checks.
func steppingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return start.Add(time.Duration(n) * 100 * time.Microsecond)
	}
}

// The city's audit page: its reviewers' verdicts, with the county by name
// and the reviewer's role in words; the city's viewers are refused it.
func TestAuditPageCity(t *testing.T) {
	a := newCounty(t, fictional)
	a.seedGrowth(t, "5.8") // made-up figure of a made-up county
	cp := newCityPortal(t, a)

	v := newUserOf(t, cp.URL)
	if r := v.signIn("viewer", viewerPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer sign-in: %d", r.StatusCode)
	}
	if resp, _ := v.get("/audit"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the city's viewer reads the audit log: %d", resp.StatusCode)
	}

	u := newUserOf(t, cp.URL)
	if r := u.signIn("shenhe", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reviewer sign-in: %d", r.StatusCode)
	}
	_, board := u.get("/?period=2023-01")
	sha := boardDataset(t, board, a.Code)
	if resp, _ := u.post("/review", url.Values{"county": {a.Code}, "period": {"2023-01"}, "dataset": {sha}, "verdict": {"accepted"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	_, page := u.get("/audit")
	for _, want := range []string{"审计记录", `audit-what">审核通过<`, "县（市）：样例县", "报告期：2023-01", "审核员", "shenhe", `audit-what">无权限的操作被拒绝<`} {
		if !strings.Contains(page, want) {
			t.Errorf("the city's audit page lacks %q", want)
		}
	}
	u.english()
	_, en := u.get("/audit")
	for _, want := range []string{"Accepted a submission", "County: Yangli County (test fixture)", "Period: 2023-01", "reviewer"} {
		if !strings.Contains(en, want) {
			t.Errorf("the city's English audit page lacks %q", want)
		}
	}
	// The county's own audit log holds none of the city's lines.
	ed := a.newUser(t)
	ed.signIn("admin", editorPassword)
	if _, county := ed.get("/audit"); strings.Contains(county, "shenhe") {
		t.Error("the city's reviewer shows in the county's audit log")
	}
}

// A change of the accounts file (the Secret edited by IT) is an entry: which
// account, what changed, its role, done by no one signed in.
func TestAuditRecordsAccountChanges(t *testing.T) {
	c := newCounty(t, fictional)
	ed := c.newUser(t)
	if r := ed.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("editor sign-in: %d", r.StatusCode)
	}
	removeAccount(t, c, "viewer")
	var page string
	within(t, 60*time.Second, "the removal in the audit log", func() bool {
		_, page = ed.get("/audit")
		return strings.Contains(page, `audit-what">账号已删除（其会话已结束）<`)
	})
	for _, want := range []string{"（账号文件变更）", "账号：viewer", "角色：只读"} {
		if !strings.Contains(page, want) {
			t.Errorf("the account change lacks %q", want)
		}
	}
}
