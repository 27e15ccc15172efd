// Package render turns a dataset into the report: an A4 PDF in Simplified
// Chinese (or English labels), the charts as SVG and PNG, and a
// self-contained HTML rendition. It writes PDF itself (one embedded, subset
// TrueType font; vector charts; no wall-clock time), so the same input gives
// the same bytes.
package render

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"strings"
	"sync"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/typeset"
)

// Options choose the edition and where photo files come from.
type Options struct {
	Lang   string // "zh-CN" (default) or "en"
	Assets fs.FS  // photo files named by Photo.Asset; nil = none available
}

// File is a named blob produced by the renderer.
type File struct {
	Name string
	Data []byte
}

// Output is everything rendered from one dataset.
type Output struct {
	PDF           []byte
	Pages         int
	IndicatorPage int    // 1-based page with the indicator cards and table
	Charts        []File // chart-N-x.svg and chart-N-x.png
	HTML          []byte
}

// Type scale (points).
const (
	sizeSmall = 9.0
	sizeBody  = 10.5
	sizeH3    = 11.5
	sizeH2    = 13.5
	sizeH1    = 18.0
	lineBody  = 19.0

	marginX  = 62.0
	topY     = 76.0
	bottomY  = PageH - 64.0
	contentW = PageW - 2*marginX
)

type lpage struct{ ops []func(*pdfPage) }

type tocEntry struct {
	title string
	level int
	page  int
}

type layout struct {
	f     *Font
	l     *labels
	ds    *dataset.Dataset
	opts  Options
	pages []*lpage
	y     float64
	toc   []tocEntry
	outl  []outline
	chap  int
}

// Render lays out and draws the report. Chinese text from the dataset is set
// with full-width punctuation (see punctuated); ds itself is not modified.
func Render(ds *dataset.Dataset, f *Font, opts Options) (*Output, error) {
	l, err := labelsFor(opts.Lang)
	if err != nil {
		return nil, err
	}
	ds = punctuated(ds)
	lo := &layout{f: f, l: l, ds: ds, opts: opts}
	charts := buildCharts(f, ds, l, contentW)
	// The charts' PNGs are rasterised while the PDF is laid out and assembled.
	pngs := make([][]byte, len(charts))
	pngErrs := make([]error, len(charts))
	svgs := make([][]byte, len(charts))
	var wg sync.WaitGroup
	for i, c := range charts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pngs[i], pngErrs[i] = c.PNG(f, 2)
			svgs[i] = c.SVG()
		}()
	}
	photos := lo.loadPhotos()

	lo.cover()
	lo.newPage() // contents, filled in at the end
	lo.overview()
	indicatorPage := lo.indicators()
	if len(charts) > 0 {
		lo.chapter(l.Charts, true)
		for _, c := range charts {
			lo.ensure(c.H + 14)
			c := c
			x, y := marginX, lo.y
			lo.draw(func(p *pdfPage) { c.drawPDF(p, x, y) })
			lo.y += c.H + 18
		}
	}
	lo.sections(dataset.KindReview, l.Review)
	lo.projects()
	lo.sections(dataset.KindPlan, l.Plan)
	lo.photos(photos)

	doc := newPDF(f)
	doc.title = ds.Meta.Title
	doc.author = ds.Meta.CountyName
	doc.subject = l.county(&ds.Meta) + " " + l.period(ds.Meta.Period) + " " + l.ReportKind
	doc.lang = l.Lang
	if l.Lang == "zh-CN" {
		doc.lang = "zh-CN"
	}
	lo.contents()
	total := len(lo.pages)
	for i, lp := range lo.pages {
		p := doc.newPage()
		for _, op := range lp.ops {
			op(p)
		}
		if i > 0 {
			lo.chrome(p, i+1, total)
		}
	}
	doc.outlines = lo.outl
	out := &Output{PDF: doc.Bytes(), Pages: total, IndicatorPage: indicatorPage}
	out.HTML = renderHTML(ds, l, charts, photos)
	wg.Wait()
	for i, c := range charts {
		if pngErrs[i] != nil {
			return nil, fmt.Errorf("chart %s: %w", c.Name, pngErrs[i])
		}
		out.Charts = append(out.Charts, File{c.Name + ".svg", svgs[i]}, File{c.Name + ".png", pngs[i]})
	}
	return out, nil
}

