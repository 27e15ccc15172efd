package layout

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/render/pdftest"
)

// structOutline is the structure under e, one element a line, indented by depth,
// with a TH's scope and whether a figure has alternative text.
func structOutline(e *Elem, depth int, b *strings.Builder) {
	fmt.Fprintf(b, "%s%s", strings.Repeat(" ", depth), e.Role)
	if e.Scope != "" {
		b.WriteString(" " + e.Scope)
	}
	if e.Role == "Figure" && e.Alt != "" {
		b.WriteString(" alt")
	}
	b.WriteString("\n")
	for _, k := range e.kids {
		structOutline(k, depth+1, b)
	}
}

var (
	stH    = Style{Face: Sans, Size: 14, Leading: 20}
	stP    = Style{Face: Serif, Size: 10.5, Leading: 19, Indent: 21}
	stCapt = Style{Face: Sans, Size: 10, Leading: 16, Align: Center}
)

// What the flow builds is its structure, in reading order: one case a
// kind of content.
func TestStructure(t *testing.T) {
	fonts := testFonts(t)
	cases := []struct {
		name  string
		build func(f *Flow)
		want  string
	}{
		{"headings never skip a level", func(f *Flow) {
			f.Heading("一、概况", stH, 0, 0)
			f.Heading("主要指标", stH, 0, -1)
			f.Heading("动能一", stH, 0, 1)
			f.Heading("主要任务", stH, 0, -1)
			f.Para("正文。", stP)
		}, "Document\n H1\n H2\n H2\n H3\n P\n"},
		{"a table with its caption, column and row headers", func(f *Flow) {
			f.Table(Table{Caption: "表1　指标", CaptionStyle: stCapt, Face: Serif,
				Cols: []Column{{Title: "指标", W: 200, RowHeader: true}, {Title: "2022年", W: 100, Right: true}},
				Rows: [][]string{{"地区生产总值", "413.8"}, {"财政收入", ""}}})
		}, "Document\n Table\n  Caption\n  TR\n   TH Column\n   TH Column\n  TR\n   TH Row\n   TD\n  TR\n   TH Row\n   TD\n"},
		{"a list: label and body", func(f *Flow) {
			f.Begin("L")
			f.ListItem("1. ", "用美丽乡村路铺就美好生活路。", stP, MarginX, ContentW)
			f.ListItem("2. ", "衡山黄鸡产业旺。", stP, MarginX, ContentW)
			f.End()
		}, "Document\n L\n  LI\n   Lbl\n   LBody\n  LI\n   Lbl\n   LBody\n"},
		{"a chart: caption, figure with its data, source", func(f *Flow) {
			f.Chart(BarChart(fonts[Sans], BarSpec{Title: "图1　增速（%）", Width: ContentW, Source: "资料来源：测试（虚构）",
				Bars: []Bar{{Label: "甲", Value: 1, Text: "+1%"}, {Label: "乙", Value: -2, Text: "-2%"}}}))
		}, "Document\n Caption\n Figure alt\n P\n"},
		{"the contents are read where they stand", func(f *Flow) {
			f.Para("封面", stP)
			f.NewPage(false) // the contents
			f.NewPage(false)
			f.Heading("一、概况", stH, 0, 0)
			f.Heading("（一）总体", stH, 0, 1)
			f.Contents(2, "目　录", stH, stP, stP, strconv.Itoa)
		}, "Document\n P\n H1\n TOC\n  TOCI\n   Link\n  TOCI\n   Link\n H1\n H2\n"},
		{"a photograph: a figure with its caption as alternative text", func(f *Flow) {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			var buf bytes.Buffer
			png.Encode(&buf, img)
			if !f.Image(buf.Bytes(), "衡山黄鸡产业旺。（唐志军 摄）", MarginX, ContentW, 100) {
				t.Fatal("image refused")
			}
		}, "Document\n Figure alt\n"},
		{"nothing empty is kept, but a table's empty cell", func(f *Flow) {
			f.Para("", stP)
			f.Begin("L")
			f.End()
			f.Para("正文。", stP)
			f.Table(Table{Face: Serif, Cols: []Column{{Title: "指标", W: 200}}, Rows: [][]string{{""}, {""}, {""}}})
		}, "Document\n P\n Table\n  TR\n   TH Column\n  TR\n   TD\n  TR\n   TD\n  TR\n   TD\n"},
		{"cards: a division each, its parts paragraphs", func(f *Flow) {
			f.Cards([]Card{{Title: "地区生产总值", Figure: "413.8", Unit: "亿元", Foot: "增长 4.2%", Badge: "预计"}}, 3)
		}, "Document\n Div\n  P\n  P\n  P\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := New(fonts)
			f.NewPage(false)
			c.build(f)
			pdf := f.Finish(Meta{Title: "测试", Lang: "zh-CN"})
			var b strings.Builder
			structOutline(f.Structure(), 0, &b)
			if b.String() != c.want {
				t.Errorf("structure:\n%s\nwant:\n%s", b.String(), c.want)
			}
			// every element with text has marked content
			var walk func(e *Elem)
			walk = func(e *Elem) {
				if e.leaf() && e.Role != "Link" && e.Role != "TD" && len(e.mcrs) == 0 {
					t.Errorf("%s has no marked content", e.Role)
				}
				for _, k := range e.kids {
					walk(k)
				}
			}
			walk(f.Structure())
			checkMarked(t, pdf)
			if strings.Contains(c.want, "Link") {
				// each link is in the tree (OBJR) and says where it goes
				for _, s := range []string{"/StructParent ", "/Type /OBJR", "/Contents " + pdfString("一、概况")} {
					if !strings.Contains(string(pdf), s) {
						t.Errorf("the link lacks %s", s)
					}
				}
			}
		})
	}
}

