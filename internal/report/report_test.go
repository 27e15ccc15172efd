package report

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/manifest"
	"github.com/countyreport/countyreport/internal/render"
)

const samplePath = "../../config/samples/datasets/hengshan-2023-01.yaml"

// need fails the test when a tool or the font is missing (never skips).
func need(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"pdftotext", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: install the Debian package poppler-utils (make deps)", bin)
		}
	}
	if _, err := render.LoadFonts(render.FontPaths{}); err != nil {
		t.Fatalf("%v", err)
	}
}

func hengshan(t testing.TB) *dataset.Dataset {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(b, samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// asciiInChinese finds an ASCII , : ; ! ? ( ) right after a Chinese character.
var asciiInChinese = regexp.MustCompile(`\p{Han}[,:;!?()]`)

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// Figures and phrases from the seed article; data is rendered as entered in
// both editions, except that ASCII punctuation in Chinese prose is set
// full-width (the seed's "10.62亿元，创历史新高" reads "10.62亿元，创历史新高").
var seedPhrases = []string{
	"衡山县", "5.8%", "6.31", "10.8%", "8.4%", "16.2%", "7.0%", "8.1%", "54.98", "31%",
	"总量突破200亿大关", "首破10亿元大关", "开工建设重点项目79个", "完成投资54.98亿元", "90.56%",
	"10.62亿元，创历史新高", "18万千瓦光伏发电项目", "白南高速公路完成年度投资19.5亿元", "2.06亿元",
	"征地1100余亩", "48户拆迁协议", "拆除房屋46栋", "粮食播种面积50.24万亩", "龙头企业发展到39家",
	"分别增长6.79%、7.28%", "净增“四上”企业18家", "新增高新技术企业11家", "入库科技型中小企业68家",
	"改造提升25个老旧小区", "加装电梯25台", "棚户区改造150户", "县城空气质量优良比例为90.1%",
	"1678个事项", "144个联办事项", "交易额6350万元", "净增各类市场主体3758户", "净增企业1147户",
	"建筑业产值增长15.6%", "同比下降10.4%", "63件重复信访积案", "立案123件", "处分109人", "16起52人",
	"中共衡山县委十一届三次全会暨2023年县委经济工作会议", "戴新贤", "五兴六强", "以制造业兴县带动产业发展实现新突破",
	"以加强党的领导推动党员干部展现新作为", "粮食播种面积50万亩以上、总产21万吨以上", "“园中园”项目一期8月实现开园",
	"用美丽乡村路铺就美好生活路", "1月9日，中共衡山县委十一届三次全会", "时不我待！", "迎难而上，加快建设“五兴六强”现代化新衡山", "唐俊 摄", "唐志军 摄", "阳灿 摄", "衡阳日报", "刘思远", "夏建军", "衡山县委宣传部提供",
}

// seedPhrasesEn are the same figures in the English edition (the dataset's translation).
var seedPhrasesEn = []string{
	"GDP is expected to have grown by 5.8%", "local tax revenue reached 631 million yuan, up 10.8%", "5.498 billion yuan",
	"100% and 90.56%", "1.062 billion yuan", "502,400 mu", "6.79% and 7.28%", "68 technology-based SMEs",
	"25 old neighbourhoods", "150 shanty-town households", "90.1% of days", "63.5 million yuan", "1,147 enterprises",
	"fell by 10.4%", "opened 123 cases", "109 people", "16 breaches", "52 people",
	"at least 500,000 mu of grain sown and at least 210,000 tonnes", "Hengyang Daily", "Liu Siyuan", "Xia Jianjun", "Tang Jun",
}

func TestSeedFiguresInBothEditions(t *testing.T) {
	need(t)
	if len(seedPhrases) < 40 {
		t.Fatalf("only %d phrases", len(seedPhrases))
	}
	ds := hengshan(t)
	tests := map[string]struct {
		lang  string
		extra []string // edition-specific labels
	}{
		"zh-CN": {"zh-CN", append([]string{"一、概况", "主要指标", "工作回顾", "工作部署", "第2页/共", "思路", "任务", "预计", "2023年1月"}, seedPhrases...)},
		"en":    {"en", append([]string{"Contents", "Keyindicators", "Review", "Plans", "Page2of", "Approach", "Measures", "estimate", "January2023", "HengshanCounty", "Localtaxrevenue"}, seedPhrasesEn...)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := Render(ds, Options{Language: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			text := squash(pdftotext(t, r.PDF))
			for _, p := range tc.extra {
				if !strings.Contains(text, squash(p)) {
					t.Errorf("%q not found in the %s PDF's text", p, tc.lang)
				}
			}
			// (the English edition joins Chinese data with English punctuation,
			// "会议, 9 January 2023", "Main amounts (亿元)": only the data's own
			// punctuation is Chinese there, which the phrases above check)
			if m := asciiInChinese.FindAllString(text, 5); tc.lang == "zh-CN" && m != nil {
				t.Errorf("ASCII punctuation set next to Chinese in the %s PDF: %q", tc.lang, m)
			}
			last := "第" + strconv.Itoa(r.Pages) + "页/共" + strconv.Itoa(r.Pages) + "页"
			if tc.lang == "en" {
				last = "Page" + strconv.Itoa(r.Pages) + "of" + strconv.Itoa(r.Pages)
			}
			if !strings.Contains(text, last) {
				t.Errorf("footer %q missing", last)
			}
		})
	}
}

func TestReproducibleAndConcurrent(t *testing.T) {
	need(t)
	ds := hengshan(t)
	first, err := Render(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = Render(hengshan(t), Options{Language: "zh-CN"})
		}()
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(r.PDF, first.PDF) || !bytes.Equal(r.Bundle, first.Bundle) || !bytes.Equal(r.Manifest, first.Manifest) {
			t.Fatalf("render %d differs from the first", i)
		}
	}
	en, err := Render(ds, Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(en.PDF, first.PDF) {
		t.Error("English edition identical to the Chinese one")
	}
}

func TestBundleAndManifest(t *testing.T) {
	need(t)
	ds := hengshan(t)
	r, err := Render(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Bundle), int64(len(r.Bundle)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(f.Modified.UTC()) || f.Modified.Year() != 1980 {
			t.Errorf("%s has time %v, want the fixed 1980 epoch", f.Name, f.Modified)
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = b
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("entries not sorted: %v", names)
	}
	for _, want := range []string{"report.pdf", "dataset.json", "report.html", "manifest.json", "charts/chart-1-growth.svg", "charts/chart-1-growth.png", "charts/chart-4-amounts.svg", "charts/chart-4-amounts.png"} {
		if files[want] == nil {
			t.Errorf("bundle lacks %s (has %v)", want, names)
		}
	}
	if !bytes.Equal(files["report.pdf"], r.PDF) {
		t.Error("bundle's report.pdf differs")
	}
	norm, _ := ds.Normalized()
	if !bytes.Equal(files["dataset.json"], norm) {
		t.Error("bundle's dataset.json is not the normalized dataset")
	}
	// the data stays as entered; the renditions set it the Chinese way
	if !bytes.Contains(norm, []byte("迎难而上,加快建设")) {
		t.Error("dataset.json no longer holds the title as entered")
	}
	html := string(files["report.html"])
	if m := asciiInChinese.FindAllString(html, 5); m != nil {
		t.Errorf("ASCII punctuation set next to Chinese in report.html: %q", m)
	}
	for _, s := range []string{"<svg", "54.98", "动能一", "<style>", "迎难而上，加快建设", "1月9日，中共衡山县委", "衡邦玻璃（一期）", "<tr><th>项目</th><th>投资</th>"} {
		if !strings.Contains(html, s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	if strings.Contains(html, "src=\"http") || strings.Contains(html, "href=\"http") {
		t.Error("report.html refers to outside resources")
	}
	inner, err := manifest.Parse(files["manifest.json"])
	if err != nil {
		t.Fatal(err)
	}
	if len(inner.Artifacts) != 0 {
		t.Error("the manifest inside the zip must not list artifacts")
	}
	if len(inner.Files) != len(names)-1 {
		t.Errorf("manifest lists %d files, zip has %d others", len(inner.Files), len(names)-1)
	}
	for _, f := range inner.Files {
		if manifest.FileOf(f.Name, files[f.Name]) != f {
			t.Errorf("manifest entry %+v does not match the file", f)
		}
	}
	outer, err := manifest.Parse(r.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := outer.Artifact("report.pdf"); !ok || a != manifest.FileOf("report.pdf", r.PDF) {
		t.Errorf("artifact report.pdf = %+v", a)
	}
	if a, ok := outer.Artifact("bundle.zip"); !ok || a != manifest.FileOf("bundle.zip", r.Bundle) {
		t.Errorf("artifact bundle.zip = %+v", a)
	}
	if outer.CountyCode != "430423" || outer.Period != "2023-01" || outer.Options.Language != "zh-CN" || len(outer.DatasetSHA256) != 64 {
		t.Errorf("manifest = %+v", outer)
	}
	info, err := exec.Command("pdfinfo", writeTemp(t, r.PDF)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(squash(string(info)), "Pages:"+strconv.Itoa(r.Pages)+"Encrypted") || outer.Pages != r.Pages {
		t.Errorf("pages: manifest %d, result %d, pdfinfo:\n%s", outer.Pages, r.Pages, info)
	}
	if !strings.Contains(string(info), "595.28 x 841.89 pts (A4)") {
		t.Errorf("not A4:\n%s", info)
	}
}

func writeTemp(t *testing.T, b []byte) string {
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// inkRatio is the share of pixels that are not near-white.
func inkRatio(img image.Image) float64 {
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(b.Dx()*b.Dy())
}

func TestPagesNotBlank(t *testing.T) {
	need(t)
	r, err := Render(hengshan(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pdf := writeTemp(t, r.PDF)
	tests := map[string]struct{ page int }{
		"cover":      {1},
		"indicators": {r.IndicatorPage},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "p")
			n := strconv.Itoa(tc.page)
			if out, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", n, "-l", n, "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			f, err := os.Open(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, _, err := image.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if ratio := inkRatio(img); ratio < 0.03 {
				t.Errorf("page %d looks blank: %.3f of pixels inked", tc.page, ratio)
			}
		})
	}
}

func TestPhotosWithAndWithoutFiles(t *testing.T) {
	need(t)
	ds := hengshan(t)
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	ds.Photos[0].Asset = "photos/road.jpg"    // present
	ds.Photos[1].Asset = "photos/missing.jpg" // absent: listed by its caption, no placeholder
	assets := fstest.MapFS{"photos/road.jpg": {Data: jb.Bytes()}}
	r, err := Render(ds, Options{Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(r.PDF, []byte("/Subtype /Image")); n != 1 {
		t.Errorf("%d images embedded, want 1", n)
	}
	if !bytes.Contains(r.PDF, jb.Bytes()) {
		t.Error("the JPEG was re-encoded instead of embedded as is")
	}
	text := squash(pdftotext(t, r.PDF))
	for _, s := range []string{"衡山黄鸡产业旺。（唐志军摄）", "用美丽乡村路铺就美好生活路。（唐俊摄）"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing", s)
		}
	}
	if strings.Contains(text, "未提供") {
		t.Error("a placeholder is printed for the missing photo")
	}
}

func TestSyntheticTrend(t *testing.T) {
	need(t)
	b, err := os.ReadFile("testdata/synthetic-trend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Parse(b, "synthetic-trend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(r.Bundle), int64(len(r.Bundle)))
	found := false
	for _, f := range zr.File {
		found = found || strings.HasSuffix(f.Name, "-trend.svg")
	}
	if !found {
		t.Error("no trend chart for a dataset with history")
	}
	if text := squash(pdftotext(t, r.PDF)); !strings.Contains(text, "增速走势") || !strings.Contains(text, "2022-12") {
		t.Error("trend chart's title or periods missing from the PDF")
	}
}

func TestWriteDir(t *testing.T) {
	need(t)
	r, err := Render(hengshan(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		setup   func(dir string) string
		wantErr bool
	}{
		"new directory": {func(dir string) string { return filepath.Join(dir, "out") }, false},
		"replaces": {func(dir string) string {
			os.WriteFile(filepath.Join(dir, "report.pdf"), []byte("old"), 0o644)
			return dir
		}, false},
		"target is a file": {func(dir string) string {
			p := filepath.Join(dir, "file")
			os.WriteFile(p, nil, 0o644)
			return p
		}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			dir := tc.setup(base)
			err := WriteDir(dir, r)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if strings.Join(got, ",") != "bundle.zip,manifest.json,report.pdf" {
				t.Errorf("directory holds %v", got)
			}
			pdf, _ := os.ReadFile(filepath.Join(dir, "report.pdf"))
			if !bytes.Equal(pdf, r.PDF) {
				t.Error("report.pdf not written")
			}
		})
	}
}
