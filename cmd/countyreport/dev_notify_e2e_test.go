package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/notify/mailpittest"
	"github.com/countyreport/countyreport/internal/repo"
)

// samplesMailingTo copies config/samples into a folder of the test's with
// their mail channels sent to mailPort (the samples name the local
// platform's default, 11025; a test never uses a fixed port).
func samplesMailingTo(t *testing.T, mailPort string) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "samples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", filepath.Join(root, "config", "samples"), err)
	}
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "port: 11025,", "port: "+mailPort+",")
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assertReturnReachesHengnan is the notifications issue's done-when: a
// reviewer returns Hengnan's 2023-01 submission from the city portal with
// a comment; the comment arrives by mail, in Chinese, at the local mail
// server (and in English for the address that reads English), and
// Hengnan's portal lists the mails under 通知记录 as 已送达. No timing is
// asserted: it polls with generous deadlines.
func assertReturnReachesHengnan(t *testing.T, run *devRun, mailAPIPort string) {
	t.Helper()
	const comment = "测试意见（端到端测试）：一般公共预算收入与财政局口径不一致，请核实后重报。"
	city, cityURL := run.signIn(t, "hengyang")
	board := getPage(t, city, cityURL+"?period=2023-01")
	m := regexp.MustCompile(`name="county" value="430422"><input type="hidden" name="period" value="2023-01"><input type="hidden" name="dataset" value="([^"]+)"`).FindStringSubmatch(board)
	if m == nil {
		t.Fatalf("the city board offers no verdict on Hengnan's 2023-01:\n%s", board)
	}
	resp, err := city.PostForm(cityURL+"review", neturl.Values{"county": {"430422"}, "period": {"2023-01"}, "dataset": {m[1]},
		"verdict": {"returned"}, "comment": {comment}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "已退回") {
		t.Fatalf("returning Hengnan's 2023-01: %s\n%s", resp.Status, body)
	}

	mail := &mailpittest.Server{API: "http://127.0.0.1:" + mailAPIPort}
	want := map[string]string{
		"staff@hengnan.example.org":    "【退回】衡南县 2023-01 数据被退回",
		"staff-en@hengnan.example.org": "Returned: Hengnan County's figures for 2023-01",
	}
	for to, subject := range want {
		var got []mailpittest.Summary
		waitFor(t, 3*time.Minute, "the return's mail to "+to+" in the local mail server", func() bool {
			list, err := mail.Messages("to:" + to)
			got = got[:0]
			for _, s := range list {
				if err == nil && s.Subject == subject {
					got = append(got, s)
				}
			}
			return len(got) > 0
		})
		msg, err := mail.Message(got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !strings.Contains(msg.Text, comment) || !strings.Contains(msg.HTML, "一般公共预算收入与财政局口径不一致") {
			t.Errorf("%s: %d mails %q; text:\n%s", to, len(got), subject, msg.Text)
		}
		t.Logf("mailpit holds %q for %s (%s)", subject, to, msg.MessageID)
	}

	county, url := signInAs(t, run, "hengnan")
	delivered := regexp.MustCompile(`【退回】衡南县 2023-01 数据被退回</th>.*?staff@hengnan\.example\.org</td>\s*<td[^>]*\bclass="state-delivered"[^>]*>已送达`)
	waitFor(t, 3*time.Minute, "Hengnan's 通知记录 to list the return as 已送达", func() bool {
		page := getPage(t, county, url+"notifications")
		// A row: subject, channel, recipient, then its result (cells may
		// carry other attributes, such as the phone layout's labels).
		return delivered.MatchString(page)
	})
}

// signInAs signs in to a tenant's portal with the account its table row
// shows (signIn's check that the row shows a report is for Hengshan).
func signInAs(t *testing.T, run *devRun, tenant string) (*http.Client, string) {
	t.Helper()
	row := run.rows[tenant]
	if len(row) < 5 || !strings.HasPrefix(row[2], "http://127.0.0.1:") {
		t.Fatalf("no portal and account for %s in the table:\n%s", tenant, run.output)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(row[2]+"signin", neturl.Values{"username": {row[3]}, "password": {row[4]}})
	if err != nil {
		t.Fatalf("sign in to %s: %v", row[2], err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.HasSuffix(resp.Request.URL.Path, "/signin") {
		t.Fatalf("signing in to %s as %s with the table's password failed: %s", row[2], row[3], resp.Status)
	}
	return c, row[2]
}

// assertTestButtonAfterRestart presses the city portal's test button for
// its mail channel after the platform restarted, waits for the test mail,
// and then finds the return's mail to Hengnan still there once: the test
// request is taken in the same notification pass that derives the return
// again (cities' events first, deliveries after), and Hengnan's outbox is
// delivered before the city's, so by the time the test mail is in, a
// second copy of the return would be too. No timing is asserted.
func assertTestButtonAfterRestart(t *testing.T, run *devRun, mailAPIPort string) {
	t.Helper()
	city, cityURL := signInAs(t, run, "hengyang")
	page := getPage(t, city, cityURL+"notifications")
	if !strings.Contains(page, `name="channel" value="mail"`) {
		t.Fatalf("the city's 通知记录 offers no test of its mail channel:\n%s", page)
	}
	resp, err := city.PostForm(cityURL+"notifications/test", neturl.Values{"channel": {"mail"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "测试消息已排队") {
		t.Fatalf("pressing Test: %s\n%s", resp.Status, body)
	}
	mail := &mailpittest.Server{API: "http://127.0.0.1:" + mailAPIPort}
	count := func(to, subject string) int {
		list, err := mail.Messages("to:" + to)
		if err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		n := 0
		for _, s := range list {
			if s.Subject == subject {
				n++
			}
		}
		return n
	}
	waitFor(t, 3*time.Minute, "the city's test mail in the local mail server", func() bool {
		return count("review@hengyang.example.org", "【测试】衡阳市 通知渠道测试") > 0
	})
	if n := count("staff@hengnan.example.org", "【退回】衡南县 2023-01 数据被退回"); n != 1 {
		t.Errorf("after the restart Hengnan's staff hold %d mails of the return, want 1", n)
	}
	waitFor(t, 3*time.Minute, "the city's 通知记录 to list the test as 已送达", func() bool {
		page := getPage(t, city, cityURL+"notifications")
		return regexp.MustCompile(`【测试】衡阳市 通知渠道测试</th>.*?review@hengyang\.example\.org</td>\s*<td[^>]*\bclass="state-delivered"[^>]*>已送达`).MatchString(page)
	})
}
