package layout

import (
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
const maxSpacing = 0.15

// line is one set line: text[start:end] and the space after each
// character (negative where punctuation is compressed, positive where the
// line is justified).
type line struct {
	start, end int
	adj        []float64
	width      float64 // as set
}

// setText breaks text into lines of width (the first narrowed by indent)
// in font f at size, with the rules of Chinese typesetting:
//   - two punctuation marks in a row share an em (“。”” takes one and a half);
//   - a line is filled by compressing punctuation before anything is
//     spaced out: a character that does not fit is pulled in when the
//     line's marks can give up the room (up to half an em each);
//   - only then is a line justified: Chinese by letter-spacing (capped),
//     English by widening its spaces;
//   - a paragraph does not end with a line of one or two characters when
//     a different break can avoid it;
//   - the break rules of typeset (禁则, numbers kept with their units).
func setText(text []rune, f *Font, size, width, indent float64, justify bool) []line {
	n := len(text)
	if n == 0 {
		return nil
	}
	adv := make([]float64, n)
	give := make([]float64, n) // room the space after character i may give up
	for i, r := range text {
		adv[i] = f.Width(r, size)
	}
	for i, r := range text {
		switch {
		case strings.ContainsRune(closingMarks, r):
			if i+1 < n && (strings.ContainsRune(closingMarks, text[i+1]) || strings.ContainsRune(openingMarks, text[i+1])) {
				adv[i] -= size / 2 // a pair of marks: always compressed
			} else {
				give[i] = size / 2
			}
		case strings.ContainsRune(openingMarks, r) && i > 0:
			if strings.ContainsRune(openingMarks, text[i-1]) {
				adv[i-1] -= size / 2
			} else if !strings.ContainsRune(closingMarks, text[i-1]) {
				give[i-1] += size / 2
			}
		}
	}
	ok := typeset.Breaks(text)
	latin := !hasCJK(text)
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
		end, hard := fit(text, adv, give, ok, start, avail)
		lines = append(lines, line{start: start, end: end})
		start = end
		if hard {
			start++ // the newline
		}
		avail = width
	}
	if !latin {
		lines = avoidShortLast(text, adv, give, ok, lines, width, indent)
	}
	for i := range lines {
		l := &lines[i]
		a := width
		if i == 0 {
			a -= indent
		}
		last := i == len(lines)-1 || (l.end < n && text[l.end] == '\n')
		l.adj, l.width = justifyLine(text, adv, give, l.start, trimEnd(text, l.start, l.end), a, size, justify && !last, latin)
	}
	return lines
}

func hasCJK(text []rune) bool {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
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
func fit(text []rune, adv, give []float64, ok []bool, start int, avail float64) (end int, hard bool) {
	n := len(text)
	w, g := 0.0, 0.0
	last := -1
	for i := start; i < n; i++ {
		if text[i] == '\n' {
			return i, true
		}
		if i > start && ok[i] {
			last = i
		}
		// the last character's own room does not count: nothing follows it
		if w+adv[i]-g > avail+1e-6 && i > start && text[i] != ' ' {
			if last > start {
				return last, false
			}
			return forceBreak(text, ok, start, i), false
		}
		w += adv[i]
		g += give[i]
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
func avoidShortLast(text []rune, adv, give []float64, ok []bool, lines []line, width, indent float64) []line {
	k := len(lines) - 1
	if k < 1 {
		return lines
	}
	last, prev := lines[k], lines[k-1]
	if last.end < len(text) || letters(text, last.start, last.end) > 2 || (prev.end < len(text) && text[prev.end] == '\n') {
		return lines
	}
	for b := prev.end - 1; b > prev.start+1; b-- {
		if !ok[b] {
			continue
		}
		if letters(text, b, last.end) < 3 {
			continue
		}
		w, g := 0.0, 0.0
		for i := b; i < last.end; i++ {
			w += adv[i]
			g += give[i]
		}
		if w-g+give[last.end-1] > width+1e-6 {
			return lines // the longer last line would not fit
		}
		lines[k-1].end, lines[k].start = b, b
		return lines
	}
	return lines
}

// justifyLine sets text[start:end] to fill avail: compressing marks when it
// is too wide, else (when justify) letter-spacing a Chinese line, widening
// the spaces of an English one.
func justifyLine(text []rune, adv, give []float64, start, end int, avail, size float64, justify, latin bool) ([]float64, float64) {
	n := end - start
	adj := make([]float64, n)
	w := 0.0
	for i := start; i < end; i++ {
		w += adv[i]
		adj[i-start] = adv[i] - baseAdv(text, i, adv, size)
	}
	if n == 0 {
		return adj, 0
	}
	// the room after the line's last character is not visible: not counted
	g := 0.0
	for i := start; i < end-1; i++ {
		g += give[i]
	}
	switch {
	case w > avail+1e-6 && g > 0:
		k := min(1, (w-avail)/g)
		for i := start; i < end-1; i++ {
			adj[i-start] -= give[i] * k
		}
		w -= g * k
	case justify && w < avail:
		extra := avail - w
		if latin || strings.ContainsRune(string(text[start:end]), ' ') && !hasCJK(text[start:end]) {
			spaces := 0
			for i := start; i < end-1; i++ {
				if text[i] == ' ' {
					spaces++
				}
			}
			if spaces > 0 && extra/float64(spaces) < size*1.2 {
				for i := start; i < end-1; i++ {
					if text[i] == ' ' {
						adj[i-start] += extra / float64(spaces)
					}
				}
				w = avail
			}
		} else if n > 1 {
			per := extra / float64(n-1)
			if per <= size*maxSpacing {
				for i := 0; i < n-1; i++ {
					adj[i] += per
				}
				w = avail
			}
		}
	}
	return adj, w
}

// baseAdv is the advance the font gives character i (before pair compression).
func baseAdv(text []rune, i int, adv []float64, size float64) float64 {
	r := text[i]
	if strings.ContainsRune(closingMarks, r) && i+1 < len(text) && (strings.ContainsRune(closingMarks, text[i+1]) || strings.ContainsRune(openingMarks, text[i+1])) {
		return adv[i] + size/2
	}
	if strings.ContainsRune(openingMarks, r) && i+1 < len(text) && strings.ContainsRune(openingMarks, text[i+1]) {
		return adv[i] + size/2
	}
	return adv[i]
}
