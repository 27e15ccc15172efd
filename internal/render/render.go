// Package render turns a dataset into a report: an A4 PDF in Simplified
// Chinese or English, its charts as SVG and PNG, and a self-contained HTML
// rendition. It writes PDF itself (three embedded, subset TrueType faces;
// vector charts; no wall-clock time), so the same input gives the same
// bytes.
//
// The work is split in two:
//   - internal/render/layout holds the primitives: fonts, the PDF writer,
//     the flow of paragraphs, headings, tables, cards, charts and images
//     across pages, with the Chinese line-breaking and punctuation rules;
//   - internal/render/templates/<name> compose them into one kind of
//     document. The county report (templates/county) is the first; a new
//     kind of document is a new template, not a change to the primitives.
package render

import (
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
	"github.com/countyreport/countyreport/internal/render/templates/county"
)

// Options choose the edition and where photo files come from.
type Options = county.Options

// Output is everything rendered from one dataset.
type Output = county.Output

// File is a named blob produced by the renderer.
type File = layout.File

// Fonts are the three faces of a document (serif body, sans headings, kai notes).
type Fonts = layout.Fonts

// FontPaths override where each face is read from ("" = its environment
// variable, else its Debian path; see layout.Faces).
type FontPaths struct{ Serif, Sans, Kai string }

// LoadFonts opens the three faces (mapped, read lazily; once per process).
func LoadFonts(p FontPaths) (*Fonts, error) {
	var paths [3]string
	paths[layout.Serif], paths[layout.Sans], paths[layout.Kai] = p.Serif, p.Sans, p.Kai
	return layout.LoadFonts(paths)
}

// Render renders the county report of ds.
func Render(ds *dataset.Dataset, fonts *Fonts, opts Options) (*Output, error) {
	return county.Render(ds, fonts, opts)
}
