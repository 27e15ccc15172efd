package county

import (
	"bytes"
	"image"
	"image/png"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/limits"
)

// countingFS counts the files opened.
type countingFS struct {
	fs.FS
	opens map[string]int
}

func (c countingFS) Open(name string) (fs.File, error) {
	c.opens[name]++
	return c.FS.Open(name)
}

// A photo named four times is read once and inlined once; a photo past the
// limit is not read at all and is listed by its caption.
func TestPhotosReadOnce(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 32)))
	same := buf.Bytes()
	assets := countingFS{FS: fstest.MapFS{
		"assets/a.png":   {Data: same},
		"assets/big.png": {Data: make([]byte, limits.AssetBytes+1)},
	}, opens: map[string]int{}}
	ds := parseHengshan(t)
	ds.Photos = []dataset.Photo{
		{Asset: "assets/a.png", Caption: "虚构照片一"}, {Asset: "assets/a.png", Caption: "虚构照片二"},
		{Asset: "assets/big.png", Caption: "过大的虚构照片"},
		{Asset: "assets/a.png", Caption: "虚构照片三"}, {Asset: "assets/a.png", Caption: "虚构照片四"},
	}
	r := &report{ds: ds, opts: Options{Assets: assets}}
	photos := r.loadPhotos()
	if assets.opens["assets/a.png"] != 1 {
		t.Errorf("assets/a.png opened %d times, want 1", assets.opens["assets/a.png"])
	}
	if photos[2].img != nil {
		t.Error("a photo past limits.AssetBytes was read")
	}
	l, _ := labelsFor("zh-CN")
	html := renderHTML(ds, l, nil, photos)
	if n := bytes.Count(html, []byte(";base64,")); n != 1 {
		t.Errorf("the HTML inlines %d photos, want 1", n)
	}
	if n := bytes.Count(html, []byte(l.PhotoSame)); n != 3 {
		t.Errorf("the HTML points back %d times, want 3", n)
	}
	if !bytes.Contains(html, []byte("过大的虚构照片")) {
		t.Error("the photo past the limit is not listed by its caption")
	}
}
