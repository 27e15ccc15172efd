package portal_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/testenv"
)

// cityArchive is the county's bucket as the city writes its verdicts there
// (the admin credentials stand in for the city's member access).
func cityArchive(t *testing.T, c *county) *storage.Archive {
	t.Helper()
	st, err := storage.New(minio.RootConfig())
	mustDo(t, err)
	return st.Archive(c.Bucket)
}

// verdict records the city's verdict on the dataset c has stored for
// period now, bound as the city binds it: the version read and the SHA-256
// of its bytes.
func (c *county) verdict(t *testing.T, city *storage.Archive, period, verdict, comment string) {
	t.Helper()
	_, info, err := city.ReadDataset(testCtx(t), period, "")
	mustDo(t, err)
	_, err = review.Append(testCtx(t), city, period, review.Entry{
		Verdict: verdict, By: "市统计局审核员", At: testenv.Clock().Now(), Comment: comment,
		DatasetSHA256: info.ContentSHA256, DatasetVersion: info.VersionID, Binding: review.BindingCityRead,
	})
	mustDo(t, err)
}

// storeAs stores ds (changed by edit) as the dataset of period.
func (c *county) storeAs(t *testing.T, ds *dataset.Dataset, period string, edit func(*dataset.Dataset)) {
	t.Helper()
	ds.Meta.Period = period
	if edit != nil {
		edit(ds)
	}
	norm, err := ds.Normalized()
	mustDo(t, err)
	_, err = c.Archive.PutDataset(testCtx(t), period, norm)
	mustDo(t, err)
}

func (u *user) english() {
	u.t.Helper()
	if resp, _ := u.post("/lang", url.Values{"to": {"en"}, "back": {"/"}}); resp.StatusCode != http.StatusSeeOther {
		u.t.Fatalf("switch to English: %d", resp.StatusCode)
	}
}

func expectPage(t *testing.T, u *user, path string, want, refuse []string) {
	t.Helper()
	resp, body := u.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d\n%s", path, resp.StatusCode, problemsOf(body))
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", path, w)
		}
	}
	for _, r := range refuse {
		if strings.Contains(body, r) {
			t.Errorf("%s has %q", path, r)
		}
	}
	if t.Failed() {
		t.Fatalf("%s:\n%s", path, reviewSection(body))
	}
}

// reviewSection is the review card of a page, for failure messages.
func reviewSection(body string) string {
	if i := strings.Index(body, `id="review"`); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</section>"); j >= 0 {
			return body[:j]
		}
	}
	return problemsOf(body)
}

// The period page shows the city's verdict: awaiting review, returned with
// the city's comment (escaped) and a call to resubmit, resubmitted, then
// accepted; in Chinese and in English.
func TestPeriodPageShowsCityReview(t *testing.T) {
	c := newCounty(t, fictional)
	ds := c.seedDataset(t, false)
	city := cityArchive(t, c)
	const page = "/data/periods/2023-01"

	zh := c.newUser(t)
	zh.signIn("admin", editorPassword)
	en := c.newUser(t)
	en.signIn("viewer", viewerPassword)
	en.english()

	// Stored in 2026 for January 2023: awaiting review, and late.
	expectPage(t, zh, page, []string{"市级审核", "已报送待审核", "等待衡阳市审核", "报送截止：2023年2月5日24时", "逾期"}, []string{"已退回", "!review"})
	expectPage(t, en, page, []string{"City review", "Submitted, awaiting review", "Due by the end of 5 February 2023", "Late"}, []string{"!review"})

	// The county's own credentials cannot write a verdict.
	info, err := c.Archive.DescribeDataset(testCtx(t), "2023-01")
	mustDo(t, err)
	if _, err := review.Append(testCtx(t), c.Archive, "2023-01", review.Entry{Verdict: review.VerdictAccepted, By: "county", At: testenv.Clock().Now(), DatasetSHA256: info.SHA256}); err == nil || errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("the county wrote its own verdict: %v", err)
	}

	comment := `一般公共预算收入增速与财政局口径不符<script>alert("x")</script>，请核实后重报。`
	c.verdict(t, city, "2023-01", review.VerdictReturned, comment)
	escaped := `一般公共预算收入增速与财政局口径不符&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;，请核实后重报。`
	expectPage(t, zh, page, []string{"已退回", "衡阳市审核员 于 ", " 退回。", "市级意见", escaped,
		"请按市级意见修改数据后重新报送", `href="/data/form?period=2023-01"`, "修改后重新报送"},
		[]string{`<script>alert`, "已通过", "已报送待审核"})
	// English pages mark their Chinese lang="zh-CN" (zhlang.go).
	expectPage(t, en, page, []string{"Returned", `Returned by the <span lang="zh-CN">衡阳市</span> reviewer on `, "The city&#39;s comment", `<span lang="zh-CN">` + escaped + `</span>`,
		"correct the data as the city asks and submit it again"},
		[]string{`<script>alert`, "Correct and submit again"}) // a viewer is not offered to resubmit

	// A corrected dataset is a resubmission awaiting a verdict of its own.
	c.storeAs(t, ds, "2023-01", func(d *dataset.Dataset) { d.Meta.Title += "（修改后）" })
	expectPage(t, zh, page, []string{"已重报待审核", "重新报送于 ", "上次审核：已退回（衡阳市审核员，"}, []string{escaped, "请按市级意见修改"})
	expectPage(t, en, page, []string{"Resubmitted, awaiting review", "Submitted again on ", `Previous review: Returned (the <span lang="zh-CN">衡阳市</span> reviewer, `}, []string{escaped})

	c.verdict(t, city, "2023-01", review.VerdictAccepted, "")
	expectPage(t, zh, page, []string{"已通过", "衡阳市审核员 于 ", " 审核通过。"}, []string{"已退回", "已重报待审核", "请按市级意见修改"})
	expectPage(t, en, page, []string{"Accepted", `Accepted by the <span lang="zh-CN">衡阳市</span> reviewer on `}, []string{"Resubmitted"})

	// The attack: with the county's own credentials, other figures written
	// over the accepted dataset with its metadata (its SHA-256 claim)
	// copied. The page says resubmitted, not accepted.
	mc, err := miniogo.New(c.Scoped.Endpoint, &miniogo.Options{
		Creds: credentials.NewStaticV4(c.Scoped.AccessKey, c.Scoped.SecretKey, c.Scoped.SessionToken), Region: "us-east-1"})
	mustDo(t, err)
	key := "data/2023-01/dataset.json"
	old, err := mc.StatObject(testCtx(t), c.Bucket, key, miniogo.StatObjectOptions{})
	mustDo(t, err)
	ds.Meta.Title += "（未经审核的新数据，测试用）"
	forged, err := ds.Normalized()
	mustDo(t, err)
	_, err = mc.PutObject(testCtx(t), c.Bucket, key, bytes.NewReader(forged), int64(len(forged)),
		miniogo.PutObjectOptions{UserMetadata: old.UserMetadata, ContentType: old.ContentType})
	mustDo(t, err)
	expectPage(t, zh, page, []string{"已重报待审核", "上次审核：已通过（衡阳市审核员，"}, []string{"审核通过。"})
}

