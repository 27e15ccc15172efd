package portal

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/countyreport/countyreport/internal/typeset"
)

// Chinese inside English pages (WCAG 3.1.2, language of parts): a county's
// data keep their Chinese where no English form was given, and names,
// comments and explanations are what staff typed. A screen reader reads
// them right only when they are marked lang="zh-CN", so the English
// edition of every page goes through markChinese after its template ran:
// no template has to remember it, the pages added later included.

// zhSpanOpen and spanClose wrap one run of Chinese text.
const (
	zhSpanOpen = `<span lang="zh-CN">`
	spanClose  = `</span>`
	zhAttr     = ` lang="zh-CN"`
)

// voidElements have no end tag, so they never hold text.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// wholeElements hold text that cannot take a <span> (or is not shown):
// the element itself is marked when its text is Chinese.
var wholeElements = map[string]bool{"textarea": true, "option": true, "title": true, "text": true, "tspan": true}

// markChinese is page (an English page as its template wrote it) with
// every run of Chinese text outside a lang="zh…" element wrapped in
// <span lang="zh-CN">, and every textarea, option, SVG text or input whose
// text or value is Chinese marked lang="zh-CN" itself. Everything else is
// copied byte for byte; a page the tokenizer cannot read is returned as
// it is.
func markChinese(page []byte) []byte {
	if !hasCJK(page) {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []openElement
	var pending []byte // the start tag of a whole element, held until its text is seen
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return page
			}
			out.Write(pending)
			return out.Bytes()
		}
		raw := z.Raw()
		zh := len(stack) > 0 && stack[len(stack)-1].zh
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			out.Write(pending)
			pending = nil
			name, lang, value := tagInfo(z)
			el := openElement{name: name, zh: zh}
			if lang != "" {
				el.zh = strings.HasPrefix(strings.ToLower(lang), "zh")
			}
			mark := lang == "" && !zh && typeset.HasCJK(value)
			switch {
			case mark:
				out.Write(withLang(raw))
			case wholeElements[name] && lang == "" && !zh && tt == html.StartTagToken:
				pending = append([]byte(nil), raw...)
			default:
				out.Write(raw)
			}
			if tt == html.StartTagToken && !voidElements[name] {
				stack = append(stack, el)
			}
		case html.EndTagToken:
			out.Write(pending)
			pending = nil
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == string(name) {
					stack = stack[:i]
					break
				}
			}
			out.Write(raw)
		case html.TextToken:
			switch {
			case pending != nil:
				if hasCJK(raw) {
					pending = withLang(pending)
				}
				out.Write(pending)
				pending = nil
				out.Write(raw)
			case zh || inside(stack, "script", "style", "svg"):
				out.Write(raw)
			default:
				wrapRuns(&out, raw)
			}
		default:
			out.Write(pending)
			pending = nil
			out.Write(raw)
		}
	}
}

type openElement struct {
	name string
	zh   bool // the element or an ancestor is marked lang="zh…"
}

func inside(stack []openElement, names ...string) bool {
	for _, el := range stack {
		for _, n := range names {
			if el.name == n {
				return true
			}
		}
	}
	return false
}

// tagInfo is the tag's name, its lang attribute, and the value of an input.
func tagInfo(z *html.Tokenizer) (name, lang, value string) {
	n, more := z.TagName()
	name = string(n)
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "lang":
			lang = string(v)
		case "value":
			if name == "input" {
				value = string(v)
			}
		}
	}
	return name, lang, value
}

// withLang inserts lang="zh-CN" before the end of the start tag raw.
func withLang(raw []byte) []byte {
	end := len(raw) - 1
	if end > 0 && raw[end-1] == '/' {
		end--
	}
	out := make([]byte, 0, len(raw)+len(zhAttr))
	out = append(out, raw[:end]...)
	out = append(out, zhAttr...)
	return append(out, raw[end:]...)
}

// wrapRuns writes text (escaped HTML text, as the template wrote it) with
// each run of Chinese in a zh-CN span. A run starts and ends with a CJK
// character and goes on over other characters up to the next CJK one,
// unless an ASCII space comes first: "县内GDP增长5.8%，总量" is one run,
// "awaiting review by 衡阳市." marks only 衡阳市. Spans begin and end next
// to a CJK character, so no character reference is ever split.
func wrapRuns(out *bytes.Buffer, text []byte) {
	i := 0
	for i < len(text) {
		start := nextCJK(text, i)
		if start < 0 {
			out.Write(text[i:])
			return
		}
		out.Write(text[i:start])
		end := runEnd(text, start)
		out.WriteString(zhSpanOpen)
		out.Write(text[start:end])
		out.WriteString(spanClose)
		i = end
	}
}

// nextCJK is the offset of the first CJK character at or after i, or -1.
func nextCJK(b []byte, i int) int {
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if typeset.IsCJK(r) {
			return i
		}
		i += n
	}
	return -1
}

// runEnd is the offset just past the run of Chinese that starts at start.
func runEnd(b []byte, start int) int {
	end, i := start, start
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case typeset.IsCJK(r):
			end = i + n
		case r == ' ' || r == '\n' || r == '\t':
			return end
		}
		i += n
	}
	return end
}

func hasCJK(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if typeset.IsCJK(r) {
			return true
		}
		i += n
	}
	return false
}
