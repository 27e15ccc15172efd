package layout

// Card is one figure on a card: a title over up to two lines, the figure
// large, its unit, and a foot line.
type Card struct {
	Title      string
	Figure     string
	FigureCol  RGB
	Unit       string
	Foot       string
	FootCol    RGB
	Badge      string // a boxed word before the foot, e.g. 预计
	FigureFace Face
}

const (
	cardGap, cardBaseH, cardTitleLH, cardTitleSize = 10.0, 80.0, 11.5, 9.0
)

// CardsHeight is the height Cards takes for cards, cols to a row.
func (f *Flow) CardsHeight(cards []Card, cols int) float64 {
	w := (ContentW - cardGap*float64(cols-1)) / float64(cols)
	h := 0.0
	for start := 0; start < len(cards); start += cols {
		lines := 1
		for _, c := range cards[start:min(start+cols, len(cards))] {
			lines = max(lines, len(setText([]rune(c.Title), f.Fonts[Sans], cardTitleSize, w-16, 0, false)))
		}
		h += cardBaseH + float64(lines-1)*cardTitleLH + cardGap
	}
	return h
}

// Cards sets cards cols to a row; a row is as tall as its longest title.
// The grid is kept on one page when it fits on one: a grid split across a
// page break (three cards here, six there) reads as two.
func (f *Flow) Cards(cards []Card, cols int) {
	const gap, baseH, titleLH, titleSize = cardGap, cardBaseH, cardTitleLH, cardTitleSize
	w := (ContentW - gap*float64(cols-1)) / float64(cols)
	sans := f.Fonts[Sans]
	if h := f.CardsHeight(cards, cols) - gap; h <= Bottom-Top {
		f.Ensure(h)
	}
	for start := 0; start < len(cards); start += cols {
		row := cards[start:min(start+cols, len(cards))]
		lines := 1
		titles := make([][]line, len(row))
		for i, c := range row {
			titles[i] = setText([]rune(c.Title), sans, titleSize, w-16, 0, false)
			lines = max(lines, len(titles[i]))
		}
		shift := float64(lines-1) * titleLH
		h := baseH + shift
		f.Ensure(h)
		y := f.y
		for i, c := range row {
			x := MarginX + float64(i)*(w+gap)
			text := []rune(c.Title)
			tl := titles[i]
			f.Decorate(func(p *Page) {
				p.Rect(x, y, w, h, ColLight)
				p.Rect(x, y, w, 2, ColAccent)
			})
			// a card: its title, its figure, its foot
			f.Begin("Div")
			f.Begin("P")
			f.Draw(func(p *Page) {
				for k, ln := range tl {
					p.Text(sans, x+8+ln.x0, y+9+float64(k)*titleLH+titleSize*0.86, titleSize, ColMuted, lineText(text, ln), ln.adj, false)
				}
			})
			f.End()
			f.card(c, x, y, w, h, shift)
			f.End()
		}
		f.y += h + gap
	}
}

func (f *Flow) card(c Card, x, y, w, h, shift float64) {
	sans := f.Fonts[Sans]
	ff := f.Fonts[c.FigureFace]
	fy := y + shift
	fig, unit := []rune(c.Figure), []rune(c.Unit)
	size := 20.0
	for size > 12 && ff.TextWidth(c.Figure, size)+3+sans.TextWidth(c.Unit, 9.5) > w-16 {
		size--
	}
	fw := ff.TextWidth(c.Figure, size)
	f.Begin("P")
	defer f.End()
	f.Draw(func(p *Page) {
		p.Text(ff, x+8, fy+26+size*0.86, size, c.FigureCol, fig, nil, true)
		if len(unit) > 0 {
			p.Text(sans, x+8+fw+3, fy+34+9.5*0.86, 9.5, ColText, unit, nil, false)
		}
	})
	fx := x + 8
	if c.Badge != "" {
		bw := sans.TextWidth(c.Badge, 8) + 6
		bx, br := fx, []rune(c.Badge)
		f.End()
		f.Begin("P")
		f.Decorate(func(p *Page) { p.StrokeRect(bx, y+h-19, bw, 12, 0.6, ColAccent) })
		f.Draw(func(p *Page) { p.Text(sans, bx+3, y+h-17.5+8*0.86, 8, ColAccent, br, nil, false) })
		fx += bw + 5
	}
	if c.Foot != "" {
		if c.Badge == "" {
			f.End()
			f.Begin("P")
		}
		text := []rune(c.Foot)
		lines := setText(text, sans, 8.5, x+w-8-fx, 0, false)
		ly := y + h - 18 - float64(len(lines)-1)*10
		for k, ln := range lines {
			seg, adj, yy, x0 := lineText(text, ln), ln.adj, ly+float64(k)*10, ln.x0
			f.Draw(func(p *Page) { p.Text(sans, fx+x0, yy+8.5*0.86, 8.5, c.FootCol, seg, adj, false) })
		}
	}
}