var reNums = regexp.MustCompile(`/Nums \[((?: \d+ \[[^\]]*\]| \d+ \d+ 0 R)*) \]`)

// checkMarked reads pdf back: qpdf finds it valid; the structure reads
// the marked content in the order it is drawn; in every page's
// content, each marked-content sequence is closed, the MCIDs are 0, 1, …
// as many as the page's entry in the parent tree, and nothing is painted
// outside a sequence (content or artifact).
func checkMarked(t *testing.T, pdf []byte) {
	t.Helper()
	pdftest.QPDFCheck(t, pdf)
	pdftest.CheckReadingOrder(t, pdf)
	m := reNums.FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no parent tree")
	}
	var perPage []int
	for _, e := range regexp.MustCompile(`\d+ \[([^\]]*)\]`).FindAllSubmatch(m[1], -1) {
		perPage = append(perPage, strings.Count(string(e[1]), " R"))
	}
	pages := strings.Split(pdftest.QDF(t, pdf), "%% Contents for page ")[1:]
	if len(pages) != len(perPage) {
		t.Fatalf("%d pages, %d in the parent tree", len(pages), len(perPage))
	}
	for i, pg := range pages {
		pg = pg[:strings.Index(pg, "endstream")]
		depth, next := 0, 0
		toks := strings.Fields(pg)
		for k, tok := range toks {
			switch tok {
			case "BDC":
				depth++
			case "EMC":
				depth--
			case "TJ", "f", "S", "Do", "c":
				if depth < 1 {
					t.Errorf("page %d: %s painted outside marked content", i+1, tok)
				}
			case "/MCID":
				if toks[k+1] != strconv.Itoa(next) {
					t.Errorf("page %d: MCID %s, want %d", i+1, toks[k+1], next)
				}
				next++
			}
			if depth < 0 {
				t.Fatalf("page %d: EMC without BDC", i+1)
			}
		}
		if depth != 0 {
			t.Errorf("page %d: %d marked-content sequences left open", i+1, depth)
		}
		if next != perPage[i] {
			t.Errorf("page %d: %d MCIDs, %d in the parent tree", i+1, next, perPage[i])
		}
	}
}

// Runs in the other language: Latin words in Chinese, Chinese in English;
// digits and punctuation are no change.
func TestLangSpans(t *testing.T) {
	cases := []struct {
		s, lang string
		want    string // the spans, as text between brackets
	}{
		{"2023年地区生产总值增长4.2%", "zh-CN", "2023年地区生产总值增长4.2%"},
		{"全县GDP增长", "zh-CN", "全县[GDP]增长"},
		{"来源：https://www.hengyang.gov.cn/a 2023年", "zh-CN", "来源：[https://www.hengyang.gov.cn/a] 2023年"},
		{"Hengshan County, 2022", "en", "Hengshan County, 2022"},
		{"Hengdong County 衡东县 (original)", "en", "Hengdong County [衡东县] (original)"},
		{"“衡阳日报”", "en", "“[衡阳日报]”"},
	}
	for _, c := range cases {
		s := []rune(c.s)
		spans, _ := langSpans(s, c.lang)
		var b strings.Builder
		for i, r := range s {
			for k := 0; k < len(spans); k += 2 {
				if spans[k] == i {
					b.WriteByte('[')
				}
				if spans[k+1] == i {
					b.WriteByte(']')
				}
			}
			b.WriteRune(r)
		}
		if n := len(spans); n > 0 && spans[n-1] == len(s) {
			b.WriteByte(']')
		}
		if b.String() != c.want {
			t.Errorf("%s %q: %s, want %s", c.lang, c.s, b.String(), c.want)
		}
	}
}

