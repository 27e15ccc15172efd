package county

import "github.com/countyreport/countyreport/internal/render/layout"

// The county report's type: 宋体 (serif) body, 黑体 (sans, bold) headings,
// 楷体 for notes, quotations and secondary headings.
var (
	stBody    = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 19, Color: layout.ColText, Indent: 21, After: 3}
	stQuote   = layout.Style{Face: layout.Kai, Size: 10.5, Leading: 18.5, Color: layout.ColText, Indent: 21, After: 2}
	stNote    = layout.Style{Face: layout.Kai, Size: 9.5, Leading: 15.5, Color: layout.ColMuted, After: 4}
	stChapter = layout.Style{Face: layout.Sans, Size: 16, Leading: 24, Color: layout.ColText, Bold: true, Align: layout.Left, After: 10}
	stSection = layout.Style{Face: layout.Sans, Size: 12.5, Leading: 19, Color: layout.ColText, Bold: true, Align: layout.Left, After: 5}
	stSub     = layout.Style{Face: layout.Kai, Size: 11.5, Leading: 18, Color: layout.ColAccent, Bold: true, Align: layout.Left, After: 2}
	stCaption = layout.Style{Face: layout.Sans, Size: 10, Leading: 16, Color: layout.ColText, Bold: true, Align: layout.Center, After: 4}
	// contents
	stTOCTitle   = layout.Style{Face: layout.Sans, Size: 18, Color: layout.ColText, Bold: true}
	stTOCChapter = layout.Style{Face: layout.Sans, Size: 11.5, Leading: 17, Color: layout.ColText, Bold: true, After: 8}
	stTOCSection = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 16, Color: layout.ColText, After: 4}
)

// keep is how much of what follows a heading must fit below it: about three lines of body text.
const keep = 3 * 19.0
