package layout

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Chart is a vector drawing in points, drawn the same way into the PDF
// (Flow.Chart), an SVG document (SVG) and a PNG (PNG): one chart code for
// the report and for any page that shows the same figures. Its text is set
// in the font it was built with.
type Chart struct {
	Name  string // file stem, e.g. "chart-1-growth"
	Title string
	// Alt is the chart's data in words, in the edition's language: the
	// alternative text of the PDF's figure (what a screen reader reads).
	Alt       string
	W, H      float64
	font      *Font
	ops       []op
	hasSource bool
}

type op struct {
	kind   byte // 'r' rect, 'l' polyline, 'c' circle, 't' text
	pts    []float64
	col    RGB
	lw     float64
	dash   bool
	text   string
	size   float64
	anchor byte // 's', 'm', 'e'
	role   byte // 'b' the background (an artifact); text: 'c' the title (caption), 's' the source line
}

func (c *Chart) rect(x, y, w, h float64, col RGB) {
	if w < 0 {
		x, w = x+w, -w
	}
	c.ops = append(c.ops, op{kind: 'r', pts: []float64{x, y, w, h}, col: col})
}
func (c *Chart) line(lw float64, col RGB, dash bool, pts ...float64) {
	c.ops = append(c.ops, op{kind: 'l', pts: pts, col: col, lw: lw, dash: dash})
}
func (c *Chart) dot(x, y, r float64, col RGB) {
	c.ops = append(c.ops, op{kind: 'c', pts: []float64{x, y, r}, col: col})
}
func (c *Chart) text(x, y, size float64, col RGB, anchor byte, s string) {
	c.ops = append(c.ops, op{kind: 't', pts: []float64{x, y}, col: col, size: size, anchor: anchor, text: s})
}

// MaxSeries is how many lines a trend chart tells apart by colour.
const MaxSeries = 6

// The report's colours.
var (
	ColText   = HexRGB("#1A1A1A")
	ColMuted  = HexRGB("#595959")
	ColRule   = HexRGB("#BFBFBF")
	ColLight  = HexRGB("#F5F2ED")
	ColAccent = HexRGB("#B71C1C") // report red
	ColUp     = HexRGB("#C62828") // rises in red, the Chinese convention
	ColDown   = HexRGB("#2E7D32")
	palette   = [MaxSeries]RGB{HexRGB("#B71C1C"), HexRGB("#1565C0"), HexRGB("#EF6C00"), HexRGB("#2E7D32"), HexRGB("#6A1B9A"), HexRGB("#00838F")}
)