func (lo *layout) newPage() {
	lo.pages = append(lo.pages, &lpage{})
	lo.y = topY
}

func (lo *layout) draw(fn func(*pdfPage)) {
	lp := lo.pages[len(lo.pages)-1]
	lp.ops = append(lp.ops, fn)
}

func (lo *layout) ensure(h float64) {
	if lo.y+h > bottomY {
		lo.newPage()
	}
}

func (lo *layout) pageNo() int { return len(lo.pages) }

// text draws one line with its top at y (baseline derived from size).
func (lo *layout) text(x, y, size float64, col RGB, s string) {
	r := []rune(s)
	lo.draw(func(p *pdfPage) { p.Text(x, y+size*0.86, size, col, r, 0) })
}

// para sets a paragraph at x..x+w flowing across pages; indent is the first-line indent.
func (lo *layout) para(s string, x, w, size, lh float64, col RGB, indent float64) {
	text := []rune(s)
	lines := typeset.Wrap(text, w, indent, func(r rune) float64 { return lo.f.Width(r, size) })
	for i, ln := range lines {
		lo.ensure(lh)
		lx := x
		if i == 0 {
			lx += indent
		}
		avail := w
		if i == 0 {
			avail -= indent
		}
		seg := text[ln.Start:ln.End]
		tc := 0.0
		if !ln.Last && len(seg) > 1 {
			tc = (avail - ln.Width) / float64(len(seg)-1)
			if tc > size*0.12 || tc < 0 {
				tc = 0
			}
		}
		y := lo.y + (lh-size)/2 + size*0.86
		lo.draw(func(p *pdfPage) { p.Text(lx, y, size, col, seg, tc) })
		lo.y += lh
	}
}

func (lo *layout) body(s string) {
	lo.para(s, marginX, contentW, sizeBody, lineBody, colText, 2*sizeBody)
	lo.y += 4
}

func (lo *layout) chapter(title string, newPage bool) {
	if newPage || lo.y > topY {
		if newPage {
			lo.newPage()
		} else {
			lo.ensure(120)
			lo.y += 10
		}
	}
	t := lo.l.chapter(lo.chap, title)
	lo.chap++
	lo.toc = append(lo.toc, tocEntry{title: t, level: 0, page: lo.pageNo()})
	lo.outl = append(lo.outl, outline{title: t, page: lo.pageNo() - 1, y: lo.y})
	lo.text(marginX, lo.y, sizeH1, colAccent, t)
	y := lo.y + sizeH1 + 8
	lo.draw(func(p *pdfPage) {
		p.Rect(marginX, y, 36, 2.4, colAccent)
		p.Rect(marginX+36, y+0.8, contentW-36, 0.6, colRule)
	})
	lo.y += sizeH1 + 24
}

// heading2 sets a section heading: an optional label in red, then the title.
func (lo *layout) heading2(label, title string, tocIt bool) {
	lo.ensure(sizeH2*2 + lineBody*3)
	lo.y += 6
	entry := strings.TrimSpace(label + "　" + title)
	if tocIt {
		lo.toc = append(lo.toc, tocEntry{title: entry, level: 1, page: lo.pageNo()})
	}
	x := marginX
	if label != "" {
		lw := lo.f.TextWidth(label, sizeH2-1) + 12
		y := lo.y
		lo.draw(func(p *pdfPage) { p.Rect(marginX, y-1, lw, sizeH2+6, colAccent) })
		lo.text(marginX+6, y+2, sizeH2-1, RGB{1, 1, 1}, label)
		x += lw + 8
	}
	if title != "" {
		lo.para(title, x, marginX+contentW-x, sizeH2, sizeH2+8, colText, 0)
	} else {
		lo.y += sizeH2 + 8
	}
	lo.y += 6
}

