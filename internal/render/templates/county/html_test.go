package county

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// EnvHTMLOut names a folder TestHTMLUnchanged writes each HTML into, to
// look at or to diff.
const EnvHTMLOut = "COUNTYREPORT_HTML_OUT"

// The bundle's HTML rendition is reproducible, and stayed byte for byte what
// it was when it was written by hand before it became html.tmpl: every
// sample dataset in both editions, and a made-up one with a photo and
// markup in its text, give the SHA-256 recorded in testdata/html.sha256.
func TestHTMLUnchanged(t *testing.T) {
	want := readSums(t, "testdata/html.sha256")
	fonts, err := layout.LoadFonts([3]string{})
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv(EnvHTMLOut)
	got := map[string]bool{}
	for name, c := range htmlCases(t) {
		for _, lang := range []string{"zh-CN", "en"} {
			file := name + "." + lang + ".html"
			got[file] = true
			r, err := Render(c.ds, fonts, Options{Lang: lang, Assets: c.assets})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if out != "" {
				if err := os.WriteFile(filepath.Join(out, file), r.HTML, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sum := sha256.Sum256(r.HTML)
			if h := hex.EncodeToString(sum[:]); h != want[file] {
				t.Errorf("%s: SHA-256 %s, recorded %q (set %s=DIR to write the HTML and diff it)", file, h, want[file], EnvHTMLOut)
			}
		}
	}
	for file := range want {
		if !got[file] {
			t.Errorf("%s is recorded but no longer rendered", file)
		}
	}
}

type htmlCase struct {
	ds     *dataset.Dataset
	assets fstest.MapFS
}

// htmlCases are the sample datasets and a made-up one: Hengshan's with a
// photo file, and text that needs escaping (<, &, quotes, +).
func htmlCases(t *testing.T) map[string]htmlCase {
	t.Helper()
	files, err := filepath.Glob("../../../../config/samples/datasets/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample datasets: %v", err)
	}
	cases := map[string]htmlCase{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := dataset.Parse(b, filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		cases[strings.TrimSuffix(filepath.Base(f), ".yaml")] = htmlCase{ds: ds}
	}
	made := parseHengshan(t)
	made.Photos[0].Asset = "photo.png"
	made.Sections[0].Items = append(made.Sections[0].Items, `虚构的测试文字 <b>A&B</b> "引号" 'single' 1+1 (made up for this test)`)
	made.Sections[0].ItemsEn = append(made.Sections[0].ItemsEn, `Made-up test text <b>A&B</b> "quotes" 'single' 1+1`)
	cases["made-up-with-photo"] = htmlCase{ds: made, assets: fstest.MapFS{"photo.png": {Data: testPNG(t)}}}
	return cases
}

// testPNG is a small made-up picture whose base64 has + and / in it.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 37)
	}
	img.Set(0, 0, color.RGBA{250, 251, 252, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sum, file, ok := strings.Cut(sc.Text(), "  "); ok {
			sums[file] = sum
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

// Text from the dataset is escaped by html/template: markup in a section
// shows as text, and a photo's data: URL is the only URL.
func TestHTMLEscapesTheDataset(t *testing.T) {
	fonts, err := layout.LoadFonts([3]string{})
	if err != nil {
		t.Fatal(err)
	}
	c := htmlCases(t)["made-up-with-photo"]
	r, err := Render(c.ds, fonts, Options{Lang: "en", Assets: c.assets})
	if err != nil {
		t.Fatal(err)
	}
	page := string(r.HTML)
	for _, want := range []string{`&lt;b&gt;A&amp;B&lt;/b&gt; &#34;quotes&#34; &#39;single&#39; 1+1`, `src="data:image/png;base64,`} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>A") || strings.Contains(page, "ZgotmplZ") {
		t.Error("the dataset's markup reached the page, or html/template refused a value (ZgotmplZ)")
	}
}

func TestPageCounter(t *testing.T) {
	cases := map[string]struct{ format, want string }{
		"Chinese": {"第 %d 页 / 共 %d 页", `"第 " counter(page) " 页 / 共 " counter(pages) " 页"`},
		// No stray quote after the last counter (the earlier renderer left
		// one, which made the English footer's CSS invalid).
		"English": {"Page %d of %d", `"Page " counter(page) " of " counter(pages)`},
	}
	for name, c := range cases {
		if got := string(pageCounter(c.format)); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}