// niceStep picks a round axis step for range span.
func niceStep(span float64, ticks int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(ticks)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

func fmtTick(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return trimDot(s)
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label     string  // wrapped over up to two lines; never cut
	Value     float64 // its length
	Text      string  // printed at its end, e.g. "+5.8%"
	Estimated bool    // drawn hatched-light, explained by the legend
	// Preliminary (初步核算) is drawn in a tint between the two, explained
	// by the legend.
	Preliminary bool
}

// BarSpec is a horizontal bar chart: labels on the left, negative values
// left of zero. Bars of one chart should measure comparable things.
type BarSpec struct {
	Name, Title string
	Bars        []Bar
	Width       float64
	Signed      bool   // rises red, falls green (the Chinese convention)
	Estimated   string // legend text for estimated bars ("预计值"); needed when any bar is estimated
	Actual      string // legend text for the others ("统计值")
	Preliminary string // legend text for preliminary bars ("初步核算"); needed when any bar is preliminary
	// Note is a line under the legend (the English edition explains the
	// colours there).
	Note   string
	Source string // source line under the chart ("资料来源：…")
	Lang   string // of the alternative text: zh-CN or en ("": by the title)
}

// BarChart draws s with f.
func BarChart(f *Font, s BarSpec) *Chart {
	const lineH, pad, top, labelSize = 11.0, 6.0, 30.0, 9.0
	w := s.Width
	c := &Chart{Name: s.Name, Title: s.Title, W: w, font: f}
	labelW := 0.0
	for _, b := range s.Bars {
		labelW = math.Max(labelW, f.TextWidth(b.Label, labelSize))
	}
	labelW = math.Min(labelW+8, w*0.4)
	// every label in full, over two lines when it must
	labels := make([][]string, len(s.Bars))
	y := top
	rows := make([]float64, len(s.Bars))
	for i, b := range s.Bars {
		labels[i] = wrapLabel(f, b.Label, labelSize, labelW-8)
		rows[i] = y
		y += math.Max(22, float64(len(labels[i]))*lineH+pad)
	}
	plotBottom := y
	est, pre := false, false
	for _, b := range s.Bars {
		est, pre = est || b.Estimated, pre || b.Preliminary
	}
	legend := est && s.Estimated != "" || pre && s.Preliminary != ""
	h := plotBottom + 22
	if legend {
		h += 14
	}
	if s.Note != "" {
		h += 12
	}
	if s.Source != "" {
		h += 14
	}
	c.H = h
	c.Alt = barAlt(s)
	c.rect(0, 0, w, h, RGB{1, 1, 1})
	c.ops[len(c.ops)-1].role = 'b'
	c.text(0, 14, 11, ColText, 's', s.Title)
	c.ops[len(c.ops)-1].role = 'c'
	lo, hi := 0.0, 0.0
	for _, b := range s.Bars {
		lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
	}
	step := niceStep(hi-lo, 5)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi/step)*step + step*0.3
	x0, x1 := labelW, w-44
	sx := func(v float64) float64 { return x0 + (v-lo)/(hi-lo)*(x1-x0) }
	for v := lo; v <= hi+1e-9; v += step {
		x := sx(v)
		c.line(0.4, ColRule, v != 0, x, top-4, x, plotBottom)
		c.text(x, plotBottom+12, 8, ColMuted, 'm', fmtTick(v))
	}
	for i, b := range s.Bars {
		y := rows[i]
		rowH := math.Max(22, float64(len(labels[i]))*lineH+pad)
		ly := y + rowH/2 + 3.2 - float64(len(labels[i])-1)*lineH/2
		for k, l := range labels[i] {
			c.text(labelW-6, ly+float64(k)*lineH, labelSize, ColText, 'e', l)
		}
		col := barColour(s.Signed, b.Value)
		switch {
		case b.Estimated:
			col = lighter(col)
		case b.Preliminary:
			col = tint(col)
		}
		xz := sx(0)
		bh := 14.0
		c.rect(xz, y+(rowH-bh)/2, sx(b.Value)-xz, bh, col)
		tx, anchor := sx(b.Value)+4, byte('s')
		if b.Value < 0 {
			tx, anchor = sx(b.Value)-4, 'e'
		}
		c.text(tx, y+rowH/2+3.2, 8.5, ColText, anchor, b.Text)
	}
	c.line(0.8, ColText, false, sx(0), top-4, sx(0), plotBottom)
	ly := plotBottom + 26
	if legend {
		x := x0
		base := barColour(s.Signed, 1)
		for _, e := range []struct {
			show bool
			col  RGB
			text string
		}{{true, base, s.Actual}, {pre, tint(base), s.Preliminary}, {est, lighter(base), s.Estimated}} {
			if !e.show || e.text == "" {
				continue
			}
			c.rect(x, ly-7, 14, 8, e.col)
			c.text(x+18, ly, 8, ColText, 's', e.text)
			x += 18 + f.TextWidth(e.text, 8) + 16
		}
		ly += 14
	}
	if s.Note != "" {
		c.text(0, ly-2, 7.5, ColMuted, 's', s.Note)
		ly += 12
	}
	if s.Source != "" {
		c.text(0, ly, 7.5, ColMuted, 's', s.Source)
		c.ops[len(c.ops)-1].role = 's'
		c.hasSource = true
	}
	return c
}

func barColour(signed bool, v float64) RGB {
	if !signed {
		return palette[1]
	}
	if v < 0 {
		return ColDown
	}
	return ColUp
}

func lighter(c RGB) RGB { return RGB{c.R*0.45 + 0.55, c.G*0.45 + 0.55, c.B*0.45 + 0.55} }

// tint is between c and lighter(c): a preliminary figure.
func tint(c RGB) RGB { return RGB{c.R*0.72 + 0.28, c.G*0.72 + 0.28, c.B*0.72 + 0.28} }

// wrapLabel sets a chart label over as many lines of width w as it needs
// (the bar's row grows with it): a label is never cut.
func wrapLabel(f *Font, s string, size, w float64) []string {
	text := []rune(s)
	lines := setText(text, f, size, w, 0, false)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(string(text[l.start:l.end]))
	}
	return out
}

// TrendSeries is one line of a trend chart; NaN marks a missing period.
type TrendSeries struct {
	Name   string
	Values []float64
}

// TrendSpec is a line chart over periods.
type TrendSpec struct {
	Name, Title string
	Periods     []string
	Series      []TrendSeries
	Width       float64
	Source      string
	Lang        string // of the alternative text: zh-CN or en ("": by the title)
}