func (lo *layout) cover() {
	lo.newPage()
	ds, l := lo.ds, lo.l
	m := &ds.Meta
	lo.draw(func(p *pdfPage) {
		p.Rect(0, 0, PageW, 14, colAccent)
		p.Rect(0, PageH-14, PageW, 14, colAccent)
		p.Rect(marginX, 300, 60, 3, colAccent)
	})
	kind := l.ReportKind
	if m.City != "" && l.Lang != "en" {
		kind = m.City + " · " + kind
	}
	lo.text(marginX, 150, 14, colMuted, kind)
	lo.text(marginX, 195, 34, colText, l.county(m))
	lo.text(marginX, 252, 20, colAccent, l.period(m.Period))
	lo.y = 330
	lo.para(m.Title, marginX, contentW, 22, 34, colText, 0)
	if m.Subtitle != "" {
		lo.y += 6
		lo.para(m.Subtitle, marginX, contentW, 13, 22, colMuted, 0)
	}
	lo.y = PageH - 230
	row := func(k, v string) {
		if v == "" {
			return
		}
		lo.text(marginX, lo.y, 11, colMuted, k)
		lo.para(v, marginX+80, contentW-80, 11, 20, colText, 0)
	}
	row(l.Period, l.period(m.Period))
	if m.Issuer != "" {
		row(l.Issuer, m.Issuer)
	}
	if m.Event != nil {
		v := m.Event.Name
		if m.Event.Date != "" {
			v += "（" + l.date(m.Event.Date) + "）"
			if l.Lang == "en" {
				v = m.Event.Name + ", " + l.date(m.Event.Date)
			}
		}
		row(l.Event, v)
	}
	if m.Source != nil {
		v := m.Source.Publication
		if m.Source.Date != "" {
			v += " " + l.date(m.Source.Date)
		}
		row(l.Source, v)
	}
}

func (lo *layout) contents() {
	l := lo.l
	p := lo.pages[1]
	add := func(fn func(*pdfPage)) { p.ops = append(p.ops, fn) }
	t := []rune(l.Contents)
	add(func(pg *pdfPage) { pg.Text(marginX, topY+sizeH1, sizeH1+2, colAccent, t, 0) })
	y := topY + 56.0
	entries := lo.toc
	if len(entries) > 30 {
		entries = entries[:0:0]
		for _, e := range lo.toc {
			if e.level == 0 {
				entries = append(entries, e)
			}
		}
	}
	for _, e := range entries {
		size, x, col := sizeBody+1, marginX, colText
		if e.level == 1 {
			size, x, col = sizeBody, marginX+2*sizeBody, hexRGB("#444444")
		}
		title := e.title
		maxW := contentW - (x - marginX) - 40
		for lo.f.TextWidth(title, size) > maxW {
			r := []rune(title)
			title = string(r[:len(r)-2]) + "…"
		}
		rt, pn := []rune(title), []rune(fmt.Sprint(e.page))
		tw := lo.f.TextWidth(title, size)
		pw := lo.f.TextWidth(string(pn), size)
		yy := y
		add(func(pg *pdfPage) {
			pg.Text(x, yy, size, col, rt, 0)
			pg.Line(0.5, colRule, true, x+tw+6, yy-2, marginX+contentW-pw-6, yy-2)
			pg.Text(marginX+contentW-pw, yy, size, col, pn, 0)
		})
		if e.level == 0 {
			y += 26
		} else {
			y += 20
		}
	}
}

// chrome draws the running header and footer.
func (lo *layout) chrome(p *pdfPage, n, total int) {
	m := &lo.ds.Meta
	left := []rune(lo.l.county(m) + " · " + lo.l.period(m.Period))
	right := []rune(lo.l.ReportKind)
	p.Text(marginX, 46, sizeSmall, colMuted, left, 0)
	p.Text(marginX+contentW-lo.f.TextWidth(string(right), sizeSmall), 46, sizeSmall, colMuted, right, 0)
	p.Rect(marginX, 53, contentW, 0.6, colAccent)
	foot := fmt.Sprintf(lo.l.PageOf, n, total)
	p.Rect(marginX, PageH-48, contentW, 0.4, colRule)
	p.Text((PageW-lo.f.TextWidth(foot, sizeSmall))/2, PageH-32, sizeSmall, colMuted, []rune(foot), 0)
}

