// Package templates holds the report templates: each subpackage composes
// the layout primitives (internal/render/layout) into one kind of document.
// templates/county is the county's monthly report.
//
// # Writing a template
//
// A template is a package with a Render function taking its data and the
// fonts and returning the PDF (and whatever else it renders):
//
//	func Render(data *X, fonts *layout.Fonts, opts Options) (*Output, error) {
//		f := layout.New(fonts)
//		f.Furniture = header                // running header and footer
//		cover(f, data)                      // f.NewPage(true); f.Text(...)
//		f.NewPage(false)                    // contents, filled in at the end
//		f.NewPage(false)
//		f.Heading("一、总体情况", chapter, keep, 0)
//		f.Para(text, body)
//		f.Table(layout.Table{...})          // e.g. one row per county
//		f.Chart(layout.BarChart(fonts[layout.Sans], layout.BarSpec{...}))
//		f.Contents(2, "目　录", tocTitle, tocChapter, tocSection, strconv.Itoa)
//		return &Output{PDF: f.Finish(layout.Meta{...})}, nil
//	}
//
// Keep the template short and readable: the order of the document in
// Render, each part a small function, the styles in one place (see
// county/styles.go), the fixed words of each language in a labels table
// (county/labels.go). Text from the data goes through its edition first
// (county/edition.go: the …En forms for English, Chinese punctuation for
// Chinese). Anything a second template would also need (a new kind of
// table, a chart type) belongs in layout, as a primitive, with a test.
//
// # Structure (tagged PDF)
//
// Every PDF is tagged (see layout's package doc): the flow tags what it
// sets (Heading by level, Para, Table, Chart, Image, Cards, Contents), so a
// template written as above is tagged without more. A template says what
// the flow cannot know: Style.Role for text that is not a paragraph (the
// cover's title, Role "H1"); Column.RowHeader for the column that names
// each row; f.Begin("L") … f.ListItem(label, body, …) … f.End() for a
// list; f.Begin(role) … f.End() to group, e.g. a key/value table on the
// cover; f.Decorate, not f.Draw, for rules and backgrounds; p.Header()
// and p.Footer() in the furniture before each. A chart spec's Lang sets
// the language of its alternative text.
//
// Register the template with the renderer (internal/render) by name;
// render.Render picks the county template today.
package templates