// A period nobody submitted says so, with its deadline.
func TestPeriodPageNotSubmitted(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	expectPage(t, u, "/data/periods/2023-03", []string{"市级审核", "逾期未报", "报送截止：2023年4月5日24时", "已过报送截止时间，请尽快报送"}, []string{"!review"})
}

// The deadline is the city's (the operator copies its spec.review into
// the configuration), in the city's zone: the county sees the same
// deadline as the city's board.
func TestPeriodPageShowsTheCitysDeadline(t *testing.T) {
	spec := fictional
	spec.Review = &v1alpha1.ReviewSpec{DeadlineDay: 12, TimeZone: "Asia/Shanghai"}
	spec.CityEn = "Hengyang City"
	c := newCounty(t, spec)
	c.seedDataset(t, false) // 2023-01
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	expectPage(t, u, "/data/periods/2023-03", []string{"逾期未报", "报送截止：2023年4月12日24时"}, []string{"4月5日", "!review"})
	expectPage(t, u, "/data/periods/2023-01", []string{"等待衡阳市审核", "报送截止：2023年2月12日24时"}, []string{"Hengyang City"})
	u.english()
	expectPage(t, u, "/data/periods/2023-03", []string{"Overdue", "Due by the end of 12 April 2023"}, []string{"5 April", "!review"})
	expectPage(t, u, "/data/periods/2023-01", []string{"awaiting review by Hengyang City", "Due by the end of 12 February 2023"}, []string{"衡阳市"})
}

// The dashboard shows the month under review (the previous month in the
// county's zone) and, when the city returned it, the latest period on file,
// each linking to its period page.
func TestDashboardShowsCityReview(t *testing.T) {
	c := newCounty(t, fictional)
	ds := c.seedDataset(t, false)
	city := cityArchive(t, c)
	c.verdict(t, city, "2023-01", review.VerdictReturned, "请补充<b>样例批注</b>进度。")

	// The month under review and its state follow the portal's clock: the
	// previous month in Asia/Shanghai, 未报送 until the end of the 5th (the
	// default deadline), 逾期未报 from the 6th.
	sh, err := time.LoadLocation("Asia/Shanghai")
	mustDo(t, err)
	now := testenv.Clock().Now().In(sh)
	due := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, sh).Format("2006-01")
	dueState := "未报送"
	if now.Day() > 5 {
		dueState = "逾期未报"
	}

	zh := c.newUser(t)
	zh.signIn("admin", editorPassword)
	en := c.newUser(t)
	en.signIn("admin", editorPassword)
	en.english()

	_, body := zh.get("/")
	section := reviewSection(body)
	for _, want := range []string{"市级审核（" + due + "）：", dueState, `href="/data/periods/` + due + `#review"`,
		"市级审核（2023-01）：", `href="/data/periods/2023-01#review"`, "已退回 — 请修改后重新报送"} {
		if !strings.Contains(section, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "样例批注") {
		t.Error("the dashboard shows the comment; it shows only the state and links to the period")
	}
	if t.Failed() {
		t.Fatalf("dashboard:\n%s", section)
	}

	// The month under review submitted and returned: it alone is shown (the
	// latest period on file is the month under review).
	c.storeAs(t, ds, due, nil)
	c.verdict(t, city, due, review.VerdictReturned, "数据不完整")
	wantZh := "市级审核（" + due + "）：<a href=\"/data/periods/" + due + "#review\"><strong class=\"review-state\">已退回 — 请修改后重新报送</strong></a>"
	deadline := time.Now().Add(40 * time.Second)
	for {
		_, body = zh.get("/")
		if strings.Contains(body, wantZh) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the returned month under review never showed:\n%s", reviewSection(body))
		}
		time.Sleep(time.Second) // the cached view refreshes within stateTTL
	}
	if strings.Contains(reviewSection(body), "2023-01") {
		t.Errorf("an older period shown beside the month under review's own latest:\n%s", reviewSection(body))
	}
	_, body = en.get("/")
	if want := "City review (" + due + "): "; !strings.Contains(body, want) || !strings.Contains(body, "Returned — please correct and submit again") {
		t.Fatalf("English dashboard:\n%s", reviewSection(body))
	}
}