func (lo *layout) overview() {
	ds, l := lo.ds, lo.l
	m := &ds.Meta
	lo.chapter(l.Overview, true)
	for _, p := range m.Lead {
		lo.body(p)
	}
	lo.y += 8
	type kv struct{ k, v string }
	var rows []kv
	if m.Event != nil {
		v := m.Event.Name
		if m.Event.Date != "" {
			v += "（" + l.date(m.Event.Date) + "）"
		}
		rows = append(rows, kv{l.Event, v})
	}
	if s := m.Source; s != nil {
		v := s.Publication
		if s.Headline != "" {
			v += "《" + s.Headline + "》"
		}
		if s.Date != "" {
			v += " " + l.date(s.Date)
		}
		rows = append(rows, kv{l.Publication, v})
		if len(s.Authors) > 0 {
			rows = append(rows, kv{l.Authors, strings.Join(s.Authors, "　")})
		}
		if s.URL != "" {
			rows = append(rows, kv{l.Source, s.URL})
		}
	}
	if len(rows) == 0 {
		return
	}
	lo.ensure(40)
	start, startPage := lo.y, lo.pageNo()
	lo.y += 10
	for _, r := range rows {
		lo.text(marginX+12, lo.y+2, sizeSmall+0.5, colMuted, r.k)
		lo.para(r.v, marginX+90, contentW-102, sizeSmall+0.5, 17, colText, 0)
		lo.y += 2
	}
	end := lo.y + 8
	if lo.pageNo() == startPage {
		lp := lo.pages[startPage-1]
		lp.ops = append([]func(*pdfPage){func(p *pdfPage) {
			p.Rect(marginX, start, contentW, end-start, colLight)
			p.Rect(marginX, start, 3, end-start, colAccent)
		}}, lp.ops...)
	}
	lo.y = end + 10
}

// indicators draws the cards and the table; it returns the page they start on.
func (lo *layout) indicators() int {
	ds, l := lo.ds, lo.l
	lo.chapter(l.Indicators, true)
	page := lo.pageNo()
	var keys []*dataset.Indicator
	for i := range ds.Indicators {
		if ds.Indicators[i].Key {
			keys = append(keys, &ds.Indicators[i])
		}
	}
	if len(keys) == 0 {
		for i := range ds.Indicators {
			if len(keys) < 6 {
				keys = append(keys, &ds.Indicators[i])
			}
		}
	}
	lo.text(marginX, lo.y, sizeH3, colText, l.KeyCards)
	lo.y += sizeH3 + 10
	// A row of cards is as tall as its longest title needs (one line or
	// two), so that English names are set in full rather than cut, and the
	// figures of a row stay on one line.
	for start := 0; start < len(keys); start += cardCols {
		row := keys[start:min(start+cardCols, len(keys))]
		titles := make([][]string, len(row))
		lines := 1
		for i, in := range row {
			titles[i] = lo.cardTitle(l.indicatorName(in), cardTitleW)
			lines = max(lines, len(titles[i]))
		}
		shift := float64(lines-1) * cardTitleLH
		h := cardH + shift
		lo.ensure(h)
		for i, in := range row {
			lo.card(in, titles[i], shift, marginX+float64(i)*(cardW+cardGap), lo.y, cardW, h)
		}
		lo.y += h + cardGap
	}
	lo.y += 22 - cardGap
	lo.table()
	return page
}

// The headline cards: three to a row.
const (
	cardCols    = 3
	cardGap     = 10.0
	cardH       = 78.0 // with a one-line title
	cardW       = (contentW - cardGap*(cardCols-1)) / cardCols
	cardTitleW  = cardW - 16
	cardTitleLH = 11.0
)

