package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

// The ranking says where its figures come from, as the city's report does:
// compiled from published sources (a dataset stored without a submission
// that names its source) or submitted through the portal and reviewed; and
// it marks every ranked figure the city has not accepted.
func TestCityRankingProvenance(t *testing.T) {
	a, b := newCounty(t, fictional), newCounty(t, fictional2)
	// Made-up figures of made-up counties, stored without a submission and
	// naming a (made-up) publication: compiled from published sources.
	for _, c := range []struct {
		c      *county
		growth string
	}{{a, "5.8"}, {b, "6.3"}} {
		ds := c.c.seedGrowth(t, c.growth)
		ds.Meta.Source = &dataset.Source{Publication: "样例日报（虚构，测试样例）", PublicationEn: "Sample Daily (fictional, test fixture)", Date: "2023-01-09"}
		norm, err := ds.Normalized()
		mustDo(t, err)
		_, err = c.c.Archive.PutDataset(testCtx(t), ds.Meta.Period, norm)
		mustDo(t, err)
	}
	cp := newCityPortal(t, a, b)
	u := newUserOf(t, cp.URL)
	if r := u.signIn("shenhe", editorPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reviewer sign-in: %d", r.StatusCode)
	}
	_, page := u.get("/ranking?period=2023-01")
	for _, want := range []string{"数据来源", "各县（市）的数据均据公开资料整理，未经县（市）通过平台报送，也未经市级审核。",
		`>据公开资料整理</td><td data-label="出处">样例日报（虚构，测试样例）</td>`, `<span class="mark">公开资料</span>`, "资料来源：据公开资料整理。"} {
		if !strings.Contains(page, want) {
			t.Errorf("ranking of published figures lacks %q", want)
		}
	}
	if strings.Contains(page, "各县（市）报送数据") {
		t.Error("the ranking claims submitted data for published figures")
	}

	// The city accepts 样例县's figures and returns 示例县's: both now came
	// through review; only the returned one is marked.
	_, board := u.get("/?period=2023-01")
	verdict := func(code, v, comment string) {
		form := url.Values{"county": {code}, "period": {"2023-01"}, "dataset": {boardDataset(t, board, code)}, "verdict": {v}, "comment": {comment}}
		if resp, body := u.post("/review", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %s: %d\n%s", v, code, resp.StatusCode, problemsOf(body))
		}
	}
	verdict(a.Code, "accepted", "")
	verdict(b.Code, "returned", "请核实增速（测试意见）")
	_, page = u.get("/ranking?period=2023-01")
	for _, want := range []string{"各县（市）的数据均经平台报送，由市级审核。", `>经平台报送</td>`,
		`<span class="mark">已退回</span>`, "以下县（市）的数据尚未通过市级审核，排名仅供参考：示例县（已退回）", "资料来源：各县（市）报送数据。"} {
		if !strings.Contains(page, want) {
			t.Errorf("ranking after review lacks %q", want)
		}
	}
	// 样例县's accepted growth carries no mark; 示例县's returned one does.
	if strings.Contains(page, `5.8 <span class="mark">`) || !strings.Contains(page, `6.3 <span class="mark">已退回</span>`) {
		t.Errorf("marks on the indicator ranking are wrong:\n%s", page)
	}
	u.english()
	_, en := u.get("/ranking?period=2023-01")
	for _, want := range []string{"Where the figures come from", "Every county submitted its figures through the portal", `<span class="mark">Returned</span>`, "Marked figures have not been accepted by the city"} {
		if !strings.Contains(en, want) {
			t.Errorf("English ranking lacks %q", want)
		}
	}
}