// TrendChart draws s with f.
func TrendChart(f *Font, s TrendSpec) *Chart {
	const top, bottom, left = 30.0, 48.0, 34.0
	h := 230.0
	if s.Source != "" {
		h += 14
	}
	w, periods := s.Width, s.Periods
	c := &Chart{Name: s.Name, Title: s.Title, W: w, H: h, font: f, Alt: trendAlt(s)}
	c.rect(0, 0, w, h, RGB{1, 1, 1})
	c.ops[len(c.ops)-1].role = 'b'
	c.text(0, 14, 11, ColText, 's', s.Title)
	c.ops[len(c.ops)-1].role = 'c'
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sr := range s.Series {
		for _, v := range sr.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	lo = math.Min(lo, 0)
	step := niceStep(hi-lo, 4)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	if hi <= lo {
		hi = lo + step
	}
	plotH := 230.0
	x0, x1, y0, y1 := left, w-12, plotH-bottom, top
	sy := func(v float64) float64 { return y0 - (v-lo)/(hi-lo)*(y0-y1) }
	sx := func(i int) float64 {
		if len(periods) == 1 {
			return (x0 + x1) / 2
		}
		return x0 + float64(i)/float64(len(periods)-1)*(x1-x0)
	}
	for v := lo; v <= hi+1e-9; v += step {
		c.line(0.4, ColRule, v != 0, x0, sy(v), x1, sy(v))
		c.text(x0-4, sy(v)+3, 8, ColMuted, 'e', fmtTick(v))
	}
	for i, p := range periods {
		c.text(sx(i), y0+13, 8, ColMuted, 'm', p)
	}
	lx := x0
	for k, sr := range s.Series {
		col := palette[k%len(palette)]
		var pts []float64
		for i, v := range sr.Values {
			if math.IsNaN(v) {
				continue
			}
			pts = append(pts, sx(i), sy(v))
		}
		if len(pts) >= 4 {
			c.line(1.6, col, false, pts...)
		}
		for i := 0; i+1 < len(pts); i += 2 {
			c.dot(pts[i], pts[i+1], 2.4, col)
		}
		c.rect(lx, plotH-18, 10, 4, col)
		c.text(lx+13, plotH-13, 8, ColText, 's', sr.Name)
		lx += 13 + f.TextWidth(sr.Name, 8) + 14
	}
	if s.Source != "" {
		c.text(0, plotH+6, 7.5, ColMuted, 's', s.Source)
		c.ops[len(c.ops)-1].role = 's'
		c.hasSource = true
	}
	return c
}

// drawPDF draws the chart with its top-left corner at (ox, oy): its title
// as content of the element title (a Caption), its source line of src,
// its background as an artifact, the rest of fig.
func (c *Chart) drawPDF(p *Page, ox, oy float64, title, fig, src *Elem) {
	for _, o := range c.ops {
		switch {
		case o.role == 'b':
			p.mark(nil)
		case o.role == 'c' && title != nil:
			p.mark(title)
		case o.role == 's' && src != nil:
			p.mark(src)
		default:
			p.mark(fig)
		}
		switch o.kind {
		case 'r':
			p.Rect(ox+o.pts[0], oy+o.pts[1], o.pts[2], o.pts[3], o.col)
		case 'l':
			pts := make([]float64, len(o.pts))
			for i, v := range o.pts {
				if i%2 == 0 {
					pts[i] = ox + v
				} else {
					pts[i] = oy + v
				}
			}
			p.Line(o.lw, o.col, o.dash, pts...)
		case 'c':
			p.Circle(ox+o.pts[0], oy+o.pts[1], o.pts[2], o.col)
		case 't':
			x := ox + o.pts[0] - anchorShift(c.font, o)
			p.Text(c.font, x, oy+o.pts[1], o.size, o.col, []rune(o.text), nil, false)
		}
	}
}

func anchorShift(f *Font, o op) float64 {
	switch o.anchor {
	case 'm':
		return f.TextWidth(o.text, o.size) / 2
	case 'e':
		return f.TextWidth(o.text, o.size)
	}
	return 0
}

func svgColor(c RGB) string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.R*255)), int(math.Round(c.G*255)), int(math.Round(c.B*255)))
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SVG renders the chart as a standalone SVG document.
func (c *Chart) SVG() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" font-family="'WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif" role="img" aria-label="%s">`+"\n",
		num(c.W), num(c.H), num(c.W), num(c.H), xmlEscape(c.Title))
	for _, o := range c.ops {
		switch o.kind {
		case 'r':
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n", num(o.pts[0]), num(o.pts[1]), num(o.pts[2]), num(o.pts[3]), svgColor(o.col))
		case 'l':
			var pts []string
			for i := 0; i+1 < len(o.pts); i += 2 {
				pts = append(pts, num(o.pts[i])+","+num(o.pts[i+1]))
			}
			dash := ""
			if o.dash {
				dash = ` stroke-dasharray="2 2"`
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linecap="round" stroke-linejoin="round"%s/>`+"\n", strings.Join(pts, " "), svgColor(o.col), num(o.lw), dash)
		case 'c':
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", num(o.pts[0]), num(o.pts[1]), num(o.pts[2]), svgColor(o.col))
		case 't':
			anchor := map[byte]string{'s': "start", 'm': "middle", 'e': "end"}[o.anchor]
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s">%s</text>`+"\n", num(o.pts[0]), num(o.pts[1]), num(o.size), svgColor(o.col), anchor, xmlEscape(o.text))
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
