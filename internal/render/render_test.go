package render

import (
	"bytes"
	"image/png"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/pdftest"
)

func testFonts(t testing.TB) *Fonts {
	t.Helper()
	fs, err := LoadFonts(FontPaths{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	return fs
}

func parse(t testing.TB, data []byte, name string) *dataset.Dataset {
	t.Helper()
	ds, err := dataset.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

var (
	hsOnce sync.Once
	hsOut  map[string]*Output
	hsErr  error
)

// hengshan renders Hengshan's January 2023 report in both editions, once.
func hengshan(t *testing.T) (zh, en *Output) {
	t.Helper()
	hsOnce.Do(func() {
		b, err := os.ReadFile("../../config/samples/datasets/hengshan-2023-01.yaml")
		if err != nil {
			hsErr = err
			return
		}
		ds, err := dataset.Parse(b, "hengshan.yaml")
		if err != nil {
			hsErr = err
			return
		}
		fs, err := LoadFonts(FontPaths{})
		if err != nil {
			hsErr = err
			return
		}
		hsOut = map[string]*Output{}
		for _, lang := range []string{"zh-CN", "en"} {
			out, err := Render(ds, fs, Options{Lang: lang})
			if err != nil {
				hsErr = err
				return
			}
			hsOut[lang] = out
		}
	})
	if hsErr != nil {
		t.Fatal(hsErr)
	}
	return hsOut["zh-CN"], hsOut["en"]
}

const tinyYAML = `# Made-up test data: not a real county.
meta:
  countyCode: "999999"
  countyName: 示例县
  countyNameEn: Example County
  period: "2023-03"
  title: 合成数据（仅供测试）
indicators:
  - id: gdp
    name: 地区生产总值
    value: 12.5
    unit: 亿元
    change: 4.5
  - id: local_tax
    name: 地方税收
    value: 1.20
    unit: 亿元
    change: -2.5
sections:
  - kind: review
    title: 合成数据说明
    items:
      - 本数据为测试用合成数据，不代表任何真实县域。
`

// A small dataset from before reference periods and English forms renders
// in both editions: the page count agrees with poppler, the PDF is valid
// and reproducible, every chart has an SVG and a PNG, and the running
// footer counts the pages.
func TestRenderTiny(t *testing.T) {
	fs := testFonts(t)
	ds := parse(t, []byte(tinyYAML), "tiny.yaml")
	cases := map[string]struct {
		lang, footer string
		words        []string
	}{
		"zh-CN": {lang: "zh-CN", footer: "共", words: []string{"示例县", "地区生产总值", "12.5", "亿元"}},
		"en":    {lang: "en", footer: "of", words: []string{"Example", "1.25"}}, // 12.5 亿元 is 1.25 billion yuan
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := Render(ds, fs, Options{Lang: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			again, err := Render(ds, fs, Options{Lang: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.PDF, again.PDF) || !bytes.Equal(out.HTML, again.HTML) {
				t.Error("not reproducible")
			}
			if info := pdftest.Info(t, out.PDF); info["Pages"] != strconv.Itoa(out.Pages) {
				t.Errorf("pdfinfo Pages %q, Output.Pages %d", info["Pages"], out.Pages)
			}
			if out.IndicatorPage < 1 || out.IndicatorPage > out.Pages {
				t.Errorf("IndicatorPage %d of %d", out.IndicatorPage, out.Pages)
			}
			ws, _ := pdftest.Words(t, out.PDF)
			all := map[string]bool{}
			pages := map[int]bool{}
			for _, w := range ws {
				all[w.Text] = true
				pages[w.Page] = true
			}
			for _, w := range tc.words {
				if !all[w] {
					t.Errorf("word %q not in the PDF", w)
				}
			}
			if len(pages) != out.Pages {
				t.Errorf("text on %d pages, want every one of %d", len(pages), out.Pages)
			}
			if !all[tc.footer] {
				t.Errorf("no running footer with the page total %d", out.Pages)
			}
			if len(out.Charts) == 0 || len(out.Charts)%2 != 0 {
				t.Fatalf("charts: %d files", len(out.Charts))
			}
			for i := 0; i < len(out.Charts); i += 2 {
				svg, pngf := out.Charts[i], out.Charts[i+1]
				if !strings.HasSuffix(svg.Name, ".svg") || strings.TrimSuffix(svg.Name, ".svg")+".png" != pngf.Name {
					t.Errorf("chart files %q, %q", svg.Name, pngf.Name)
				}
				if !bytes.HasPrefix(svg.Data, []byte("<svg ")) {
					t.Errorf("%s is not an SVG", svg.Name)
				}
				img, err := png.Decode(bytes.NewReader(pngf.Data))
				if err != nil {
					t.Fatalf("%s: %v", pngf.Name, err)
				}
				if img.Bounds().Dx() < 800 {
					t.Errorf("%s is %v, want 2 px per point", pngf.Name, img.Bounds())
				}
			}
		})
	}
}

// The period is unmistakable: the cover and every page's header give the
// report's period and the figures' (2022), the cards and the table say
// 比上年, and the cover no longer calls it a monthly report.
func TestPeriodStated(t *testing.T) {
	zh, en := hengshan(t)
	text := pdftest.Text(t, zh.PDF, 0, 0)
	pages := strings.Split(text, "\f")
	for i, p := range pages[1 : len(pages)-1] {
		if !strings.Contains(p, "数据所属期 2022年") || !strings.Contains(p, "报告期 2023年1月") {
			t.Errorf("page %d header lacks the two periods:\n%.200s", i+2, p)
		}
	}
	for _, s := range []string{"2022年全年", "比上年", "2022年指标一览", "2023年主要目标", "50万亩以上", "21万吨以上"} {
		if !strings.Contains(text, s) {
			t.Errorf("Chinese edition lacks %q", s)
		}
	}
	if strings.Contains(text, "月度报告") {
		t.Error("the document still calls itself a monthly report")
	}
	if s := pdftest.Text(t, en.PDF, 1, 1); !strings.Contains(s, "Figures for") || !strings.Contains(s, "the year 2022") {
		t.Errorf("English cover lacks the figures' period:\n%s", s)
	}
}

// The source is the newspaper, not the county: no 发布单位 衡山县, a
// 据《衡阳日报》报道整理 line, and the newspaper's own words (本报推出) set
// under its name.
func TestSourceNotIssuer(t *testing.T) {
	zh, _ := hengshan(t)
	text := pdftest.Text(t, zh.PDF, 0, 0)
	if strings.Contains(text, "发布单位") {
		t.Error("an issuer is printed; the article is the newspaper's")
	}
	if !strings.Contains(text, "据《衡阳日报》报道整理") {
		t.Error("no 据《衡阳日报》报道整理 line")
	}
	lead := strings.Index(text, "《衡阳日报》专版导语")
	ours := strings.Index(text, "本报推出")
	if lead < 0 || ours < lead {
		t.Errorf("本报推出 (at %d) is not under the newspaper's heading (at %d)", ours, lead)
	}
	if info := pdftest.Info(t, zh.PDF); info["Author"] != "据《衡阳日报》报道整理" {
		t.Errorf("PDF author %q", info["Author"])
	}
}

// The English edition is English: at most a few Chinese characters (the
// county's name beside its English one, none elsewhere), and its metadata in
// English.
func TestEnglishEditionIsEnglish(t *testing.T) {
	_, en := hengshan(t)
	text := pdftest.Text(t, en.PDF, 0, 0)
	han, letters := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			letters++
		}
	}
	if han*100 > letters { // under 1%: the editorial notes quote the source's slips
		t.Errorf("%d Chinese characters against %d Latin letters", han, letters)
	}
	info := pdftest.Info(t, en.PDF)
	for k, want := range map[string]string{"Title": "Hengshan County", "Subject": "Report period", "Author": "Compiled from reports in the Hengyang Daily"} {
		if !strings.Contains(info[k], want) {
			t.Errorf("PDF %s %q, want it to contain %q", k, info[k], want)
		}
	}
	if strings.Contains(text, "Chinese original") {
		t.Error("a text is missing its English form")
	}
}

// Three faces are embedded (宋 body, 黑 headings, 楷 notes) and headings
// are set bold (text render mode 2: filled and stroked).
func TestTypefaces(t *testing.T) {
	zh, _ := hengshan(t)
	out := pdftest.Fonts(t, zh.PDF)
	for _, f := range []string{"UMingCN", "WenQuanYiMicroHei", "UKaiCN"} {
		if !strings.Contains(out, f) {
			t.Errorf("font %s not embedded:\n%s", f, out)
		}
	}
	// Chinese and its digits are never italic: the 楷体 notes' "2023年",
	// "6350万元" and the photo list's "1." are set upright
	if strings.Contains(out, "Italic") {
		t.Errorf("the Chinese edition embeds an italic face:\n%s", out)
	}
}

// No page is mostly blank: chapters flow on, and every page but the
// contents and the last is filled past half its height, unless the next
// page starts a chapter that did not fit below (the indicators chapter
// is kept with its whole card grid).
func TestNoMostlyBlankPage(t *testing.T) {
	zh, en := hengshan(t)
	chapter := regexp.MustCompile(`^([一二三四五六七八九十]、|[0-9]+\. )`)
	for lang, out := range map[string]*Output{"zh-CN": zh, "en": en} {
		ws, sizes := pdftest.Words(t, out.PDF)
		low := make([]float64, len(sizes)+1)
		first := make([]pdftest.Word, len(sizes)+1) // each page's first word below the header
		for _, w := range ws {
			// the footer sits below 780 pt; the content ends above it
			if w.YMax < 770 && w.YMax > low[w.Page] {
				low[w.Page] = w.YMax
			}
			if w.YMin > 70 && (first[w.Page].Text == "" || w.YMin < first[w.Page].YMin-1 || w.YMin < first[w.Page].YMin+1 && w.XMin < first[w.Page].XMin) {
				first[w.Page] = w
			}
		}
		for p := 3; p < len(sizes); p++ {
			if chapter.MatchString(first[p+1].Text + " ") {
				continue // the next page starts a chapter that did not fit here
			}
			if low[p] < 841.89*0.6 {
				t.Errorf("%s page %d ends at %.0f pt: mostly blank", lang, p, low[p])
			}
		}
	}
}

// No placeholder is printed for a photo without its file: its caption is listed.
func TestNoPhotoPlaceholders(t *testing.T) {
	zh, _ := hengshan(t)
	text := pdftest.Text(t, zh.PDF, 0, 0)
	if strings.Contains(text, "未提供") {
		t.Error("a photo placeholder is printed")
	}
	if !strings.Contains(text, "1. 用美丽乡村路铺就美好生活路。（唐俊 摄）") {
		t.Error("the photo captions are not listed")
	}
}

// Charts compare like with like (no petitions in the growth chart), explain
// their estimated bars, say where the figures come from, and cut no label.
func TestCharts(t *testing.T) {
	zh, _ := hengshan(t)
	svgs := map[string]string{}
	for _, f := range zh.Charts {
		if strings.HasSuffix(f.Name, ".svg") {
			svgs[f.Name] = string(f.Data)
		}
	}
	growth := svgs["chart-1-growth.svg"]
	if growth == "" {
		t.Fatalf("no growth chart among %v", len(svgs))
	}
	if strings.Contains(growth, "信访") {
		t.Error("petitions are charted beside GDP")
	}
	if !strings.Contains(growth, ">预计</text>") {
		t.Error("the growth chart has no legend for its estimated bars")
	}
	for name, s := range svgs {
		if !strings.Contains(s, "资料来源：据《衡阳日报》报道整理。") {
			t.Errorf("%s has no source line", name)
		}
		if strings.Contains(s, "…</text>") {
			t.Errorf("%s cuts a label", name)
		}
	}
}

// The contents are links, and the PDF has bookmarks and a language.
func TestContentsLinksAndBookmarks(t *testing.T) {
	zh, _ := hengshan(t)
	pdf := string(zh.PDF)
	links := len(regexp.MustCompile(`/Subtype /Link`).FindAllString(pdf, -1))
	items := len(regexp.MustCompile(`/Title <FEFF[0-9A-F]*> /Parent`).FindAllString(pdf, -1))
	if links < 20 || links != items {
		t.Errorf("%d links, %d bookmarks: want one of each per contents entry", links, items)
	}
	if !strings.Contains(pdf, "/Lang <FEFF007A0068002D0043004E>") {
		t.Error("no /Lang zh-CN")
	}
}

// The dataset's every quantified result is in the report's table, and its
// slips carry an editorial note.
func TestHengshanComplete(t *testing.T) {
	zh, _ := hengshan(t)
	text := pdftest.Text(t, zh.PDF, 0, 0)
	for _, s := range []string{"1147", "6350", "编者注：原文作“给予处分处分109人”", "动能五（原文无标题）", "南岳高速公路萱洲互通及连接线工程", "衡山西综合客运枢纽", "黄花路项目", "PBOS"} {
		if !strings.Contains(strings.NewReplacer("\n", "", " ", "").Replace(text), s) {
			t.Errorf("report lacks %q", s)
		}
	}
}
