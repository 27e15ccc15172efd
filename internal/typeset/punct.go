package typeset

import (
	"strings"
	"unicode"
)

// Punctuate gives Chinese prose its full-width punctuation: an ASCII
// , : ; ! ? ( ) set in Chinese text (typed on a Latin keyboard, or turned into
// ASCII by a text extraction) becomes ，：；！？（）, the way a Chinese
// typesetter sets it. "1月9日,中共" becomes "1月9日，中共", "任务:" becomes
// "任务：", "邦玻璃(一期)" becomes "邦玻璃（一期）".
//
// The rules:
//   - , : ; ! ? become full-width when the nearest character before them
//     (across spaces, closing quotes, "……", "——" and other such marks) is
//     CJK, or when the character right after them (across opening quotes) is
//     CJK and they are not between two digits or two Latin letters;
//   - a pair ( ) becomes full-width when the character before it or its
//     content is CJK, or the character after it is CJK and no Latin letter
//     or digit sits right before the "(" ("（1）加快" but "f(x)的"); not
//     when the "(" follows a Latin word after a space, as in
//     "Hengshan County (衡山县)"; half of a pair that is already full-width
//     gets the other half's width;
//   - numbers ("1,100", "10:30", "54.98亿元"), text without CJK characters,
//     and URLs ("https://…", "www.…") are never touched;
//   - ASCII spaces around a mark made full-width are dropped (the full-width
//     form carries its own space).
//
// Letters and digits are never changed. A mark made full-width, or a space
// dropped, can decide a neighbour (in "! (中)" the "!" follows a "（" once
// the space is gone), so the rules are applied until nothing changes: each
// round only widens marks or drops spaces, so this ends, and
// Punctuate(Punctuate(s)) == Punctuate(s).
func Punctuate(s string) string {
	if !HasCJK(s) {
		return s
	}
	for {
		t := punctuateOnce(s)
		if t == s {
			return s
		}
		s = t
	}
}

