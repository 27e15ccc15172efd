// Package layout is the report engine's primitives: fonts, a PDF writer and
// a flow that sets content down A4 pages the way a Chinese government
// document is set. Templates (internal/render/templates/...) compose these;
// they never write PDF themselves, and a new kind of document never needs a
// change here.
//
// # Fonts
//
// LoadFonts opens three faces from Debian packages: Serif (AR PL UMing, 宋/明
// body), Sans (WenQuanYi Micro Hei, 黑体 headings, figures, charts) and Kai
// (AR PL UKai, 楷体 notes and quotations). Latin letters and digits in the
// Serif and Kai faces are set in DejaVu Serif (and its italic). Files are
// mapped, not read: a report touches only the tables and glyphs it uses.
// Only the glyphs drawn are embedded (subset per face), so the same content
// gives the same bytes.
//
// # Flow
//
//	f := layout.New(fonts)
//	f.Furniture = func(p *layout.Page, n, total int) { ... } // header and footer
//	f.NewPage(true)                                         // a cover: no furniture
//	f.Text(x, y, style, "衡阳市")                            // one line at a place
//	f.NewPage(false)                                        // a page for the contents
//	f.NewPage(false)
//	f.Heading("一、概况", chapterStyle, keep, 0)              // kept with what follows; bookmarked
//	f.Para("……", bodyStyle)                                 // wraps and flows across pages
//	f.Cards(cards, 3)                                       // figure cards, three to a row
//	f.Table(layout.Table{Caption: "表1　…", Cols: cols, Rows: rows})
//	f.Chart(layout.BarChart(fonts[layout.Sans], spec))      // vector chart, on one page
//	f.Contents(2, "目　录", ...)                              // fill the contents page, with links
//	pdf := f.Finish(layout.Meta{Title: …, Lang: "zh-CN"})
//
// Chapters flow on: nothing starts a page unless the template calls
// NewPage or what comes does not fit. Headings carry a keep (the points of
// what follows that must fit below them); a paragraph's last two lines stay
// together; a table repeats its header on every page and leaves at least
// three rows on each.
//
// # Lines
//
// Paragraphs follow the rules of Chinese typesetting (see setText):
// breaking by UAX #14 plus 禁则 (typeset.Breaks), punctuation at mainland
// positions, two marks in a row sharing an em, punctuation compressed to
// fill a line before any letter-spacing, no paragraph ending in a line of
// one or two characters, English justified by its spaces.
//
// # Structure
//
// Every PDF is tagged (PDF/UA direction): a structure tree (Elem) that the
// flow builds in reading order as it lays out, the page content wrapped in
// marked content (BDC/EMC with MCIDs) that the tree and its ParentTree
// point at, /MarkInfo, /StructParents on each page, XMP metadata with the
// title (dc:title). Headings are H1 (level
// 0), H2 (level 1), and one below the last for a heading left out of the
// contents (no level skipped); paragraphs P; tables Table, Caption, TR,
// TH (/Scope Column, or Row for a RowHeader column) and TD; lists L, LI,
// Lbl, LBody (ListItem); charts a Caption (the title), a Figure whose
// /Alt is the chart's data in words and a P (the source line); photos a
// Figure with the caption as /Alt; the contents TOC, TOCI and Link (with
// the link annotation as OBJR). Running headers and footers are
// /Artifact /Pagination (Header, Footer), a table header repeated on a
// later page /Pagination, rules and backgrounds /Layout. A run of another
// language (Latin words in a Chinese edition, Chinese in an English one)
// is a sequence of its own, /Span with /Lang, of the same element.
// Tagging adds no drawing: the pages look the same.
//
// # Charts
//
// BarChart and TrendChart build a Chart from a spec (bars or series, a
// title, a legend for estimated values, a source line); a Chart is drawn
// into the PDF by Flow.Chart and written alone by SVG and PNG, so a web
// page can show the same chart as the report.
package layout
