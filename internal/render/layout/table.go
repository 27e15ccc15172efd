package layout

// Column is a table column: its heading, width (points) and alignment.
type Column struct {
	Title string
	W     float64
	Right bool // figures: right-aligned, in the sans
	Sans  bool // cells in the sans (units: % in the serif is small)
	// Link makes each cell that is a web address (http, https) a link to it.
	Link bool
	// RowHeader makes the column's cells the headers of their rows (TH
	// with Scope Row): what a screen reader announces with each figure.
	RowHeader bool
}

// Table is a grid of wrapped cells. Colour, when set, colours cell (r, c).
type Table struct {
	Cols   []Column
	Rows   [][]string
	Colour func(r, c int) RGB
	Face   Face // of the cells; the header is set in Sans, bold; right-aligned (figure) columns in Sans
	Size   float64
	// Caption is set above the table in Style Caption, kept with its first rows.
	Caption      string
	CaptionStyle Style
}

// minRows is the fewest rows a table leaves on a page, before a break and after it.
const minRows = 3

const (
	cellLH  = 14.5
	cellPad = 5.0
)

// Table sets t, splitting it across pages between rows: the header is
// repeated on every page, and no page holds fewer than three of its rows
// (a table that would end with one or two rows on a new page breaks
// earlier).
func (f *Flow) Table(t Table) {
	if t.Size == 0 {
		t.Size = 9.5
	}
	hdr := cellLH + 2*cellPad
	cells := make([][][]line, len(t.Rows))
	heights := make([]float64, len(t.Rows))
	for ri, row := range t.Rows {
		n := 1
		for ci, c := range t.Cols {
			ls := setText([]rune(row[ci]), f.cellFont(t, c), t.Size, c.W-2*cellPad, 0, false)
			cells[ri] = append(cells[ri], ls)
			n = max(n, len(ls))
		}
		heights[ri] = float64(n)*cellLH + 2*cellPad
	}
	capH := 0.0
	if t.Caption != "" {
		capH = float64(f.Lines(t.Caption, t.CaptionStyle, ContentW))*t.CaptionStyle.Leading + t.CaptionStyle.After
	}
	// the caption, the header and the first rows together
	first := 0.0
	for _, h := range heights[:min(minRows, len(heights))] {
		first += h
	}
	f.Ensure(capH + hdr + first)
	f.Begin("Table")
	defer f.End()
	if t.Caption != "" {
		cs := t.CaptionStyle
		cs.Role = "Caption"
		f.Para(t.Caption, cs)
	}
	breaks := tableBreaks(heights, f.y+hdr, Top+hdr, Bottom)
	f.header(t, hdr, false)
	for ri := range t.Rows {
		if breaks[ri] {
			f.NewPage(false)
			f.header(t, hdr, true)
		}
		f.row(t, ri, cells[ri], heights[ri])
	}
	f.y += 12
}

// tableBreaks says before which rows a page starts: rows fill each page
// from y (the first page) or top (the next) down to bottom, and a break
// that would leave fewer than minRows rows after it moves up to leave minRows.
func tableBreaks(heights []float64, y, top, bottom float64) []bool {
	br := make([]bool, len(heights))
	start := 0 // first row of the current page
	for i, h := range heights {
		if y+h > bottom && i > start {
			br[i] = true
			start = i
			y = top
		}
		y += h
	}
	// the last page: at least minRows (taken from the page before, which keeps minRows too)
	last := 0
	for i := range br {
		if br[i] {
			last = i
		}
	}
	if last > 0 && len(heights)-last < minRows {
		prev := 0
		for i := last - 1; i > 0; i-- {
			if br[i] {
				prev = i
				break
			}
		}
		nb := len(heights) - minRows
		if nb-prev >= minRows {
			br[last] = false
			br[nb] = true
		}
	}
	return br
}

// header sets the header row; repeated on a later page, it is an
// artifact (the structure has one header row).
func (f *Flow) header(t Table, h float64, repeated bool) {
	sans := f.Fonts[Sans]
	y := f.y
	x := MarginX
	type cell struct {
		x float64
		s []rune
	}
	var cs []cell
	for _, c := range t.Cols {
		tx := x + cellPad
		if c.Right {
			tx = x + c.W - cellPad - sans.TextWidth(c.Title, t.Size)
		}
		cs = append(cs, cell{tx, []rune(c.Title)})
		x += c.W
	}
	size := t.Size
	f.Decorate(func(p *Page) { p.Rect(MarginX, y, ContentW, h, ColAccent) })
	if repeated {
		f.drawAs(artPage, func(p *Page) {
			for _, c := range cs {
				p.Text(sans, c.x, y+cellPad+(cellLH-size)/2+size*0.86, size, RGB{1, 1, 1}, c.s, nil, true)
			}
		})
		f.y += h
		return
	}
	f.Begin("TR")
	for _, c := range cs {
		f.Begin("TH").Scope = "Column"
		f.Draw(func(p *Page) {
			p.Text(sans, c.x, y+cellPad+(cellLH-size)/2+size*0.86, size, RGB{1, 1, 1}, c.s, nil, true)
		})
		f.End()
	}
	f.End()
	f.y += h
}

// cellFont is the font of a column's cells: figures (right-aligned
// columns) in the sans, whose digits are proportional; text in the table's face.
func (f *Flow) cellFont(t Table, c Column) *Font {
	if c.Right || c.Sans {
		return f.Fonts[Sans]
	}
	return f.Fonts[t.Face]
}

func (f *Flow) row(t Table, ri int, cells [][]line, h float64) {
	y := f.y
	if ri%2 == 1 {
		f.Decorate(func(p *Page) { p.Rect(MarginX, y, ContentW, h, ColLight) })
	}
	f.Decorate(func(p *Page) { p.Rect(MarginX, y+h-0.4, ContentW, 0.4, ColRule) })
	x := MarginX
	size := t.Size
	f.Begin("TR")
	defer f.End()
	for ci, c := range t.Cols {
		if c.RowHeader {
			f.Begin("TH").Scope = "Row"
		} else {
			f.Begin("TD")
		}
		font := f.cellFont(t, c)
		text := []rune(t.Rows[ri][ci])
		if c.Link && len(cells[ci]) > 0 {
			lx, uri := x, t.Rows[ri][ci]
			f.Draw(func(p *Page) { p.URILink(lx+cellPad/2, y+cellPad/2, c.W-cellPad, h-cellPad, uri) })
		}
		col := ColText
		if t.Colour != nil {
			col = t.Colour(ri, ci)
		}
		for li, ln := range cells[ci] {
			seg, adj := lineText(text, ln), ln.adj
			tx := x + cellPad
			if c.Right {
				tx = x + c.W - cellPad - ln.width
			}
			tx += ln.x0
			by := y + cellPad + float64(li)*cellLH + (cellLH-size)/2 + size*0.86
			f.Draw(func(p *Page) { p.Text(font, tx, by, size, col, seg, adj, false) })
		}
		f.End()
		x += c.W
	}
	f.y += h
}