// cardTitle sets name in at most two lines of width w, the second cut with
// "…" only when two are not enough.
func (lo *layout) cardTitle(name string, w float64) []string {
	text := []rune(name)
	lines := typeset.Wrap(text, w, 0, func(r rune) float64 { return lo.f.Width(r, sizeSmall) })
	if len(lines) <= 1 {
		return []string{name}
	}
	first := strings.TrimRight(string(text[lines[0].Start:lines[0].End]), " ")
	second := strings.TrimSpace(string(text[lines[1].Start:]))
	if len(lines) > 2 {
		for lo.f.TextWidth(second+"…", sizeSmall) > w && second != "" {
			r := []rune(second)
			second = strings.TrimRight(string(r[:len(r)-1]), " ")
		}
		second += "…"
	}
	return []string{first, second}
}

// card draws one indicator: its title lines, the figure shift lower than a
// one-line title would put it, and its change or milestone at the foot.
func (lo *layout) card(in *dataset.Indicator, title []string, shift, x, y, w, h float64) {
	l, f := lo.l, lo.f
	lo.draw(func(p *pdfPage) {
		p.Rect(x, y, w, h, colLight)
		p.Rect(x, y, w, 2, colAccent)
	})
	for i, line := range title {
		lo.text(x+8, y+9+float64(i)*cardTitleLH, sizeSmall, colMuted, line)
	}
	// The figure and its unit sit below the longest title of the row; the
	// foot stays at the bottom. (y and h are captured by the drawing
	// closures above, so they are not changed here.)
	fy := y + shift
	big, bigCol, unit := "", colText, ""
	if in.Value != nil {
		big, unit = in.Value.String(), in.Unit
	} else {
		big, bigCol = change(in.Change), colUp
		if in.Change.Float() < 0 {
			bigCol = colDown
		}
	}
	lo.text(x+8, fy+26, 20, bigCol, big)
	if unit != "" {
		lo.text(x+8+f.TextWidth(big, 20)+3, fy+34, sizeBody, colText, unit)
	}
	var foot []string
	if in.Value != nil && in.Change != nil {
		foot = append(foot, l.Change+" "+change(in.Change))
	}
	if in.Milestone != "" {
		foot = append(foot, in.Milestone)
	}
	fx := x + 8
	if in.Estimated {
		tw, bx := f.TextWidth(l.Estimated, 8)+6, fx
		lo.draw(func(p *pdfPage) { p.StrokeRect(bx, y+h-19, tw, 12, 0.6, colAccent) })
		lo.text(fx+3, y+h-17.5, 8, colAccent, l.Estimated)
		fx += tw + 5
	}
	if len(foot) > 0 {
		s := strings.Join(foot, "  ")
		for f.TextWidth(s, 8.5) > x+w-8-fx {
			r := []rune(s)
			s = string(r[:len(r)-2]) + "…"
		}
		col := colMuted
		if in.Value != nil && in.Change != nil {
			col = colUp
			if in.Change.Float() < 0 {
				col = colDown
			}
		}
		lo.text(fx, y+h-18, 8.5, col, s)
	}
}

type column struct {
	title string
	w     float64
	right bool
}

