package layout

import (
	"math"
	"strings"

	"github.com/countyreport/countyreport/internal/typeset"
)

// altWords are the words of a chart's alternative text in one language.
type altWords struct {
	bar, line, colon, item, comma, sep, end, open, close, none string
}

var altLang = map[bool]altWords{
	true:  {bar: "条形图。", line: "折线图。", colon: "：", item: " ", comma: "，", sep: "；", end: "。", open: "（", close: "）", none: "无数据"},
	false: {bar: "Bar chart. ", line: "Line chart. ", colon: ": ", item: " ", comma: ", ", sep: "; ", end: ".", open: " (", close: ")", none: "no figure"},
}

func altWordsFor(lang, title string) altWords {
	if lang == "" {
		return altLang[typeset.HasHan([]rune(title))]
	}
	return altLang[lang != "en"]
}

// barAlt is a bar chart's data in words: each bar's label and the figure
// printed at its end, estimated and preliminary bars named as such.
func barAlt(s BarSpec) string {
	w := altWordsFor(s.Lang, s.Title)
	var b strings.Builder
	b.WriteString(w.bar)
	b.WriteString(strings.TrimSpace(s.Title))
	b.WriteString(w.colon)
	for i, bar := range s.Bars {
		if i > 0 {
			b.WriteString(w.sep)
		}
		b.WriteString(bar.Label)
		b.WriteString(w.item)
		b.WriteString(bar.Text)
		switch {
		case bar.Estimated && s.Estimated != "":
			b.WriteString(w.open + s.Estimated + w.close)
		case bar.Preliminary && s.Preliminary != "":
			b.WriteString(w.open + s.Preliminary + w.close)
		}
	}
	b.WriteString(w.end)
	return b.String()
}

// trendAlt is a line chart's data in words: each series with its value
// in each period.
func trendAlt(s TrendSpec) string {
	w := altWordsFor(s.Lang, s.Title)
	var b strings.Builder
	b.WriteString(w.line)
	b.WriteString(strings.TrimSpace(s.Title))
	b.WriteString(w.colon)
	for i, sr := range s.Series {
		if i > 0 {
			b.WriteString(w.sep)
		}
		b.WriteString(sr.Name)
		b.WriteString(w.colon)
		for k, p := range s.Periods {
			if k > 0 {
				b.WriteString(w.comma)
			}
			b.WriteString(p)
			b.WriteString(w.item)
			if k < len(sr.Values) && !math.IsNaN(sr.Values[k]) {
				b.WriteString(fmtTick(sr.Values[k]))
			} else {
				b.WriteString(w.none)
			}
		}
	}
	b.WriteString(w.end)
	return b.String()
}
