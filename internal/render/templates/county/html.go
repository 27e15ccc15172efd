package county

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// The HTML rendition is html.tmpl with its stylesheet html.css beside it,
// executed over an htmlView (html_view.go) built from the same edition the
// PDF is drawn from; html/template does the escaping.
//
//go:embed html.tmpl html.css
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("html.tmpl").ParseFS(htmlFiles, "html.tmpl", "html.css"))

// renderHTML writes the report as one self-contained HTML file (inline CSS,
// inline SVG charts, photos as data: URLs). ds is the edition's copy.
func renderHTML(ds *dataset.Dataset, l *labels, charts []*layout.Chart, photos []photo) []byte {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, newHTMLView(ds, l, charts, photos)); err != nil {
		// The template is fixed and the view holds only strings and
		// slices: an error is a bug in html.tmpl, found by the tests.
		panic(fmt.Sprintf("county: html.tmpl: %v", err))
	}
	// html/template writes + as &#43; (a guard for contexts this page never
	// has: + is inert in text and in quoted attribute values). The earlier
	// hand-written renderer wrote +, and bundles must stay byte-identical,
	// so the escaper's &#43; is turned back. Nothing else can produce it:
	// a & from the data is written &amp;, and the SVGs escape & too.
	return bytes.ReplaceAll(b.Bytes(), []byte("&#43;"), []byte("+"))
}

// pageCounter is the CSS content value of the printed page's footer, from
// the PDF's own footer format (labels.PageOf, "第 %d 页 / 共 %d 页" or
// "Page %d of %d"): each piece of text quoted, the numbers as counters.
func pageCounter(format string) template.CSS {
	parts := strings.SplitN(format, "%d", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	v := `"` + parts[0] + `" counter(page) "` + parts[1] + `" counter(pages)`
	if parts[2] != "" {
		v += ` "` + parts[2] + `"`
	}
	return template.CSS(v)
}

// dataURL is a photo file as a data: URL for an img's src.
func dataURL(img []byte) template.URL {
	return template.URL("data:" + http.DetectContentType(img) + ";base64," + base64.StdEncoding.EncodeToString(img))
}

func dir(n *dataset.Number) string {
	if n == nil {
		return ""
	}
	if n.Float() < 0 {
		return "down"
	}
	return "up"
}
