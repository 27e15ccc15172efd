package portal

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestMarkChinese(t *testing.T) {
	z := func(s string) string { return zhSpanOpen + s + spanClose }
	tests := map[string]struct{ in, want string }{
		"no Chinese: unchanged": {
			in: `<p class="a">Hello &amp; goodbye</p>`, want: `<p class="a">Hello &amp; goodbye</p>`,
		},
		"a name inside an English sentence": {
			in:   `<p>Awaiting review by 衡阳市.</p>`,
			want: `<p>Awaiting review by ` + z("衡阳市") + `.</p>`,
		},
		"latin and digits between Chinese stay in the run": {
			in:   `<li>[Chinese original] 县内GDP增长5.8%，总量</li>`,
			want: `<li>[Chinese original] ` + z("县内GDP增长5.8%，总量") + `</li>`,
		},
		"a space ends a run": {
			in:   `<b>动能一 [Chinese original] 项目</b>`,
			want: `<b>` + z("动能一") + ` [Chinese original] ` + z("项目") + `</b>`,
		},
		"an escaped quote next to Chinese is not split": {
			in:   `<p>&#34;样例&#34; &lt;b&gt;</p>`,
			want: `<p>&#34;` + z("样例") + `&#34; &lt;b&gt;</p>`,
		},
		"inside a zh element: left alone": {
			in: `<div lang="zh-CN"><p>样例县</p></div><p>样例</p>`, want: `<div lang="zh-CN"><p>样例县</p></div><p>` + z("样例") + `</p>`,
		},
		"textarea and option are marked whole": {
			in:   `<textarea id="a">意见</textarea><select><option>English</option><option value="x">县</option></select>`,
			want: `<textarea id="a" lang="zh-CN">意见</textarea><select><option>English</option><option value="x" lang="zh-CN">县</option></select>`,
		},
		"an input with a Chinese value": {
			in:   `<input id="t" value="标题"><input value="x">`,
			want: `<input id="t" value="标题" lang="zh-CN"><input value="x">`,
		},
		"SVG text is marked on its element": {
			in:   `<svg><text x="1">衡山县</text><text>GDP</text></svg>`,
			want: `<svg><text x="1" lang="zh-CN">衡山县</text><text>GDP</text></svg>`,
		},
		"scripts are not touched": {
			in: `<script>var s = "县";</script>`, want: `<script>var s = "县";</script>`,
		},
		"implicitly closed elements do not leak zh": {
			in: `<ul lang="zh-CN"><li>县</ul><p>县</p>`, want: `<ul lang="zh-CN"><li>县</ul><p>` + z("县") + `</p>`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(markChinese([]byte(tc.in))); got != tc.want {
				t.Errorf("markChinese(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzMarkChinese: whatever the page, the result parses to the same text
// (only spans and lang attributes are added), and every Chinese character
// outside script keeps its place.
func FuzzMarkChinese(f *testing.F) {
	for _, s := range []string{
		`<p>Awaiting review by 衡阳市.</p>`, `<textarea>意见</textarea>`, `<svg><text>县</text></svg>`,
		`<p>&#34;样例&#34; &lt;</p>`, `<div lang="zh"><p>县`, `<input value="县" lang=en>`, `<b>县 a 县</b><!-- 县 -->`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		got := markChinese([]byte(page))
		if a, b := textOf(t, page), textOf(t, string(got)); a != b {
			t.Fatalf("text changed:\n in  %q\n out %q\n page %q\n got  %q", a, b, page, got)
		}
	})
}

// textOf is the text content of page as a browser's parser reads it.
func textOf(t *testing.T, page string) string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}
