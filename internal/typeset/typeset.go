// Package typeset breaks text into lines the way Chinese print expects.
//
// Break opportunities come from Unicode line breaking (UAX #14, via
// github.com/go-text/typesetting/segmenter); on top of them the Chinese rules
// (禁则) apply:
//   - no closing punctuation at a line start (。，、；：？！”’）》 and friends),
//   - no opening punctuation at a line end (“‘（《 and friends),
//   - a number stays with its unit ("54.98亿元", "7.0%", "79个"),
//   - "——" and "……" are never split.
//
// When no allowed break fits, the line is broken by force at the last
// character that fits, so every line respects the width.
package typeset

import (
	"strings"
	"unicode"

	"github.com/go-text/typesetting/segmenter"
)

// NoStart are the characters that must not begin a line.
const NoStart = "。，、；：？！”’）》」』】〕〉〗｝］．,.;:?!)]}%‰℃…—·～〃々ー"

// NoEnd are the characters that must not end a line.
const NoEnd = "“‘（《「『【〔〈〖｛［([{"

// Units are characters that, right after a number, belong to it.
const Units = "%‰亿万千百十余多元角个家台户件人次起项亩吨米克斤年月日天时分秒倍栋类轮名所座条处辆架艘只头匹株张本册篇场届期号层级度位成"

// Breaks reports for each position i (0..len(text)) whether a line may break
// before text[i]. Breaks[0] and Breaks[len] are false and true.
func Breaks(text []rune) []bool {
	n := len(text)
	ok := make([]bool, n+1)
	if n == 0 {
		return ok
	}
	var seg segmenter.Segmenter
	seg.Init(text)
	it := seg.LineIterator()
	for it.Next() {
		l := it.Line()
		if end := l.Offset + len(l.Text); end <= n {
			ok[end] = true
		}
	}
	ok[0] = false
	ok[n] = true
	for i := 1; i < n; i++ {
		if !ok[i] {
			continue
		}
		prev, cur := text[i-1], text[i]
		switch {
		case strings.ContainsRune(NoStart, cur):
			ok[i] = false
		case strings.ContainsRune(NoEnd, prev):
			ok[i] = false
		case isNumberPart(prev) && strings.ContainsRune(Units, cur):
			ok[i] = false
		case prev == '—' && cur == '—', prev == '…' && cur == '…':
			ok[i] = false
		}
	}
	// A unit run after a number: "1100余亩" keeps 余 with 亩, "6.31亿元" keeps 亿 with 元.
	for i := 1; i < n; i++ {
		if ok[i] && strings.ContainsRune(Units, text[i-1]) && strings.ContainsRune(Units, text[i]) && unitRunFromNumber(text, i-1) {
			ok[i] = false
		}
	}
	for i := 1; i < n; i++ {
		if text[i-1] == '\n' {
			ok[i] = true
		}
	}
	return ok
}

func isNumberPart(r rune) bool {
	return unicode.IsDigit(r) || r == '.' || r == '%'
}

// unitRunFromNumber reports whether text[j] ends a run of unit characters that starts right after a digit.
func unitRunFromNumber(text []rune, j int) bool {
	k := j
	for k >= 0 && strings.ContainsRune(Units, text[k]) && j-k < 3 {
		k--
	}
	return k >= 0 && unicode.IsDigit(text[k])
}

// Line is text[Start:End] set on one line, Width wide (trailing spaces not
// counted). Last is true for the last line of a paragraph (or before a
// newline): such lines are not justified.
type Line struct {
	Start, End int
	Width      float64
	Last       bool
}

// Wrap breaks text into lines no wider than width, the first line narrowed by
// indent. adv gives each character's advance in the same unit as width.
func Wrap(text []rune, width, indent float64, adv func(rune) float64) []Line {
	n := len(text)
	if n == 0 {
		return nil
	}
	ok := Breaks(text)
	var lines []Line
	start := 0
	avail := width - indent
	for start < n {
		// skip spaces at a line start (not at the paragraph start)
		if len(lines) > 0 {
			for start < n && text[start] == ' ' {
				start++
			}
			if start >= n {
				break
			}
		}
		w := 0.0
		lastBreak := -1
		end := n
		last := true
		for i := start; i < n; i++ {
			if text[i] == '\n' {
				end = i
				break
			}
			if i > start && ok[i] {
				lastBreak = i
			}
			a := adv(text[i])
			if w+a > avail && i > start && text[i] != ' ' {
				b := lastBreak
				if b <= start {
					b = forceBreak(text, ok, start, i)
				}
				end = b
				last = false
				break
			}
			w += a
		}
		e := end
		for e > start && text[e-1] == ' ' {
			e--
		}
		lw := 0.0
		for _, r := range text[start:e] {
			lw += adv(r)
		}
		lines = append(lines, Line{Start: start, End: e, Width: lw, Last: last})
		if end < n && text[end] == '\n' {
			end++
			if end == n { // a final newline makes an empty last line
				lines = append(lines, Line{Start: n, End: n, Last: true})
			}
		}
		start = end
		avail = width
	}
	return lines
}

// forceBreak picks where to break a line with no allowed break that fits:
// just before the overflowing character, moved back so that a closing mark
// does not start the next line, if there is room to.
func forceBreak(text []rune, ok []bool, start, i int) int {
	b := i
	for b-1 > start && (strings.ContainsRune(NoStart, text[b]) || strings.ContainsRune(NoEnd, text[b-1])) {
		b--
	}
	if b <= start {
		b = i
	}
	return b
}
