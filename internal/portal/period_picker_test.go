package portal_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// settableClock is a portal clock the test moves (portal.Options.Now).
type settableClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *settableClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *settableClock) Set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

// The Data page's one period picker starts at the month under review: the
// last month that has ended in the county's time zone, at the instants
// around a month's end where UTC and Shanghai disagree.
func TestPeriodPickerFollowsTheClock(t *testing.T) {
	sh := time.FixedZone("UTC+8", 8*3600)
	clock := &settableClock{at: time.Date(2025, 1, 1, 0, 30, 0, 0, sh)}
	spec := fictional
	spec.Now = clock.Now
	c := newCounty(t, spec)
	// Made-up data (test fixture) for two months, the later one under
	// review at the first instant below.
	ds := c.seedDataset(t, false)
	c.storeAs(t, ds, "2024-11", nil)
	c.storeAs(t, ds, "2024-12", nil)
	cases := []struct {
		at        time.Time
		due, open string
	}{
		{time.Date(2025, 1, 1, 0, 30, 0, 0, sh), "2024-12", "2025-01"},   // 31 Dec 16:30 in UTC
		{time.Date(2025, 3, 31, 23, 30, 0, 0, sh), "2025-02", "2025-03"}, // 31 Mar 15:30 in UTC
		{time.Date(2028, 3, 1, 7, 0, 0, 0, sh), "2028-02", "2028-03"},    // after a leap February
	}
	for _, tc := range cases {
		clock.Set(tc.at)
		u := c.newUser(t) // a session does not outlive a jump of months
		if r := u.signIn("admin", editorPassword); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in at %s: %d", tc.at, r.StatusCode)
		}
		_, body := u.get("/data")
		want := `id="period" name="period" type="month" value="` + tc.due + `" max="` + tc.open + `"`
		if !strings.Contains(body, want) || !strings.Contains(body, `name="period" value="`+tc.due+`"`) {
			t.Errorf("at %s: the picker is not %s\n%s", tc.at, want, problemsOf(body))
		}
		if n := strings.Count(body, `type="month"`); n != 1 {
			t.Errorf("at %s: %d period pickers, want one", tc.at, n)
		}
		// "Generate now" offers the month under review first when it has data.
		_, reports := u.get("/reports")
		if selected := strings.Contains(reports, `<option value="`+tc.due+`" selected>`); selected != (tc.due == "2024-12") {
			t.Errorf("at %s: generate-now selects %s: %v", tc.at, tc.due, selected)
		}
	}
}

// A workbook that names its period is submitted for that period, whatever
// the page had chosen; the refusal page then offers the workbook's period.
func TestUploadTakesTheWorkbooksPeriod(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false) // January on file (test fixture)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	resp, xlsx := u.get("/data/template?period=2023-02")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(xlsx, "PK") {
		t.Fatalf("template: %d", resp.StatusCode)
	}
	due := monthsFromNow(t, -1)
	resp, _ = u.uploadFile(due, "样例县2023年2月.xlsx", []byte(xlsx))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/data/preview/") {
		t.Fatalf("upload of February's workbook with %s chosen: %d", due, resp.StatusCode)
	}
	_, preview := u.get(resp.Header.Get("Location"))
	if !strings.Contains(preview, "2023-02 数据预览") {
		t.Errorf("the preview is not for the workbook's period 2023-02:\n%s", problemsOf(preview))
	}
	// A file that names no period keeps the page's choice.
	resp, body := u.uploadFile("2023-03", "x.csv", []byte("a,b\n"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `name="period" value="2023-03"`) {
		t.Errorf("a file without a period: %d\n%s", resp.StatusCode, problemsOf(body))
	}
}
