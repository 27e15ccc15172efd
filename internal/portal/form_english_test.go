package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/render/lang"
)

// An indicator's English name entered in the web form reaches the stored
// dataset and the English edition, which then shows no "[Chinese
// original]" mark for it (and still marks the one left without).
func TestFormEnglishIndicatorNames(t *testing.T) {
	c := newCounty(t, fictional)
	c.seedDataset(t, false)
	u := c.newUser(t)
	u.signIn("admin", editorPassword)
	_, page := u.get("/data/form?period=2023-02")
	if !strings.Contains(page, `id="ind-0-nameEn" name="ind.0.nameEn"`) || !strings.Contains(page, "英文名称") {
		t.Fatalf("the form has no English name field\n%s", problemsOf(page))
	}
	form := url.Values{"period": {"2023-02"}, "title": {"样例县2月数据（测试样例）"}, "ind.count": {"2"}, "sec.count": {"1"},
		"sec.0.kind": {"note"}, "sec.0.title": {"说明（测试样例）"}, "sec.0.summary": {"测试用的文字部分。"},
		"ind.0.id": {"local_tax"}, "ind.0.name": {"地方税收"}, "ind.0.nameEn": {"Local tax revenue"}, "ind.0.value": {"6.4"}, "ind.0.unit": {"亿元"},
		"ind.1.id": {"new_firms"}, "ind.1.name": {"新设企业"}, "ind.1.value": {"12"}, "ind.1.unit": {"个"},
	}
	resp, body := u.post("/data/form", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	if resp, body := u.post(resp.Header.Get("Location"), url.Values{"explanation": {"测试说明"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, problemsOf(body))
	}
	b, err := c.Archive.GetDataset(testCtx(t), "2023-02")
	mustDo(t, err)
	ds, err := dataset.Parse(b, "dataset.json")
	mustDo(t, err)
	en := render.Edition(ds, "en")
	names := map[string]string{}
	for _, in := range en.Indicators {
		names[in.ID] = in.Name
	}
	if names["local_tax"] != "Local tax revenue" {
		t.Errorf("English edition names local_tax %q, want the name entered", names["local_tax"])
	}
	if !strings.HasPrefix(names["new_firms"], lang.OriginalMark) {
		t.Errorf("English edition names new_firms %q: want the Chinese original marked", names["new_firms"])
	}
	// The form shows the stored English name again.
	if _, page := u.get("/data/form?period=2023-02"); !strings.Contains(page, `value="Local tax revenue"`) {
		t.Error("the form does not show the stored English name")
	}
}
