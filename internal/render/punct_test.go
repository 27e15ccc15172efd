package render

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

func parseHengshan(t *testing.T) *dataset.Dataset {
	t.Helper()
	b, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(b, "hengshan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The renderer sets Chinese punctuation on a copy: the dataset stays as
// entered (it is normalised into dataset.json while the report renders).
func TestPunctuatedCopyLeavesDatasetAlone(t *testing.T) {
	ds, orig := parseHengshan(t), parseHengshan(t)
	ds.Projects = append(ds.Projects, dataset.Project{Name: "某项目(二期)", Status: "开工,顺利", Note: "见https://example.cn/a,b"})
	orig.Projects = append(orig.Projects, dataset.Project{Name: "某项目(二期)", Status: "开工,顺利", Note: "见https://example.cn/a,b"})
	p := punctuated(ds)
	if !reflect.DeepEqual(ds, orig) {
		t.Fatal("punctuated modified its input")
	}
	checks := map[string]struct{ got, want string }{
		"title":        {p.Meta.Title, "迎难而上，加快建设“五兴六强”现代化新衡山"},
		"headline":     {p.Meta.Source.Headline, "迎难而上，加快建设“五兴六强”现代化新衡山"},
		"project name": {p.Projects[len(p.Projects)-1].Name, "某项目（二期）"},
		"status":       {p.Projects[len(p.Projects)-1].Status, "开工，顺利"},
		"URL in note":  {p.Projects[len(p.Projects)-1].Note, "见https://example.cn/a,b"},
		"source URL":   {p.Meta.Source.URL, orig.Meta.Source.URL},
	}
	for name, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(p.Meta.Lead[0], "刚刚过去的一年，") {
		t.Errorf("lead not punctuated: %q", p.Meta.Lead[0])
	}
}

// Both renditions set the data's punctuation the Chinese way; the English
// edition's labels keep theirs.
func TestRenditionsPunctuated(t *testing.T) {
	f := testFont(t)
	ds := parseHengshan(t)
	for _, lang := range []string{"zh-CN", "en"} {
		out, err := Render(ds, f, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		html := string(out.HTML)
		for _, s := range []string{"迎难而上，加快建设", "时不我待！", "衡邦玻璃（一期）"} {
			if !strings.Contains(html, s) {
				t.Errorf("%s HTML lacks %q", lang, s)
			}
		}
		if strings.Contains(html, "迎难而上,") {
			t.Errorf("%s HTML has the title's ASCII comma", lang)
		}
		if lang == "en" && !strings.Contains(html, "Hengshan County (衡山县)") {
			t.Error("the English label lost its English parentheses")
		}
	}
}
