package layout

// Images in the PDF: registered once per distinct file, refused from their
// header when decoding them would pass the memory budget (limits), JPEGs
// embedded as they are, everything else decoded and stored flate-compressed.

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // decode configs and non-RGB JPEGs
	_ "image/png"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
)

type pdfImage struct {
	w, h   int
	filter string // DCTDecode or FlateDecode
	cs     string
	data   []byte
}

// addImage registers a JPEG (embedded as is) or PNG/other (decoded, flate
// RGB). The same bytes drawn again are registered once.
func (d *pdfDoc) addImage(data []byte) (int, int, int, error) {
	key := imageKey(data)
	if i, ok := d.byImage[key]; ok {
		return i, d.images[i].w, d.images[i].h, nil
	}
	im, err := prepareImage(data)
	if err != nil {
		return 0, 0, 0, err
	}
	d.addPrepared(key, im)
	return d.byImage[key], im.w, im.h, nil
}

func (d *pdfDoc) addPrepared(key [32]byte, im pdfImage) int {
	if i, ok := d.byImage[key]; ok {
		return i
	}
	if d.byImage == nil {
		d.byImage = map[[32]byte]int{}
	}
	d.images = append(d.images, im)
	d.byImage[key] = len(d.images) - 1
	return len(d.images) - 1
}

func imageKey(data []byte) [32]byte { return sha256.Sum256(data) }

// prepareImage reads an image into what the PDF embeds. Its header is
// checked first: the pixels, and the memory decoding takes (the decoded
// image at its colour model's bytes per pixel, the white RGBA canvas and
// the RGB rows: a 16-bit PNG just under the pixel cap cost +1 GiB), so an
// image past limits.ImageDecodedBytes is refused before it is decoded.
func prepareImage(data []byte) (pdfImage, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return pdfImage{}, err
	}
	if err := checkImage(cfg, format); err != nil {
		return pdfImage{}, err
	}
	if format == "jpeg" && (cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.GrayModel) {
		cs := "DeviceRGB"
		if cfg.ColorModel == color.GrayModel {
			cs = "DeviceGray"
		}
		return pdfImage{w: cfg.Width, h: cfg.Height, filter: "DCTDecode", cs: cs, data: data}, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return pdfImage{}, err
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Over)
	img = nil
	raw := make([]byte, 0, 3*b.Dx()*b.Dy())
	for i := 0; i < len(rgba.Pix); i += 4 {
		raw = append(raw, rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2])
	}
	return pdfImage{w: b.Dx(), h: b.Dy(), filter: "FlateDecode", cs: "DeviceRGB", data: deflate(raw)}, nil
}

// checkImage refuses, from its header, an image whose decoding would cost
// more than the limits.
func checkImage(cfg image.Config, format string) error {
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 || px > limits.ImagePixels {
		return messages.Errorf("layout.imageTooLarge", cfg.Width, cfg.Height, limits.ImagePixels)
	}
	if format == "jpeg" && (cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.GrayModel) {
		return nil // embedded as is, never decoded
	}
	// The decoded image, the RGBA canvas (4) and the RGB rows (3).
	if need := px * int64(bytesPerPixel(cfg.ColorModel)+7); need > limits.ImageDecodedBytes {
		return messages.Errorf("layout.imageTooLargeToDecode",
			cfg.Width, cfg.Height, bytesPerPixel(cfg.ColorModel), need>>20, limits.ImageDecodedBytes>>20)
	}
	return nil
}

// bytesPerPixel is what image.Decode allocates a pixel for m.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // RGBA64, NRGBA64 and anything unknown: the most
}