func punctuateOnce(s string) string {
	if !strings.ContainsAny(s, ",:;!?()") {
		return s
	}
	rs := []rune(s)
	n := len(rs)
	// f is the text with the full-width forms folded to ASCII, so every
	// decision below reads the same before and after a first pass.
	f := make([]rune, n)
	for i, r := range rs {
		f[i] = fold(r)
	}
	skip := urlSpans(f)
	conv := make([]bool, n)

	x := newContext(f)

	// brackets: match pairs over the folded text
	var stack []int
	pair := make([]int, n)
	for i := range pair {
		pair[i] = -1
	}
	for i, r := range f {
		if skip[i] {
			continue
		}
		switch r {
		case '(':
			stack = append(stack, i)
		case ')':
			if len(stack) > 0 {
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				pair[o], pair[i] = i, o
			}
		}
	}
	for o := 0; o < n; o++ {
		c := pair[o]
		if f[o] != '(' || c < 0 {
			continue
		}
		switch {
		case rs[o] != '(' && rs[c] != ')': // both full-width already
		case rs[o] != '(' || rs[c] != ')': // one half full-width: match it
			conv[o], conv[c] = true, true
		default:
			ok := x.paren(o, c)
			conv[o], conv[c] = ok, ok
		}
	}
	// sentence marks
	for i, r := range f {
		if skip[i] || !strings.ContainsRune(",:;!?", r) || rs[i] != r {
			continue
		}
		conv[i] = x.mark(i)
	}

	// spaces next to a mark made full-width here go: the full-width form
	// carries its own space
	now := func(p int) bool { return p >= 0 && p < n && conv[p] && rs[p] < 0x80 }
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < n; i++ {
		r := rs[i]
		if r == ' ' {
			j, k := i, i
			for k+1 < n && rs[k+1] == ' ' {
				k++
			}
			if !now(j-1) && !now(k+1) {
				b.WriteString(string(rs[j : k+1]))
			}
			i = k
			continue
		}
		if conv[i] {
			r = wide(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// context answers the questions the rules ask about the folded text, each
// in constant time (so a long run of marks or spaces stays linear).
type context struct {
	f    []rune
	cjk  []int // cjk[i]: CJK characters in f[:i]
	left []int // left[i]: the nearest meaningful character before i, or -1
	open []int // open[i]: the first index >= i past opening quotes and brackets
	spc  []int // spc[i]: for a space, the index right before its run of spaces (-1 at the start); i otherwise
}

func newContext(f []rune) *context {
	n := len(f)
	x := &context{f: f, cjk: make([]int, n+1), left: make([]int, n+1), open: make([]int, n+1), spc: make([]int, n)}
	last := -1
	for i, r := range f {
		x.cjk[i+1] = x.cjk[i]
		if IsCJK(r) {
			x.cjk[i+1]++
		}
		x.left[i] = last
		if !(r == ' ' || transparent(r) || strings.ContainsRune(",:;!?)", r)) {
			last = i
		}
		x.spc[i] = i
		if r == ' ' {
			x.spc[i] = i - 1
			if i > 0 && f[i-1] == ' ' {
				x.spc[i] = x.spc[i-1]
			}
		}
	}
	x.left[n] = last
	x.open[n] = n
	for i := n - 1; i >= 0; i-- {
		x.open[i] = i
		if strings.ContainsRune("“‘\"'([", f[i]) {
			x.open[i] = x.open[i+1]
		}
	}
	return x
}

// paren decides an ASCII pair f[o]='(' … f[c]=')'.
func (x *context) paren(o, c int) bool {
	f := x.f
	before := o - 1
	spaced := false
	if before >= 0 && f[before] == ' ' {
		before, spaced = x.spc[before], true
	}
	if spaced && before >= 0 && isLatin(f[before]) {
		return false // "Hengshan County (衡山县)": English style
	}
	if before >= 0 && IsCJK(f[before]) {
		return true
	}
	if x.cjk[c] > x.cjk[o+1] {
		return true
	}
	// "（1）加快" but "f(x)的": Latin right before "(" keeps it ASCII
	return c+1 < len(f) && IsCJK(f[c+1]) && !(o > 0 && isLatin(f[o-1]))
}

// mark decides an ASCII , : ; ! ? at i.
func (x *context) mark(i int) bool {
	f := x.f
	if l := x.left[i]; l >= 0 && IsCJK(f[l]) {
		return true
	}
	p, nx := rune(0), rune(0)
	if i > 0 {
		p = f[i-1]
	}
	if i+1 < len(f) {
		nx = f[i+1]
	}
	if isDigit(p) && isDigit(nx) || isLatin(p) && isLatin(nx) {
		return false // 1,100 10:30 a,b
	}
	if isFigure(f, i-1) {
		return true // 完成率100%;11个: a figure of Chinese prose
	}
	r := x.open[i+1]
	return r < len(f) && IsCJK(f[r]) && p != ' '
}

// isFigure reports whether f[j] ends a figure ("100%", "10.4") that
// follows a CJK character: a number set in Chinese prose.
func isFigure(f []rune, j int) bool {
	k := j
	for k >= 0 && (isDigit(f[k]) || f[k] == '.' || f[k] == '%' || f[k] == '‰') {
		k--
	}
	return k < j && k >= 0 && IsCJK(f[k]) && (isDigit(f[j]) || f[j] == '%' || f[j] == '‰')
}

// transparent marks are looked across when finding what a mark follows.
func transparent(r rune) bool {
	return strings.ContainsRune("”’\"']—…", r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isLatin(r rune) bool {
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// IsCJK reports whether r is Chinese (or Japanese, Korean) text or CJK
// punctuation: Han, kana, hangul, bopomofo, the CJK symbols (、。《》「」…),
// full-width forms (but not the six folded to ASCII here: they read as their
// ASCII forms).
func IsCJK(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF, r >= 0xFE30 && r <= 0xFE4F:
		return fold(r) == r
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// HasCJK reports whether s holds Chinese (or Japanese, Korean) text.
func HasCJK(s string) bool {
	for _, r := range s {
		if IsCJK(r) {
			return true
		}
	}
	return false
}

// HasHan reports whether s holds a Chinese character (a Han ideograph),
// the test of whether a run of text is set as Chinese: text with none,
// CJK punctuation alone included, is set as Latin text (internal/render/
// layout: its spaces stretch, its words are not broken between letters).
// IsCJK is the wider test of the line breaking rules.
func HasHan(s []rune) bool {
	for _, r := range s {
		if r >= 0x2E80 && unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// fold maps a full-width mark handled here to its ASCII form.
func fold(r rune) rune {
	switch r {
	case '，':
		return ','
	case '：':
		return ':'
	case '；':
		return ';'
	case '！':
		return '!'
	case '？':
		return '?'
	case '（':
		return '('
	case '）':
		return ')'
	}
	return r
}

// wide maps an ASCII mark to its full-width form.
func wide(r rune) rune {
	switch r {
	case ',':
		return '，'
	case ':':
		return '：'
	case ';':
		return '；'
	case '!':
		return '！'
	case '?':
		return '？'
	case '(':
		return '（'
	case ')':
		return '）'
	}
	return r
}

// urlSpans marks the runes of URLs ("scheme://…", "www.…"): up to a space
// or a CJK character, not counting trailing punctuation.
func urlSpans(f []rune) []bool {
	skip := make([]bool, len(f))
	for i := 0; i < len(f); i++ {
		start := -1
		if hasPrefixAt(f, i, "www.") && (i == 0 || !isLatin(f[i-1])) {
			start = i
		} else if hasPrefixAt(f, i, "://") {
			j := i
			for j > 0 && (isASCIILetter(f[j-1]) || isDigit(f[j-1]) || strings.ContainsRune("+.-", f[j-1])) {
				j--
			}
			if j < i && isASCIILetter(f[j]) {
				start = j
			}
		}
		if start < 0 {
			continue
		}
		end := i
		for end < len(f) && f[end] != ' ' && f[end] != '\t' && f[end] != '\n' && !IsCJK(f[end]) && f[end] < 0x2E80 && !strings.ContainsRune("“”‘’", f[end]) {
			end++
		}
		// trailing punctuation is the sentence's, not the URL's; a ")"
		// only when the URL has no "(" of its own
		for end > start {
			last := f[end-1]
			if strings.ContainsRune(",:;!?.", last) || last == ')' && !strings.ContainsRune(string(f[start:end]), '(') {
				end--
				continue
			}
			break
		}
		for k := start; k < end; k++ {
			skip[k] = true
		}
		i = end
	}
	return skip
}

func hasPrefixAt(f []rune, i int, p string) bool {
	for _, c := range p {
		if i >= len(f) || f[i] != c {
			return false
		}
		i++
	}
	return true
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
