package county

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

func parseHengshan(t *testing.T) *dataset.Dataset {
	t.Helper()
	b, err := os.ReadFile("../../../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(b, "hengshan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The Chinese edition sets Chinese punctuation on a copy: the dataset stays
// as entered (it is normalised into dataset.json while the report renders).
func TestChineseEditionLeavesDatasetAlone(t *testing.T) {
	ds, orig := parseHengshan(t), parseHengshan(t)
	extra := dataset.Project{Name: "某项目(二期)", Status: "开工,顺利", Note: "见https://example.cn/a,b"}
	ds.Projects = append(ds.Projects, extra)
	orig.Projects = append(orig.Projects, extra)
	p := edition(ds, false)
	if !reflect.DeepEqual(ds, orig) {
		t.Fatal("edition modified its input")
	}
	last := p.Projects[len(p.Projects)-1]
	checks := map[string]struct{ got, want string }{
		"title":        {p.Meta.Title, "迎难而上，加快建设“五兴六强”现代化新衡山"},
		"headline":     {p.Meta.Source.Headline, "迎难而上，加快建设“五兴六强”现代化新衡山"},
		"project name": {last.Name, "某项目（二期）"},
		"status":       {last.Status, "开工，顺利"},
		"URL in note":  {last.Note, "见https://example.cn/a,b"},
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

// The English edition uses the English forms, units in English, and marks
// the Chinese original where no English is given.
func TestEnglishEdition(t *testing.T) {
	ds := parseHengshan(t)
	ds.Projects = append(ds.Projects, dataset.Project{Name: "未译项目", Investment: num(t, "1.5"), Unit: "亿元"})
	p := edition(ds, true)
	if p.Meta.Title != ds.Meta.TitleEn || p.Meta.CountyName != "Hengshan County" || p.Meta.Source.Publication != "Hengyang Daily" {
		t.Errorf("meta not in English: %q, %q, %q", p.Meta.Title, p.Meta.CountyName, p.Meta.Source.Publication)
	}
	for i, s := range p.Sections {
		for j, it := range s.Items {
			if hasHan(it) && !strings.HasPrefix(it, OriginalMark) {
				t.Errorf("sections[%d].items[%d] is Chinese and unmarked: %.40q", i, j, it)
			}
		}
	}
	last := p.Projects[len(p.Projects)-1]
	if last.Name != OriginalMark+"未译项目" {
		t.Errorf("untranslated name %q, want it marked", last.Name)
	}
	if last.Investment.String() != "150" || last.Unit != "million yuan" {
		t.Errorf("1.5 亿元 is %s %q in English, want 150 million yuan", last.Investment, last.Unit)
	}
	for _, in := range p.Indicators {
		if hasHan(in.Name) || hasHan(in.Unit) || hasHan(in.Milestone) {
			t.Errorf("indicator %s not in English: %q %q %q", in.ID, in.Name, in.Unit, in.Milestone)
		}
	}
}

func num(t *testing.T, s string) *dataset.Number {
	n, ok := dataset.NewNumber(s)
	if !ok {
		t.Fatal(s)
	}
	return n
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}
