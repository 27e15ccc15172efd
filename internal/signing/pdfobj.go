package signing

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// A small reader of PDF objects: enough to find the trailer, the catalog
// and the first page of a file, and the signature dictionary of a signed
// one, and to know where each value's bytes are, so that an update copies
// a dictionary as written and adds one entry to it.

type kind int

const (
	kNull kind = iota
	kBool
	kNumber
	kName
	kString
	kArray
	kDict
	kRef
)

// value is one PDF object. start and end delimit its bytes in the file.
type value struct {
	kind       kind
	start, end int
	text       string  // a name (without the slash), a number or a boolean as written
	str        []byte  // a string's bytes, decoded
	items      []value // an array's elements, a dictionary's values
	keys       []string
	num, gen   int // a reference
}

// get returns the dictionary entry key.
func (v value) get(key string) (value, bool) {
	if v.kind != kDict {
		return value{}, false
	}
	for i, k := range v.keys {
		if k == key {
			return v.items[i], true
		}
	}
	return value{}, false
}

func (v value) int() (int, bool) {
	if v.kind != kNumber {
		return 0, false
	}
	n, err := strconv.Atoi(v.text)
	return n, err == nil
}

type parser struct {
	b     []byte
	pos   int
	depth int
}

// maxDepth bounds nested arrays and dictionaries.
const maxDepth = 32

var errSyntax = errors.New("malformed PDF object")

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case isSpace(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// regular reads a run of regular characters (a number, a keyword, a name's body).
func (p *parser) regular() string {
	s := p.pos
	for p.pos < len(p.b) && !isSpace(p.b[p.pos]) && !isDelim(p.b[p.pos]) {
		p.pos++
	}
	return string(p.b[s:p.pos])
}

// keyword reads the next keyword (obj, endobj, xref, trailer, R ...).
func (p *parser) keyword() string {
	p.skipSpace()
	return p.regular()
}

// value parses the next object.
func (p *parser) value() (value, error) {
	p.skipSpace()
	if p.pos >= len(p.b) {
		return value{}, fmt.Errorf("%w: unexpected end at byte %d", errSyntax, p.pos)
	}
	start := p.pos
	c := p.b[p.pos]
	switch {
	case c == '/':
		p.pos++
		name := p.regular()
		return value{kind: kName, start: start, end: p.pos, text: name}, nil
	case c == '(':
		return p.literal()
	case c == '<' && p.pos+1 < len(p.b) && p.b[p.pos+1] == '<':
		return p.dict()
	case c == '<':
		return p.hexString()
	case c == '[':
		return p.array()
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	word := p.regular()
	switch word {
	case "true", "false":
		return value{kind: kBool, start: start, end: p.pos, text: word}, nil
	case "null":
		return value{kind: kNull, start: start, end: p.pos}, nil
	}
	return value{}, fmt.Errorf("%w: unexpected %q at byte %d", errSyntax, word, start)
}

// number reads a number, or a reference "num gen R".
func (p *parser) number() (value, error) {
	start := p.pos
	text := p.regular()
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return value{}, fmt.Errorf("%w: bad number %q at byte %d", errSyntax, text, start)
	}
	v := value{kind: kNumber, start: start, end: p.pos, text: text}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return v, nil
	}
	save := p.pos
	p.skipSpace()
	gen, err := strconv.Atoi(p.regular())
	if err == nil && gen >= 0 {
		p.skipSpace()
		if p.pos < len(p.b) && p.b[p.pos] == 'R' && (p.pos+1 == len(p.b) || isSpace(p.b[p.pos+1]) || isDelim(p.b[p.pos+1])) {
			p.pos++
			return value{kind: kRef, start: start, end: p.pos, num: n, gen: gen}, nil
		}
	}
	p.pos = save
	return v, nil
}

func (p *parser) literal() (value, error) {
	start := p.pos
	p.pos++
	var out []byte
	for depth := 1; ; {
		if p.pos >= len(p.b) {
			return value{}, fmt.Errorf("%w: unterminated string at byte %d", errSyntax, start)
		}
		c := p.b[p.pos]
		p.pos++
		switch c {
		case '\\':
			if p.pos < len(p.b) {
				out = append(out, p.b[p.pos]) // escapes kept loosely: only the extent matters here
				p.pos++
			}
			continue
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return value{kind: kString, start: start, end: p.pos, str: out}, nil
			}
		}
		out = append(out, c)
	}
}

func (p *parser) hexString() (value, error) {
	start := p.pos
	end := bytes.IndexByte(p.b[p.pos:], '>')
	if end < 0 {
		return value{}, fmt.Errorf("%w: unterminated hex string at byte %d", errSyntax, start)
	}
	digits := make([]byte, 0, end)
	for _, c := range p.b[p.pos+1 : p.pos+end] {
		if !isSpace(c) {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	s, err := hex.DecodeString(string(digits))
	if err != nil {
		return value{}, fmt.Errorf("%w: bad hex string at byte %d", errSyntax, start)
	}
	p.pos += end + 1
	return value{kind: kString, start: start, end: p.pos, str: s}, nil
}

func (p *parser) enter() error {
	if p.depth++; p.depth > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d at byte %d", errSyntax, maxDepth, p.pos)
	}
	return nil
}

func (p *parser) array() (value, error) {
	if err := p.enter(); err != nil {
		return value{}, err
	}
	defer func() { p.depth-- }()
	v := value{kind: kArray, start: p.pos}
	p.pos++
	for {
		p.skipSpace()
		if p.pos < len(p.b) && p.b[p.pos] == ']' {
			p.pos++
			v.end = p.pos
			return v, nil
		}
		item, err := p.value()
		if err != nil {
			return value{}, err
		}
		v.items = append(v.items, item)
	}
}

func (p *parser) dict() (value, error) {
	if err := p.enter(); err != nil {
		return value{}, err
	}
	defer func() { p.depth-- }()
	v := value{kind: kDict, start: p.pos}
	p.pos += 2
	for {
		p.skipSpace()
		if p.pos+1 < len(p.b) && p.b[p.pos] == '>' && p.b[p.pos+1] == '>' {
			p.pos += 2
			v.end = p.pos
			return v, nil
		}
		key, err := p.value()
		if err != nil {
			return value{}, err
		}
		if key.kind != kName {
			return value{}, fmt.Errorf("%w: a dictionary key is not a name at byte %d", errSyntax, key.start)
		}
		val, err := p.value()
		if err != nil {
			return value{}, err
		}
		v.keys, v.items = append(v.keys, key.text), append(v.items, val)
	}
}
