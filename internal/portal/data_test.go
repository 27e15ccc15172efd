package portal_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

// uploadFile posts a file to /data/upload as a browser's form would.
func (u *user) uploadFile(period, name string, data []byte) (*http.Response, string) {
	u.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	mustDo(u.t, w.WriteField("period", period))
	fw, err := w.CreateFormFile("file", name)
	mustDo(u.t, err)
	_, _ = fw.Write(data)
	mustDo(u.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, u.base+"/data/upload", &body)
	mustDo(u.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := u.http.Do(req)
	mustDo(u.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// fixtureFebruary is the fictional county's 2023-02: January's dataset with
// made-up figures (a test fixture), one of them implausible.
func fixtureFebruary(t *testing.T, jan *dataset.Dataset, budgetChange string) []byte {
	t.Helper()
	b, err := jan.Normalized()
	mustDo(t, err)
	var doc map[string]any
	mustDo(t, json.Unmarshal(b, &doc))
	doc["meta"].(map[string]any)["period"] = "2023-02"
	for _, it := range doc["indicators"].([]any) {
		m := it.(map[string]any)
		switch m["id"] {
		case "local_tax":
			m["value"] = json.Number("7.02")
		case "budget_revenue":
			m["change"] = json.Number(budgetChange)
		}
	}
	out, err := json.Marshal(doc)
	mustDo(t, err)
	return out
}

func TestSubmitFileErrorsPreviewExplainConfirm(t *testing.T) {
	c := newCounty(t, fictional)
	jan := c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)

	// An error refuses the upload, named by field path; nothing is stored.
	bad := bytes.Replace(fixtureFebruary(t, jan, "250"), []byte(`"value":7.02`), []byte(`"value":"七点零二"`), 1)
	resp, body := u.uploadFile("2023-02", "yangli-2023-02.json", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "indicators[2].value") {
		t.Fatalf("bad upload: %d\n%s", resp.StatusCode, body)
	}
	if _, err := c.Archive.GetDataset(testCtx(t), "2023-02"); err == nil {
		t.Fatal("a refused upload stored a dataset")
	}

	// A good one with an implausible change: the preview and its warning.
	resp, _ = u.uploadFile("2023-02", "yangli-2023-02.json", fixtureFebruary(t, jan, "250"))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/data/preview/") {
		t.Fatalf("upload: %d to %q", resp.StatusCode, loc)
	}
	_, body = u.get(loc)
	for _, want := range []string{"需要说明的异常变化", "250", "本期尚无已存数据", `name="explanation"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q:\n%s", want, problemsOf(body))
		}
	}
	// A viewer can neither see nor confirm another account's preview.
	v := c.newUser(t)
	v.signIn("viewer", viewerPassword)
	if resp, _ := v.post(loc, url.Values{"explanation": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer confirm: %d", resp.StatusCode)
	}
	if resp, _ := v.uploadFile("2023-02", "x.json", fixtureFebruary(t, jan, "5")); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer upload: %d", resp.StatusCode)
	}
	// Without an explanation: refused, nothing stored.
	resp, body = u.post(loc, url.Values{"explanation": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写说明") {
		t.Fatalf("confirm without explanation: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = u.post(loc, url.Values{"explanation": {"<script>alert(1)</script> 一次性土地出让收入（测试说明）"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/data/periods/2023-02?submitted=1" {
		t.Fatalf("confirm: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = u.get("/data/periods/2023-02?submitted=1")
	for _, want := range []string{"已提交", "7.02", "admin", "&lt;script&gt;alert(1)&lt;/script&gt; 一次性土地出让收入", "yangli-2023-02.json"} {
		if !strings.Contains(body, want) {
			t.Errorf("period page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("the explanation is not escaped")
	}
	// The dashboard shows the new figures at once (its cache invalidated).
	if _, body = u.get("/"); !strings.Contains(body, "7.02") || !strings.Contains(body, "2023-02") {
		t.Errorf("dashboard after confirm lacks the new figures")
	}
	// The data page lists both periods with who submitted.
	if _, body = u.get("/data"); !strings.Contains(body, "2023-02") || !strings.Contains(body, "已报送") {
		t.Errorf("data page:\n%s", body)
	}
	if !strings.Contains(c.Logs.String(), `"event":"submit","user":"admin"`) {
		t.Error("submit not in the audit log")
	}
}

func TestSubmitWebForm(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	resp, body := u.get("/data/form?period=2023-02")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="ind.2.value" value="6.31"`) {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	form := url.Values{"period": {"2023-02"}, "title": {"样例县2月数据（测试样例）"}, "ind.count": {"2"}, "sec.count": {"1"},
		"sec.0.kind": {"note"}, "sec.0.title": {"说明（测试样例）"}, "sec.0.summary": {"测试用的文字部分。"},
		"ind.0.id": {"local_tax"}, "ind.0.name": {"地方税收"}, "ind.0.value": {"abc"}, "ind.0.unit": {"亿元"}, "ind.0.change": {"5.1"}, "ind.0.basis": {"2023年1-2月"},
		"ind.1.id": {"gdp"}, "ind.1.name": {"县内GDP"}, "ind.1.change": {"4.9"}, "ind.1.basis": {"2023年1-2月"},
	}
	resp, body = u.post("/data/form", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="abc"`) {
		t.Fatalf("form with an error: %d\n%s", resp.StatusCode, body)
	}
	// Named as the page labels it, linked to the input, which is marked.
	for _, want := range []string{`<a href="#ind-0-value">指标第1行「地方税收」的数值：应为数字`,
		`id="ind-0-value" name="ind.0.value" aria-invalid="true"`, "1 处错误"} {
		if !strings.Contains(body, want) {
			t.Errorf("form with an error lacks %q\n%s", want, problemsOf(body))
		}
	}
	if strings.Contains(body, "indicators[0]") || strings.Contains(body, `name="ind.1.value" aria-invalid`) {
		t.Errorf("form with an error: a field path, or a sound input marked\n%s", problemsOf(body))
	}
	form.Set("ind.0.value", "6.4")
	resp, body = u.post("/data/form", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/data/preview/") {
		t.Fatalf("form: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), problemsOf(body))
	}
	_, body = u.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "6.4") {
		t.Fatalf("preview of the form:\n%s", body)
	}
}

func TestTemplateAndLimits(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	resp, body := u.get("/data/template?period=2023-02")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''%E6%A0%B7%E4%BE%8B%E5%8E%BF-2023-02") {
		t.Fatalf("template: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	resp, body = u.uploadFile("2023-02", "big.json", bytes.Repeat([]byte(" "), 21<<20))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "20 MB") {
		t.Fatalf("21 MB upload: %d\n%.300s", resp.StatusCode, body)
	}
	if resp, _ := u.get("/data/template?period=2023-13"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad period: %d", resp.StatusCode)
	}
}

// problemsOf is the part of a page worth printing when a test fails.
func problemsOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}
