package typeset

import (
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/dataset"
)

func TestPunctuate(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		// from the Hengshan seed, whose extraction made the punctuation ASCII
		"comma between Han":          {"1月9日,中共衡山县委", "1月9日，中共衡山县委"},
		"headline":                   {"迎难而上,加快建设“五兴六强”现代化新衡山", "迎难而上，加快建设“五兴六强”现代化新衡山"},
		"colon at the end":           {"任务:", "任务："},
		"exclamation":                {"时不我待!", "时不我待！"},
		"colon before text":          {"思路:以制造业兴县", "思路：以制造业兴县"},
		"semicolon":                  {"情防控;切实解决", "情防控；切实解决"},
		"question":                   {"怎么办?干!", "怎么办？干！"},
		"marks in a row":             {"真的吗?!", "真的吗？！"},
		"after a closing quote":      {"“旅游圈”,加快发展", "“旅游圈”，加快发展"},
		"after an ellipsis":          {"获得感……,还有", "获得感……，还有"},
		"after a figure, before Han": {"增长10.8%,地方税收", "增长10.8%，地方税收"},
		"after Latin, before Han":    {"县内GDP,增长5.8%", "县内GDP，增长5.8%"},
		"after Han, before a figure": {"全年,1100余亩", "全年，1100余亩"},
		// issue 12: left ASCII between two figures of Chinese prose
		"percent, then a figure":     {"完成率100%;11个乡镇", "完成率100%；11个乡镇"},
		"percent, comma, figure":     {"下降10.4%,63件", "下降10.4%，63件"},
		"figure, comma, figure":      {"立案123件,涉及28件", "立案123件，涉及28件"},
		"digits stay a number":       {"增长1,100元", "增长1,100元"},
		"parenthesised project":      {"旗滨光伏玻璃(一期)项目", "旗滨光伏玻璃（一期）项目"},
		"parenthesised date":         {"(2023年1月9日)", "（2023年1月9日）"},
		"Latin in Chinese parens":    {"生产总值(GDP)增长", "生产总值（GDP）增长"},
		"list number before Han":     {"(1)加快建设", "（1）加快建设"},
		"half-converted pair":        {"（一期)项目", "（一期）项目"},
		"other half":                 {"(一期）项目", "（一期）项目"},
		"nested pairs":               {"会议(第三次(全体))召开", "会议（第三次（全体））召开"},
		"spaces typed after comma":   {"日, 中共", "日，中共"},
		"spaces around colon":        {"任务 : 加快", "任务：加快"},
		"space before paren":         {"衡阳市 (衡山县)", "衡阳市（衡山县）"},
		"mixed: number and prose":    {"投资1,100万元,增长7.0%", "投资1,100万元，增长7.0%"},
		"time of day kept":           {"上午10:30,会议召开", "上午10:30，会议召开"},
		"ratio kept":                 {"比分3:2获胜", "比分3:2获胜"},
		"figures list":               {"分别增长7.0%,8.1%", "分别增长7.0%，8.1%"},
		"decimal kept":               {"完成投资54.98亿元", "完成投资54.98亿元"},
		"function notation kept":     {"函数f(x)的值", "函数f(x)的值"},
		"English with Han name kept": {"Hengshan County (衡山县)", "Hengshan County (衡山县)"},
		"English sentence kept":      {"The motto: 迎难而上", "The motto: 迎难而上"},
		"Latin text kept":            {"Growth, 5.8% (estimate)!", "Growth, 5.8% (estimate)!"},
		"URL kept":                   {"网址:https://example.cn/a?b=1,2&c=(3);d", "网址：https://example.cn/a?b=1,2&c=(3);d"},
		"URL then Han":               {"见https://example.cn/x,下同", "见https://example.cn/x，下同"},
		"www kept":                   {"详见www.hengshan.gov.cn:8080/a,b", "详见www.hengshan.gov.cn:8080/a,b"},
		"already full-width":         {"1月9日，中共衡山县委（一期）：好！", "1月9日，中共衡山县委（一期）：好！"},
		"empty":                      {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Punctuate(tc.in); got != tc.want {
				t.Errorf("Punctuate(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Punctuate(tc.want); again != tc.want {
				t.Errorf("not idempotent: Punctuate(%q) = %q", tc.want, again)
			}
		})
	}
}

// After Punctuate, a full-width mark falls under the line-breaking rules.
func TestPunctuatedCommaNeverStartsALine(t *testing.T) {
	got := lines(Punctuate("衡山县直面疫情,旱情,各项工作"), 5, 0)
	want := []string{"衡山县直面", "疫情，旱", "情，各项工", "作"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPunctuateHengshan(t *testing.T) {
	b, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(b, "h.yaml")
	if err != nil {
		t.Fatal(err)
	}
	texts := append([]string{d.Meta.Title}, d.Meta.Lead...)
	for _, s := range d.Sections {
		texts = append(texts, s.Title, s.Summary)
		texts = append(texts, s.Items...)
	}
	changed := 0
	for _, s := range texts {
		p := Punctuate(s)
		if p != s {
			changed++
		}
		rs := []rune(p)
		for i, r := range rs {
			if !strings.ContainsRune(",:;!?()", r) {
				continue
			}
			if (i > 0 && IsCJK(rs[i-1])) || (i+1 < len(rs) && IsCJK(rs[i+1])) {
				t.Errorf("ASCII %q left next to Chinese: %q", r, string(rs[max(0, i-4):min(len(rs), i+5)]))
			}
		}
	}
	if changed < 20 {
		t.Errorf("only %d of Hengshan's texts changed", changed)
	}
}

func FuzzPunctuate(f *testing.F) {
	for _, s := range []string{
		"1月9日,中共衡山县委", "(2023年1月9日)", "投资1,100万元,增长7.0%", "Hengshan County (衡山县)",
		"网址:https://example.cn/a?b=1,2", "日 , (中) ,b", "a ,(中) ,b", "f(x)的值", "“旅游圈”,加快", "", "a,b: c!",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		p := Punctuate(s)
		if again := Punctuate(p); again != p {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", s, p, again)
		}
		cjk := false
		for _, r := range s {
			cjk = cjk || r >= 0x2E80
		}
		if !cjk && p != s {
			t.Fatalf("text without CJK changed: %q -> %q", s, p)
		}
		keep := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return -1
			}, s)
		}
		if keep(p) != keep(s) {
			t.Fatalf("letters or digits changed: %q -> %q", s, p)
		}
		// only the marks change width, and only spaces go
		folded := func(s string) string { return strings.ReplaceAll(strings.Map(fold, s), " ", "") }
		if folded(p) != folded(s) {
			t.Fatalf("more than punctuation changed: %q -> %q", s, p)
		}
	})
}