// A chart's alternative text states what it plots, in its language.
func TestChartAlt(t *testing.T) {
	bars := []Bar{{Label: "地区生产总值", Text: "+4.2%"}, {Label: "固定资产投资", Text: "+10.1%", Estimated: true}}
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"bars zh", barAlt(BarSpec{Title: "图1　增速（%）", Bars: bars, Estimated: "预计值", Lang: "zh-CN"}),
			"条形图。图1　增速（%）：地区生产总值 +4.2%；固定资产投资 +10.1%（预计值）。"},
		{"bars en", barAlt(BarSpec{Title: "Figure 1. Growth (%)", Bars: []Bar{{Label: "GDP", Text: "+4.2%"}, {Label: "Investment", Text: "+10.1%", Preliminary: true}}, Preliminary: "preliminary", Lang: "en"}),
			"Bar chart. Figure 1. Growth (%): GDP +4.2%; Investment +10.1% (preliminary)."},
		{"bars, language by title", barAlt(BarSpec{Title: "Growth", Bars: bars[:1]}), "Bar chart. Growth: 地区生产总值 +4.2%."},
		{"trend zh", trendAlt(TrendSpec{Title: "图3　增速走势（%）", Periods: []string{"2021", "2022"}, Series: []TrendSeries{{Name: "地区生产总值", Values: []float64{7.9, nan()}}}, Lang: "zh-CN"}),
			"折线图。图3　增速走势（%）：地区生产总值：2021 7.9，2022 无数据。"},
		{"trend en", trendAlt(TrendSpec{Title: "Figure 3. Growth (%)", Periods: []string{"2021", "2022"}, Series: []TrendSeries{{Name: "GDP", Values: []float64{7.9, 4.25}}, {Name: "Retail", Values: []float64{-1, 2}}}, Lang: "en"}),
			"Line chart. Figure 3. Growth (%): GDP: 2021 7.9, 2022 4.25; Retail: 2021 -1, 2022 2."},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
}

// The document is tagged as poppler reads it: pdfinfo says so, and its
// structure shows the headings, the table's cells with their scope and
// the furniture left out (artifacts).
func TestTaggedDocument(t *testing.T) {
	f := New(testFonts(t))
	f.Furniture = func(p *Page, n, total int) {
		p.Header()
		p.Text(f.Font(Sans), MarginX, 46, 8.5, ColMuted, []rune("页眉 running header"), nil, false)
		p.Footer()
		p.Text(f.Font(Sans), MarginX, PageH-32, 8.5, ColMuted, []rune(fmt.Sprintf("第%d页", n)), nil, false)
	}
	f.NewPage(false)
	f.Heading("一、概况", stH, 0, 0)
	f.Para("全县GDP增长4.2%。", stP)
	f.Table(Table{Caption: "表1　指标", CaptionStyle: stCapt, Face: Serif,
		Cols: []Column{{Title: "指标", W: 200, RowHeader: true}, {Title: "2022年", W: 100, Right: true}},
		Rows: [][]string{{"地区生产总值", "413.8"}}})
	pdf := f.Finish(Meta{Title: "测试文档", Lang: "zh-CN"})
	var got []string
	for _, n := range pdftest.Struct(t, pdf) {
		got = append(got, strings.Join(strings.Fields(n.Role+" "+n.Attrs+" "+n.Text), " "))
	}
	want := []string{"Document", "H1 一、概况", "P 全县GDP增长4.2%。", "Table", "Caption 表1 指标", "TR",
		"TH /Scope /Column 指标", "TH /Scope /Column 2022年", "TR", "TH /Scope /Row 地区生产总值", "TD 413.8"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("structure:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range []string{"/MarkInfo << /Marked true >>", "/StructTreeRoot", "/StructParents 0", "/DisplayDocTitle true", "/Lang <FEFF"} {
		if !strings.Contains(string(pdf), s) {
			t.Errorf("the PDF lacks %s", s)
		}
	}
	// the XMP metadata: well-formed, with the title where PDF/UA looks for it
	x := pdfXMP(t, pdf)
	if err := xml.Unmarshal(x, new(struct{})); err != nil {
		t.Errorf("the XMP metadata is not XML: %v", err)
	}
	if !strings.Contains(string(x), `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">测试文档</rdf:li>`) {
		t.Errorf("the XMP metadata lacks the title:\n%s", x)
	}
	qdf := pdftest.QDF(t, pdf)
	for _, s := range []string{"/Artifact << /Type /Pagination /Subtype /Header >> BDC", "/Artifact << /Type /Pagination /Subtype /Footer >> BDC", "/Span << /Lang (en) /MCID 2 >> BDC"} {
		if !strings.Contains(qdf, s) {
			t.Errorf("the page lacks %s:\n%s", s, qdf[strings.Index(qdf, "%% Contents for page"):])
		}
	}
	checkMarked(t, pdf)
}

func nan() float64 { return math.NaN() }

// pdfXMP is the document's XMP metadata as pdfinfo -meta prints it.
func pdfXMP(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out, err := exec.Command(pdftest.Tool(t, "pdfinfo"), "-meta", pdftest.Write(t, pdf)).Output()
	if err != nil {
		t.Fatalf("pdfinfo -meta: %v", err)
	}
	return out
}