// grid sets a table with wrapped cells, repeating the header on each page.
func (lo *layout) grid(cols []column, rows [][]string, colors func(r, c int) RGB) {
	const size, lh, pad = 9.5, 14.0, 5.0
	header := func() {
		lo.ensure(lh + 2*pad)
		y := lo.y
		lo.draw(func(p *pdfPage) { p.Rect(marginX, y, contentW, lh+2*pad, colAccent) })
		x := marginX
		for _, c := range cols {
			tx := x + pad
			if c.right {
				tx = x + c.w - pad - lo.f.TextWidth(c.title, size)
			}
			lo.text(tx, y+pad+1, size, RGB{1, 1, 1}, c.title)
			x += c.w
		}
		lo.y += lh + 2*pad
	}
	header()
	for ri, row := range rows {
		var cells [][]typeset.Line
		n := 1
		for ci, c := range cols {
			ls := typeset.Wrap([]rune(row[ci]), c.w-2*pad, 0, func(r rune) float64 { return lo.f.Width(r, size) })
			cells = append(cells, ls)
			n = max(n, len(ls))
		}
		h := float64(n)*lh + 2*pad
		if lo.y+h > bottomY {
			lo.newPage()
			header()
		}
		y := lo.y
		if ri%2 == 1 {
			lo.draw(func(p *pdfPage) { p.Rect(marginX, y, contentW, h, colLight) })
		}
		lo.draw(func(p *pdfPage) { p.Rect(marginX, y+h-0.4, contentW, 0.4, colRule) })
		x := marginX
		for ci, c := range cols {
			text := []rune(row[ci])
			col := colText
			if colors != nil {
				col = colors(ri, ci)
			}
			for li, ln := range cells[ci] {
				seg := text[ln.Start:ln.End]
				tx := x + pad
				if c.right {
					tx = x + c.w - pad - ln.Width
				}
				by := y + pad + float64(li)*lh + (lh-size)/2 + size*0.86
				lo.draw(func(p *pdfPage) { p.Text(tx, by, size, col, seg, 0) })
			}
			x += c.w
		}
		lo.y += h
	}
	lo.y += 14
}

func (lo *layout) table() {
	ds, l := lo.ds, lo.l
	lo.ensure(60)
	lo.text(marginX, lo.y, sizeH3, colText, l.Table)
	lo.y += sizeH3 + 10
	cols := []column{{l.Name, contentW * 0.40, false}, {l.Value, contentW * 0.14, true}, {l.Unit, contentW * 0.09, false}, {l.Change, contentW * 0.12, true}, {l.Remarks, contentW * 0.25, false}}
	var rows [][]string
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		v, c := "—", "—"
		if in.Value != nil {
			v = in.Value.String()
		}
		if in.Change != nil {
			c = change(in.Change)
		}
		unit := in.Unit
		if unit == "" {
			unit = "—"
		}
		rows = append(rows, []string{l.indicatorName(in), v, unit, c, l.remarks(in)})
	}
	lo.grid(cols, rows, func(r, c int) RGB {
		in := &ds.Indicators[r]
		if c == 3 && in.Change != nil {
			if in.Change.Float() < 0 {
				return colDown
			}
			return colUp
		}
		return colText
	})
}

func (lo *layout) projects() {
	ds, l := lo.ds, lo.l
	if len(ds.Projects) == 0 {
		return
	}
	lo.chapter(l.Projects, false)
	cols := []column{{l.Project, contentW * 0.42, false}, {l.Investment, contentW * 0.16, true}, {l.Status, contentW * 0.42, false}}
	var rows [][]string
	for _, p := range ds.Projects {
		inv := "—"
		if p.Investment != nil {
			inv = p.Investment.String() + p.Unit
		}
		st := strings.TrimSpace(strings.Join([]string{p.Status, p.Note}, "；"))
		st = strings.Trim(st, "；")
		rows = append(rows, []string{p.Name, inv, st})
	}
	lo.grid(cols, rows, nil)
}

// sections sets the chapter of one kind: its sections, plus the notes that
// belong with them (a titled note goes with what follows it, an untitled one
// with what precedes it).
func (lo *layout) sections(kind, title string) {
	secs := lo.ds.Sections
	owner := sectionOwners(secs)
	started := false
	for i, s := range secs {
		if owner[i] != kind {
			continue
		}
		if !started {
			lo.chapter(title, true)
			started = true
		}
		lo.section(&s)
	}
}

func (lo *layout) section(s *dataset.Section) {
	l := lo.l
	if s.Title != "" || s.Label != "" {
		lo.heading2(s.Label, s.Title, true)
	}
	sub := func(t string) {
		lo.ensure(sizeH3 + lineBody*2)
		y := lo.y
		lo.draw(func(p *pdfPage) { p.Rect(marginX, y+1, 3, sizeH3, colAccent) })
		lo.text(marginX+8, lo.y, sizeH3, colAccent, t)
		lo.y += sizeH3 + 8
	}
	if s.Kind == dataset.KindPlan {
		if s.Summary != "" {
			sub(l.Summary)
			lo.body(s.Summary)
		}
		if len(s.Items) > 0 {
			sub(l.Tasks)
		}
	} else if s.Summary != "" {
		lo.body(s.Summary)
	}
	for _, it := range s.Items {
		lo.body(it)
	}
	lo.y += 6
}

