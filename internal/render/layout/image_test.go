package layout

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/limits"
)

// pngHeader is a PNG whose header says w×h pixels of the given bit depth
// and colour type, with one empty data chunk: what a hostile photo needs to
// look large (DecodeConfig reads only the header).
func pngHeader(w, h uint32, depth, colourType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colourType
	chunk("IHDR", ihdr)
	chunk("IDAT", nil)
	chunk("IEND", nil)
	return b.Bytes()
}

// An image is refused from its header when decoding it would cost more
// than the budget: pixels, and bytes per pixel of its colour model (a
// 16-bit PNG just under the pixel cap cost +1 GiB in the manager).
func TestImageLimits(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		want string // "" = accepted
	}{
		"16-bit RGBA just under the pixel cap": {pngHeader(6000, 6600, 16, 6), "图片解码后过大"},
		"8-bit RGBA at 4500×4500":              {pngHeader(4500, 4500, 8, 6), "图片解码后过大"},
		"past the pixel cap":                   {pngHeader(100000, 100000, 1, 0), "图片过大"},
		"zero width":                           {pngHeader(0, 10, 8, 2), "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			var a, b runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&a)
			_, err := prepareImage(tc.data)
			runtime.ReadMemStats(&b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if used := b.TotalAlloc - a.TotalAlloc; used > 1<<20 {
				t.Errorf("refusing it allocated %d KiB", used>>10)
			}
		})
	}
}

// The largest 8-bit RGB image the budget allows is decoded, within it.
func TestImageAtBudget(t *testing.T) {
	side := 1
	for (side+1)*(side+1)*(3+7) <= limits.ImageDecodedBytes/4 {
		side++
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	img = nil
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	im, err := prepareImage(data)
	runtime.ReadMemStats(&b)
	if err != nil {
		t.Fatal(err)
	}
	if im.w != side || im.h != side {
		t.Fatalf("decoded %d×%d, want %d×%d", im.w, im.h, side, side)
	}
	if used := b.TotalAlloc - a.TotalAlloc; used > limits.ImageDecodedBytes/4+16<<20 {
		t.Errorf("decoding %d×%d allocated %d MiB, budget %d MiB", side, side, used>>20, limits.ImageDecodedBytes>>22)
	}
}

// One photo drawn four times is decoded and embedded once.
func TestImageDrawnAgainIsEmbeddedOnce(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	img.Set(3, 3, color.White)
	var buf bytes.Buffer
	png.Encode(&buf, img)
	f := New(testFonts(t))
	f.NewPage(false)
	for range 4 {
		if !f.Image(buf.Bytes(), "a test image", MarginX, ContentW, 100) {
			t.Fatal("image refused")
		}
	}
	if len(f.images) != 1 {
		t.Errorf("%d images prepared, want 1", len(f.images))
	}
	pdf := f.Finish(Meta{})
	if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != 1 {
		t.Errorf("the PDF embeds %d images, want 1", n)
	}
}

func FuzzPrepareImage(f *testing.F) {
	f.Add(pngHeader(10, 10, 8, 2))
	f.Add(pngHeader(6000, 6600, 16, 6))
	f.Add([]byte("\xff\xd8\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := prepareImage(data)
		if err == nil && (im.w <= 0 || im.h <= 0 || int64(im.w)*int64(im.h) > limits.ImagePixels) {
			t.Fatalf("accepted %d×%d", im.w, im.h)
		}
	})
}
