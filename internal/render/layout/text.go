package layout

import (
	"math"
	"strings"
	"unicode"

	"github.com/countyreport/countyreport/internal/typeset"
)

// Full-width punctuation whose glyph fills half its em (in mainland fonts
// the ink of ，。、；： and of closing marks is on the left, of opening
// marks on the right): the blank half may be given up.
const (
	closingMarks = "，。、；：？！”’）》」』】〕"
	openingMarks = "“‘（《「『【〔"
)

// maxSpacing caps letter-spacing of a justified Chinese line, as a share of
// the size: a line that would need more is set flush left.
const maxSpacing = 0.25

// line is one set line: text[start:end], the space after each character
// (negative where punctuation is compressed, positive where the line is
// justified), where its first glyph starts (x0, left of the line's start
// for a mark moved into its own blank) and its width as set.
type line struct {
	start, end int
	adj        []float64
	x0         float64
	width      float64
}

// marks is the geometry of a text's characters: adv what each takes on a
// line, off how far its glyph is moved (negative: left), give how much of
// the room after it may be given up to fit a line.
type marks struct {
	adv, off, give []float64
}

// measure works out each character's geometry in f at size. Full-width
// punctuation is set the mainland way whatever the font: a closing mark
// (，。、；：) sits at the left of its em (a font that centres 。 and 、 has
// them moved left), so its right half is blank; an opening mark sits at the
// right. Two marks in a row share the blank between them (“。”” takes one
// and a half ems), and the blank half of a mark is what a line may give up
// before anything is spaced out.
func measure(text []rune, f *Font, size float64) marks {
	n := len(text)
	m := marks{make([]float64, n), make([]float64, n), make([]float64, n)}
	const margin = 0.06 // ink kept clear of a neighbour, in em
	latin := !typeset.HasHan(text)
	for i, r := range text {
		m.adv[i] = f.WidthIn(r, size, latin)
	}
	if latin {
		return m // English: its punctuation is its own, set as the font has it
	}
	for i, r := range text {
		lo, hi, ok := f.Ink(r)
		if !ok {
			continue
		}
		em := m.adv[i] / size // the mark's em, normally 1
		switch {
		case strings.ContainsRune(closingMarks, r):
			if lo > 0.2*em { // centred: move it to the left of its em
				m.off[i] = -(lo - margin) * size
				hi -= lo - margin
			}
			blank := math.Min(0.5*em, em-hi-margin) * size
			if blank <= 0 {
				continue
			}
			if i+1 < n && (strings.ContainsRune(closingMarks, text[i+1]) || strings.ContainsRune(openingMarks, text[i+1])) {
				m.adv[i] -= blank // a pair of marks: always compressed
			} else {
				m.give[i] = blank
			}
		case strings.ContainsRune(openingMarks, r) && i > 0:
			blank := math.Min(0.5*em, lo-margin) * size
			if blank <= 0 {
				continue
			}
			// the blank is before the mark: taken from the character before it
			if strings.ContainsRune(openingMarks, text[i-1]) || strings.ContainsRune(closingMarks, text[i-1]) && m.give[i-1] == 0 && m.adv[i-1] < f.Width(text[i-1], size) {
				continue // a closing-opening pair is compressed once, above
			}
			m.off[i] -= blank
			m.adv[i] -= blank
			m.giveBefore(i, blank)
		}
	}
	return m
}

// giveBefore records that the character before i may give up blank (the
// blank left of opening mark i, which is drawn blank to the left when
// nothing is given up).
func (m marks) giveBefore(i int, blank float64) {
	// Drawn moved left by blank with blank added after the character
	// before it, the mark looks as set in full; giving up the room takes
	// that addition back.
	m.adv[i-1] += blank
	m.give[i-1] += blank
}

// setText breaks text into lines of width (the first narrowed by indent)
// in font f at size, with the rules of Chinese typesetting:
//   - punctuation set the mainland way, two marks in a row sharing an em
//     (see measure);
//   - every mark keeps its full em on every line (one rule: compressing
//     some lines' commas to half width makes them read as ASCII); only a
//     line that cannot be broken otherwise gives up that room;
//   - a line is justified: Chinese by letter-spacing (capped), English
//     by widening its spaces;
//   - a paragraph does not end with a line of one or two characters when
//     a different break can avoid it;
//   - the break rules of typeset (禁则, numbers kept with their units).
func setText(text []rune, f *Font, size, width, indent float64, justify bool) []line {
	n := len(text)
	if n == 0 {
		return nil
	}
	m := measure(text, f, size)
	ok := typeset.Breaks(text)
	latin := !typeset.HasHan(text)
	var lines []line
	avail := width - indent
	for start := 0; start < n; {
		if len(lines) > 0 {
			for start < n && text[start] == ' ' {
				start++
			}
			if start >= n {
				break
			}
		}
		end, hard := fit(text, m, ok, start, avail)
		lines = append(lines, line{start: start, end: end})
		start = end
		if hard {
			start++ // the newline
		}
		avail = width
	}
	if !latin {
		lines = avoidShortLast(text, m, ok, lines, width)
	}
	for i := range lines {
		l := &lines[i]
		a := width
		if i == 0 {
			a -= indent
		}
		last := i == len(lines)-1 || (l.end < n && text[l.end] == '\n')
		setLine(l, text, f, m, trimEnd(text, l.start, l.end), a, size, justify && !last, latin)
	}
	return lines
}