type photo struct {
	p   dataset.Photo
	img []byte // nil when no usable file
	idx int
	w   int
	h   int
}

func (lo *layout) loadPhotos() []photo {
	var out []photo
	for _, p := range lo.ds.Photos {
		ph := photo{p: p, idx: -1}
		if p.Asset != "" && lo.opts.Assets != nil && fs.ValidPath(path.Clean(p.Asset)) {
			if b, err := fs.ReadFile(lo.opts.Assets, path.Clean(p.Asset)); err == nil && len(b) < 32<<20 {
				ph.img = b
			}
		}
		out = append(out, ph)
	}
	return out
}

func (lo *layout) photos(ps []photo) {
	if len(ps) == 0 {
		return
	}
	l := lo.l
	lo.chapter(l.Photos, false)
	const gap = 16.0
	w := (contentW - gap) / 2
	var rowH, boxH float64
	for i := range ps {
		ph := &ps[i]
		col := i % 2
		if col == 0 {
			// a row without any photo file gets low placeholders
			boxH = w * 0.3
			for j := i; j < i+2 && j < len(ps); j++ {
				if ps[j].img != nil {
					boxH = w * 0.62
				}
			}
			if i > 0 {
				lo.y += rowH + 12
			}
			rowH = 0
			lo.ensure(boxH + 50)
		}
		x, y := marginX+float64(col)*(w+gap), lo.y
		drawn := false
		if ph.img != nil {
			lp := lo.pages[len(lo.pages)-1]
			var img []byte = ph.img
			lp.ops = append(lp.ops, func(p *pdfPage) {
				idx, iw, ih, err := p.doc.addImage(img)
				if err != nil {
					p.Rect(x, y, w, boxH, colLight)
					return
				}
				s := math.Min(w/float64(iw), boxH/float64(ih))
				dw, dh := float64(iw)*s, float64(ih)*s
				p.Rect(x, y, w, boxH, colLight)
				p.Image(idx, x+(w-dw)/2, y+(boxH-dh)/2, dw, dh)
			})
			drawn = true
		}
		if !drawn {
			lo.draw(func(p *pdfPage) {
				p.Rect(x, y, w, boxH, colLight)
				p.StrokeRect(x, y, w, boxH, 0.5, colRule)
			})
			nt := l.NoPhoto
			lo.text(x+(w-lo.f.TextWidth(nt, sizeSmall))/2, y+boxH/2-sizeSmall/2, sizeSmall, colMuted, nt)
		}
		saved := lo.y
		lo.y = y + boxH + 6
		lo.para(ph.p.Caption, x, w, sizeSmall+0.5, 15, colText, 0)
		if ph.p.Credit != "" {
			lo.para(l.PhotoCredit+ph.p.Credit, x, w, sizeSmall, 14, colMuted, 0)
		}
		rowH = math.Max(rowH, lo.y-y)
		lo.y = saved
	}
	lo.y += rowH + 12
}

// sectionOwners says which chapter (review or plan) each section is set in:
// notes go with the sections they belong to (a titled note with what follows
// it, an untitled one with what precedes it).
func sectionOwners(secs []dataset.Section) []string {
	owner := make([]string, len(secs))
	for i, s := range secs {
		if s.Kind != dataset.KindNote {
			owner[i] = s.Kind
		}
	}
	for i, s := range secs {
		if s.Kind == dataset.KindNote && s.Title == "" {
			for j := i - 1; j >= 0; j-- {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
	}
	for i := len(secs) - 1; i >= 0; i-- {
		if owner[i] == "" {
			for j := i + 1; j < len(secs); j++ {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
		if owner[i] == "" {
			owner[i] = dataset.KindReview
		}
	}
	return owner
}
