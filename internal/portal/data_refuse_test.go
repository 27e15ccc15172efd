package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/testenv"
)

// monthsFromNow is the month in progress on the portals' clock in the
// county's zone, and the months n later.
func monthsFromNow(t *testing.T, n int) string {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	mustDo(t, err)
	return period.Of(testenv.Clock().Now(), loc).AddMonths(n).String()
}

// Data for a month that has not ended is refused by file and by form, with
// the reason, and nothing is stored; templates and forms are not offered
// for a month after the one in progress.
func TestDataRefusesOpenAndFutureMonths(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	cur, next, far := monthsFromNow(t, 0), monthsFromNow(t, 3), monthsFromNow(t, 40)

	resp, body := u.uploadFile(cur, "x.json", []byte(`{"meta":{"countyCode":"999001","period":"`+cur+`"}}`))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "报告期 "+cur+" 尚未结束") {
		t.Fatalf("upload for %s: %d\n%s", cur, resp.StatusCode, problemsOf(body))
	}
	if _, err := c.Archive.GetDataset(testCtx(t), cur); err == nil {
		t.Fatal("a refused upload stored a dataset")
	}
	for _, p := range []string{next, far} {
		for _, path := range []string{"/data/form?period=", "/data/template?period="} {
			resp, body := u.get(path + p)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "报告期 "+p+" 还未到来") || !strings.Contains(body, `id="period"`) {
				t.Errorf("%s%s: %d\n%s", path, p, resp.StatusCode, problemsOf(body))
			}
		}
	}
	// One picker, prefilled with the month under review, stops where the
	// checks do; the month in progress offers no upload.
	last := monthsFromNow(t, -1)
	_, body = u.get("/data")
	for _, want := range []string{`id="period" name="period" type="month" value="` + last + `" max="` + cur + `"`,
		`name="period" value="` + last + `"`, `href="/data/template?period=` + last + `"`, `href="/data/form?period=` + last + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("data page lacks %s", want)
		}
	}
	if n := strings.Count(body, `type="month"`); n != 1 {
		t.Errorf("the data page has %d period pickers, want one", n)
	}
	_, body = u.get("/data?period=" + cur)
	if !strings.Contains(body, `value="`+cur+`"`) || strings.Contains(body, `action="/data/upload"`) || !strings.Contains(body, "尚未结束") {
		t.Errorf("the month in progress chosen: the page should offer the template and form, no upload\n%s", problemsOf(body))
	}
	if resp, body := u.get("/data?period=" + next); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "还未到来") || !strings.Contains(body, `value="`+last+`"`) {
		t.Errorf("a future month chosen: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	// The month in progress may be prepared, not submitted.
	if resp, body := u.get("/data/form?period=" + cur); resp.StatusCode != http.StatusOK {
		t.Fatalf("form for %s: %d\n%s", cur, resp.StatusCode, problemsOf(body))
	}
	form := url.Values{"period": {cur}, "title": {"测试样例"}, "ind.count": {"1"}, "sec.count": {"0"},
		"ind.0.id": {"local_tax"}, "ind.0.name": {"地方税收"}, "ind.0.value": {"6.4"}, "ind.0.unit": {"亿元"}}
	resp, body = u.post("/data/form", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "尚未结束") || !strings.Contains(body, `value="6.4"`) {
		t.Fatalf("form post for %s: %d\n%s", cur, resp.StatusCode, problemsOf(body))
	}
}

// A file in a format the portal does not read is named and the way out
// given, with the upload control on the same page.
func TestUploadForeignFormats(t *testing.T) {
	c := newCounty(t, fictional)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	for _, f := range []struct {
		name string
		data []byte
		want string
	}{
		{"样例县2023年2月.xls", ole, "不能读取旧版 Excel 文件（.xls）"},
		{"说明.doc", ole, "不能读取Word 文档（.doc）"},
		{"数据.csv", []byte("指标,数值\n"), "不能读取CSV 文件（.csv）"},
	} {
		resp, body := u.uploadFile("2023-02", f.name, f.data)
		for _, want := range []string{f.want, "请使用下载的 .xlsx 模板", `name="file"`, `name="period" value="2023-02"`} {
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("%s: %d, page lacks %q\n%s", f.name, resp.StatusCode, want, problemsOf(body))
			}
		}
		for _, bad := range []string{"应为对象", "UTF-8"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page still says %q", f.name, bad)
			}
		}
	}
}

// A month typed by hand (no month picker) is read as people write it, or
// refused on the Data page itself with how to write it.
func TestTypedPeriods(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	for _, typed := range []string{"2023-2", "2023年2月", "２０２３/２"} {
		resp, body := u.get("/data/form?period=" + url.QueryEscape(typed))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="period" value="2023-02"`) {
			t.Errorf("form for %q: %d\n%s", typed, resp.StatusCode, problemsOf(body))
		}
	}
	if resp, body := u.get("/data/template?period=2023-2"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Errorf("template for 2023-2: %d", resp.StatusCode)
	}
	resp, body := u.uploadFile("2023-2", "x.csv", []byte("a,b\n"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "报告期 2023-02") {
		t.Errorf("upload for 2023-2: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	resp, body = u.get("/data/form?period=23-2")
	for _, want := range []string{"无法识别报告期“23-2”：请写作“年-月”，如 2023-01 或 2023-1", `href="#period"`, `id="period"`, `id="up-file"`} {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("form for 23-2: %d, lacks %q\n%s", resp.StatusCode, want, problemsOf(body))
		}
	}
}

// The same refusals in English: named, with the way out, and the singular
// for one problem.
func TestDataRefusalsInEnglish(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	u.post("/lang", url.Values{"to": {"en"}, "back": {"/data"}})
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	resp, body := u.uploadFile("2023-02", "data.xls", ole)
	for _, want := range []string{"cannot read old Excel files (.xls): fill in the downloaded .xlsx template", "1 problem found; nothing was stored.", "Correct it and upload again."} {
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf(".xls in English: %d, lacks %q\n%s", resp.StatusCode, want, problemsOf(body))
		}
	}
	cur, far := monthsFromNow(t, 0), monthsFromNow(t, 40)
	if resp, body := u.uploadFile(cur, "x.json", []byte(`{}`)); !strings.Contains(body, "period "+cur+" has not ended yet") {
		t.Errorf("upload for %s in English: %d\n%s", cur, resp.StatusCode, problemsOf(body))
	}
	if resp, body := u.get("/data/form?period=" + far); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "period "+far+" is still to come") {
		t.Errorf("form for %s in English: %d\n%s", far, resp.StatusCode, problemsOf(body))
	}
	form := url.Values{"period": {"2023-02"}, "title": {"test fixture"}, "ind.count": {"1"}, "sec.count": {"0"},
		"ind.0.id": {"local_tax"}, "ind.0.name": {"地方税收"}, "ind.0.value": {"abc"}, "ind.0.unit": {"亿元"}}
	resp, body = u.post("/data/form", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#ind-0-value">Indicators row 1 (<span lang="zh-CN">地方税收</span>), value: must be a number`) {
		t.Errorf("form error in English: %d\n%s", resp.StatusCode, problemsOf(body))
	}
}
