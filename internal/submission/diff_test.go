package submission

import (
	"fmt"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/dataset"
)

// ind builds a made-up indicator for the tests: "id value unit change".
func ind(spec string) dataset.Indicator {
	f := strings.Fields(spec)
	in := dataset.Indicator{ID: f[0], Name: "测试" + f[0]}
	num := func(s string) *dataset.Number {
		if s == "-" {
			return nil
		}
		n, ok := dataset.NewNumber(s)
		if !ok {
			panic(s)
		}
		return n
	}
	in.Value = num(f[1])
	if f[2] != "-" {
		in.Unit = f[2]
	}
	in.Change = num(f[3])
	return in
}

func ds(period string, specs ...string) *dataset.Dataset {
	d := &dataset.Dataset{Meta: dataset.Meta{CountyCode: "430423", CountyName: "衡山县", Period: period, Title: "测试"},
		Sections: []dataset.Section{{Kind: dataset.KindNote, Items: []string{"测试 " + period}}}}
	for _, s := range specs {
		d.Indicators = append(d.Indicators, ind(s))
	}
	return d
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name      string
		old, next *dataset.Dataset
		want      string // changed | added | removed | sections | meta
	}{
		{"nothing stored: all added", nil, ds("2023-02", "a 1 个 -", "b - - 5"), "|a,b||0 added|countyCode →430423,countyName →衡山县,period →2023-02,title →测试"},
		{"same", ds("2023-02", "a 1 个 -"), ds("2023-02", "a 1 个 -"), "||||"},
		{"value changed", ds("2023-02", "a 1 个 -"), ds("2023-02", "a 2 个 -"), "a.value 1→2||||"},
		{"precision is a change", ds("2023-02", "a 7 % -"), ds("2023-02", "a 7.0 % -"), "a.value 7→7.0||||"},
		{"change added, unit changed", ds("2023-02", "a 1 个 -"), ds("2023-02", "a 1 家 3"), "a.unit 个→家,a.change →3||||"},
		{"added and removed", ds("2023-02", "a 1 个 -", "b 1 个 -"), ds("2023-02", "a 1 个 -", "c 1 个 -"), "|c|b||"},
		{"reordered only", ds("2023-02", "a 1 个 -", "b 1 个 -"), ds("2023-02", "b 1 个 -", "a 1 个 -"), "||||"},
		{"section changed and added", ds("2023-02", "a 1 个 -"), func() *dataset.Dataset {
			d := ds("2023-02", "a 1 个 -")
			d.Sections = []dataset.Section{{Kind: dataset.KindNote, Items: []string{"改"}}, {Kind: dataset.KindPlan, Title: "新", Items: []string{"x"}}}
			return d
		}(), "|||0 changed,1 added|"},
		{"meta changed", ds("2023-02", "a 1 个 -"), func() *dataset.Dataset {
			d := ds("2023-02", "a 1 个 -")
			d.Meta.Title, d.Meta.Source = "新标题", &dataset.Source{Publication: "测试报"}
			return d
		}(), "||||title 测试→新标题,source.publication →测试报"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.old, tc.next)
			var changed, added, removed, sections, meta []string
			for _, c := range d.Changed {
				changed = append(changed, c.ID+"."+c.Field+" "+c.Old+"→"+c.New)
			}
			for _, r := range d.Added {
				added = append(added, r.ID)
			}
			for _, r := range d.Removed {
				removed = append(removed, r.ID)
			}
			for _, s := range d.Sections {
				sections = append(sections, fmt.Sprintf("%d %s", s.Index, s.Change))
			}
			for _, c := range d.Meta {
				meta = append(meta, c.Field+" "+c.Old+"→"+c.New)
			}
			got := strings.Join([]string{strings.Join(changed, ","), strings.Join(added, ","), strings.Join(removed, ","), strings.Join(sections, ","), strings.Join(meta, ",")}, "|")
			if got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
			if d.Empty() != (tc.want == "||||") {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
}

func TestCheck(t *testing.T) {
	prev := ds("2023-01", "tax 6.31 亿元 10.8", "gdp - - 5.8", "n 10 个 -", "neg -2 亿元 -", "zero 0 个 -")
	cases := []struct {
		name string
		next *dataset.Dataset
		want string // code:id@path, …
	}{
		{"ordinary month", ds("2023-02", "tax 6.5 亿元 12", "gdp - - 6", "n 12 个 -"), ""},
		{"+250%", ds("2023-02", "tax 6.5 亿元 250"), "change:tax@indicators[0].change"},
		{"+100% is still usual", ds("2023-02", "tax 6.5 亿元 100"), ""},
		{"-50% is still usual, -50.1 is not", ds("2023-02", "tax 6.5 亿元 -50", "gdp - - -50.1"), "change:gdp@indicators[1].change"},
		{"more than doubled", ds("2023-02", "n 21 个 -"), "jump:n@indicators[0].value"},
		{"exactly doubled", ds("2023-02", "n 20 个 -"), ""},
		{"less than half", ds("2023-02", "n 4.9 个 -"), "jump:n@indicators[0].value"},
		{"sign flipped", ds("2023-02", "neg 1 亿元 -"), "jump:neg@indicators[0].value"},
		{"from zero", ds("2023-02", "zero 1 个 -"), "jump:zero@indicators[0].value"},
		{"unit changed", ds("2023-02", "tax 63100 万元 -"), "unit:tax@indicators[0].unit"},
		{"new indicator: changes only", ds("2023-02", "new 1000 个 300"), "change:new@indicators[0].change"},
		{"every figure as last month", ds("2023-02", "tax 6.31 亿元 10.8", "gdp - - 5.8"), "same:@indicators"},
		{"one figure updated", ds("2023-02", "tax 6.31 亿元 10.8", "gdp - - 5.9"), ""},
		{"the narrative as last month", func() *dataset.Dataset { d := ds("2023-02", "n 11 个 -"); d.Sections = prev.Sections; return d }(), "same:@sections"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, w := range Check(prev, tc.next, nil) {
				if w.Msg == "" || w.MsgEn == "" || w.Where != w.Path {
					t.Errorf("warning %+v: want both messages, located by path", w)
				}
				got = append(got, w.Code+":"+w.ID+"@"+w.Path)
			}
			if g := strings.Join(got, ","); g != tc.want {
				t.Errorf("\n got %s\nwant %s", g, tc.want)
			}
		})
	}
	if ws := Check(nil, ds("2023-02", "n 1000 个 -"), nil); len(ws) != 0 {
		t.Errorf("no previous period: %v", ws)
	}
}