func trimEnd(text []rune, start, end int) int {
	for end > start && text[end-1] == ' ' {
		end--
	}
	return end
}

// fit returns where the line from start ends: the last allowed break
// within avail, counting the room compressible marks can give up; hard is
// true at a newline.
func fit(text []rune, m marks, ok []bool, start int, avail float64) (end int, hard bool) {
	n := len(text)
	w := 0.0
	last := -1
	for i := start; i < n; i++ {
		if text[i] == '\n' {
			return i, true
		}
		if i > start && ok[i] {
			last = i
		}
		// the room after the line's last character is not drawn: it does
		// not count. Marks inside the line keep their full em: one rule on
		// every line (a line filled by compressing its commas reads as
		// ASCII punctuation beside lines that keep theirs), so g, what they
		// could give up, is not used to pull a character in.
		if w+m.adv[i]-m.give[i] > avail+1e-6 && i > start && text[i] != ' ' {
			if last > start {
				return last, false
			}
			return forceBreak(text, ok, start, i), false
		}
		w += m.adv[i]
	}
	return n, false
}

func forceBreak(text []rune, ok []bool, start, i int) int {
	b := i
	for b-1 > start && (strings.ContainsRune(typeset.NoStart, text[b]) || strings.ContainsRune(typeset.NoEnd, text[b-1])) {
		b--
	}
	if b <= start {
		b = i
	}
	return b
}

// letters counts the characters of text[start:end] that are not punctuation.
func letters(text []rune, start, end int) int {
	c := 0
	for _, r := range text[start:end] {
		if !unicode.IsPunct(r) && !unicode.IsSpace(r) && !unicode.IsSymbol(r) {
			c++
		}
	}
	return c
}

// avoidShortLast moves the last break of a paragraph earlier when its last
// line would hold one or two characters (感”……, 镇。): to the latest
// allowed break that leaves the last line at least three, if that line
// still fits.
func avoidShortLast(text []rune, m marks, ok []bool, lines []line, width float64) []line {
	k := len(lines) - 1
	if k < 1 {
		return lines
	}
	last, prev := lines[k], lines[k-1]
	if letters(text, last.start, last.end) > 2 || (prev.end < len(text) && text[prev.end] == '\n') || (last.end < len(text)) {
		return lines
	}
	for b := prev.end - 1; b > prev.start+1; b-- {
		if !ok[b] || letters(text, b, last.end) < 3 {
			continue
		}
		w := 0.0
		for i := b; i < last.end; i++ {
			w += m.adv[i]
		}
		if w-m.give[last.end-1] > width+1e-6 {
			return lines // the longer last line would not fit
		}
		lines[k-1].end, lines[k].start = b, b
		return lines
	}
	return lines
}

// setLine works out how text[start:end] is drawn to fill avail:
// compressing marks when it is too wide, else (when justify)
// letter-spacing a Chinese line, widening the spaces of an English one.
// The space after glyph i is what it takes on the line less its advance
// in the font, plus the moves of the glyphs either side.
func setLine(l *line, text []rune, f *Font, m marks, end int, avail, size float64, justify, latin bool) {
	start := l.start
	n := end - start
	if n == 0 {
		return
	}
	take := make([]float64, n)
	w, g := 0.0, 0.0
	for i := start; i < end; i++ {
		take[i-start] = m.adv[i]
		w += m.adv[i]
		if i < end-1 {
			g += m.give[i]
		}
	}
	// the last character's trailing room is not visible
	w -= m.give[end-1]
	take[n-1] -= m.give[end-1]
	switch {
	case w > avail+1e-6 && g > 0:
		k := math.Min(1, (w-avail)/g)
		for i := start; i < end-1; i++ {
			take[i-start] -= m.give[i] * k
		}
		w -= g * k
	case justify && w < avail:
		extra := avail - w
		spaces := 0
		for i := start; i < end-1; i++ {
			if text[i] == ' ' {
				spaces++
			}
		}
		if latin || spaces > 0 && !typeset.HasHan(text[start:end]) {
			if spaces > 0 && extra/float64(spaces) < size*0.75 {
				for i := start; i < end-1; i++ {
					if text[i] == ' ' {
						take[i-start] += extra / float64(spaces)
					}
				}
				w = avail
			}
		} else if n > 1 && extra/float64(n-1) <= size*maxSpacing {
			for i := 0; i < n-1; i++ {
				take[i] += extra / float64(n-1)
			}
			w = avail
		}
	}
	l.adj = make([]float64, n)
	lineLatin := !typeset.HasHan(text[start:end]) // as Page.Text decides
	for i := 0; i < n; i++ {
		next := 0.0
		if i+1 < n {
			next = m.off[start+i+1]
		}
		l.adj[i] = take[i] - f.WidthIn(text[start+i], size, lineLatin) + next - m.off[start+i]
	}
	l.x0 = m.off[start]
	l.width = w
}

// lineText is what a set line draws: its characters, and the space it
// was broken at, if any. The space draws nothing, but without it the
// text read back (by a screen reader, a copy) runs the last word of a
// line into the first of the next.
func lineText(text []rune, ln line) []rune {
	end := min(ln.end, ln.start+len(ln.adj))
	if end < len(text) && text[end] == ' ' {
		end++
	}
	return text[ln.start:end]
}
