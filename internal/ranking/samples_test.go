package ranking

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/repo"
)

// The seven counties of the 衡阳市 sample, by code, and their sample dataset
// (none for 衡东县, which published nothing that was found).
var sampleCounties = []struct{ code, name, slug string }{
	{"430421", "衡阳县", "hengyangxian"},
	{"430422", "衡南县", "hengnan"},
	{"430423", "衡山县", "hengshan"},
	{"430424", "衡东县", ""},
	{"430426", "祁东县", "qidong"},
	{"430481", "耒阳市", "leiyang"},
	{"430482", "常宁市", "changning"},
}

func samplesDir(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "config", "samples")
}

func readDataset(t *testing.T, slug string) *dataset.Dataset {
	t.Helper()
	name := filepath.Join(samplesDir(t), "datasets", slug+"-2023-01.yaml")
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(raw, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// published reads the file of published figures: county code → indicator
// name → [value, unit, change].
func published(t *testing.T) map[string]map[string][3]string {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir(t), "datasets", "hengyang-counties-2022.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][3]string{}
	for _, r := range rows[1:] {
		if out[r[0]] == nil {
			out[r[0]] = map[string][3]string{}
		}
		if r[2] != "" {
			out[r[0]][r[2]] = [3]string{r[3], r[4], r[5]}
		}
	}
	return out
}

// Every figure in the six new sample datasets is in the file of published
// figures, for that county, under the same name, with the same unit.
// Hengshan's dataset is the seed article's and is checked in internal/dataset.
func TestSampleFiguresArePublishedOnes(t *testing.T) {
	pub := published(t)
	for _, c := range sampleCounties {
		if c.slug == "" || c.slug == "hengshan" {
			continue
		}
		d := readDataset(t, c.slug)
		if d.Meta.CountyCode != c.code || d.Meta.Source == nil || d.Meta.Source.Publication == "" {
			t.Fatalf("%s: code %s, source %+v", c.slug, d.Meta.CountyCode, d.Meta.Source)
		}
		for _, in := range d.Indicators {
			p, ok := pub[c.code][in.Name]
			if !ok {
				t.Fatalf("%s: %s (%s) is not among %s's published figures", c.slug, in.ID, in.Name, c.name)
			}
			num := func(n *dataset.Number) string {
				if n == nil {
					return ""
				}
				return n.String()
			}
			if num(in.Value) != p[0] || (in.Value != nil && in.Unit != p[1]) || num(in.Change) != p[2] {
				t.Fatalf("%s: %s is %s %s (%s%%), published %v", c.slug, in.Name, num(in.Value), in.Unit, num(in.Change), p)
			}
		}
	}
	if len(pub["430424"]) != 0 {
		t.Fatalf("衡东县 has published figures now: add its dataset: %v", pub["430424"])
	}
}

// The sample city's ranking over the samples, worked by hand.
func TestSampleCityRanking(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(samplesDir(t), "city.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var city v1alpha1.CityReport
	docs := splitYAML(raw)
	if err := yaml.Unmarshal(docs[len(docs)-1], &city); err != nil || city.Kind != "CityReport" {
		t.Fatalf("city.yaml: %v (kind %q)", err, city.Kind)
	}
	in := Input{Period: "2023-01", Method: string(city.Spec.Ranking.Method)}
	for _, ind := range city.Spec.Ranking.Indicators {
		in.Terms = append(in.Terms, Term{ID: ind.ID, Measure: string(ind.Measure), Weight: int(ind.Weight), Direction: string(ind.Direction)})
	}
	if len(city.Spec.Members) != len(sampleCounties) {
		t.Fatalf("city.yaml lists %d members", len(city.Spec.Members))
	}
	for _, c := range sampleCounties {
		var d *dataset.Dataset
		if c.slug != "" {
			d = readDataset(t, c.slug)
		}
		in.Members = append(in.Members, FromDataset(c.code, c.name, "", d))
	}
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	// Efficacy over the five counties with both figures (衡山县 has no GDP
	// value: 缺项; 衡东县 nothing: 未上报). GDP 358.72..445.25 (range 86.53),
	// growth 5.1..5.6 (range 0.5); score = (60 + 40 v + 60 + 40 c) / 2.
	eff := func(v, c float64) float64 { return (60 + 40*(v-358.72)/86.53 + 60 + 40*(c-5.1)/0.5) / 2 }
	want := []struct {
		code  string
		score float64
		rank  int
		why   string
	}{
		{"430422", eff(414.27, 5.4), 1, ""}, // 衡南县 84.84
		{"430481", eff(445.25, 5.2), 2, ""}, // 耒阳市 84.00
		{"430426", eff(358.72, 5.6), 3, ""}, // 祁东县 80.00
		{"430421", eff(420.77, 5.2), 4, ""}, // 衡阳县 78.34
		{"430482", eff(430.01, 5.1), 5, ""}, // 常宁市 76.48
		{"430423", math.NaN(), 0, Incomplete},
		{"430424", math.NaN(), 0, NotReported},
	}
	for i, w := range want {
		got := res.Composite[i]
		if got.Code != w.code || got.Rank != w.rank || got.Missing != w.why {
			t.Fatalf("composite row %d: %+v, want %s rank %d %s", i, got, w.code, w.rank, w.why)
		}
		if w.why == "" && math.Abs(*got.Score-w.score) > 1e-9 {
			t.Fatalf("%s scored %v, want %v", got.Code, *got.Score, w.score)
		}
	}
	// GDP by value: 衡山县 sent figures but not this one (无此项数据),
	// 衡东县 sent nothing (未上报); neither is last.
	var order []string
	for _, r := range find(t, res, "gdp", Value).Rows {
		order = append(order, r.Code+":"+strconv.Itoa(r.Rank)+r.Missing)
	}
	wantOrder := []string{"430481:1", "430482:2", "430421:3", "430422:4", "430426:5", "430423:0无此项数据", "430424:0未上报"}
	if len(order) != len(wantOrder) {
		t.Fatalf("gdp by value: %v", order)
	}
	for i := range order {
		if order[i] != wantOrder[i] {
			t.Fatalf("gdp by value: %v, want %v", order, wantOrder)
		}
	}
}

// splitYAML splits a multi-document YAML file.
func splitYAML(raw []byte) [][]byte {
	var docs [][]byte
	start := 0
	for i := 0; i+4 <= len(raw); i++ {
		if (i == 0 || raw[i-1] == '\n') && string(raw[i:i+4]) == "---\n" {
			docs = append(docs, raw[start:i])
			start = i + 4
		}
	}
	return append(docs, raw[start:])
}
