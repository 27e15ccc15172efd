package signing

import (
	"bytes"
	"fmt"
	"strconv"
)

// document is a PDF read through its cross-reference tables (the classic
// form, which internal/render/layout writes; cross-reference streams are
// refused with a clear error).
type document struct {
	b       []byte
	offsets map[int]int // object number → offset of "num gen obj", newest revision first
	gens    map[int]int
	trailer value // the newest trailer
	startx  int   // the newest revision's startxref
	size    int   // the newest trailer's /Size
}

// maxRevisions bounds the /Prev chain followed.
const maxRevisions = 16

func readDocument(b []byte) (*document, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, fmt.Errorf("not a PDF: no %%PDF- header")
	}
	startx, err := lastStartXref(b)
	if err != nil {
		return nil, err
	}
	d := &document{b: b, offsets: map[int]int{}, gens: map[int]int{}, startx: startx}
	seen := map[int]bool{}
	for off, rev := startx, 0; ; rev++ {
		if rev == maxRevisions || seen[off] {
			return nil, fmt.Errorf("more than %d revisions, or a /Prev loop", maxRevisions)
		}
		seen[off] = true
		trailer, err := d.readXref(off)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			d.trailer = trailer
			size, ok := mustGet(trailer, "Size").int()
			if !ok || size <= 0 || size > 1<<22 {
				return nil, fmt.Errorf("the trailer's /Size is missing or out of range")
			}
			d.size = size
		}
		prev, ok := trailer.get("Prev")
		if !ok {
			return d, nil
		}
		if off, ok = prev.int(); !ok {
			return nil, fmt.Errorf("the trailer's /Prev is not a number")
		}
	}
}

func mustGet(v value, key string) value {
	x, _ := v.get(key)
	return x
}

// lastStartXref reads the offset after the last "startxref".
func lastStartXref(b []byte) (int, error) {
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("no startxref at the end of the file")
	}
	p := &parser{b: tail, pos: i + len("startxref")}
	n, err := strconv.Atoi(p.keyword())
	if err != nil || n < 0 || n >= len(b) {
		return 0, fmt.Errorf("startxref is not an offset in the file")
	}
	return n, nil
}

// readXref reads the section at off into d (entries already known from a
// newer revision win) and returns its trailer.
func (d *document) readXref(off int) (value, error) {
	if off < 0 || off >= len(d.b) {
		return value{}, fmt.Errorf("a cross-reference offset %d is outside the file", off)
	}
	p := &parser{b: d.b, pos: off}
	if kw := p.keyword(); kw != "xref" {
		return value{}, fmt.Errorf("no cross-reference table at byte %d (cross-reference streams are not supported)", off)
	}
	for {
		save := p.pos
		word := p.keyword()
		if word == "trailer" {
			break
		}
		first, err1 := strconv.Atoi(word)
		count, err2 := strconv.Atoi(p.keyword())
		if err1 != nil || err2 != nil || first < 0 || count < 0 || count > len(d.b)/18 {
			return value{}, fmt.Errorf("a bad cross-reference subsection at byte %d", save)
		}
		for i := range count {
			o, err1 := strconv.Atoi(p.keyword())
			g, err2 := strconv.Atoi(p.keyword())
			typ := p.keyword()
			if err1 != nil || err2 != nil || (typ != "n" && typ != "f") {
				return value{}, fmt.Errorf("a bad cross-reference entry after byte %d", save)
			}
			if _, known := d.offsets[first+i]; !known && typ == "n" {
				d.offsets[first+i], d.gens[first+i] = o, g
			}
		}
	}
	t, err := p.value()
	if err != nil {
		return value{}, fmt.Errorf("the trailer: %w", err)
	}
	if t.kind != kDict {
		return value{}, fmt.Errorf("the trailer is not a dictionary")
	}
	return t, nil
}

// object reads object num: its value (a dictionary, usually).
func (d *document) object(num int) (value, error) {
	off, ok := d.offsets[num]
	if !ok || off < 0 || off >= len(d.b) {
		return value{}, fmt.Errorf("object %d is not in the cross-reference table", num)
	}
	p := &parser{b: d.b, pos: off}
	n, err1 := strconv.Atoi(p.keyword())
	_, err2 := strconv.Atoi(p.keyword())
	if err1 != nil || err2 != nil || n != num || p.keyword() != "obj" {
		return value{}, fmt.Errorf("object %d is not at byte %d", num, off)
	}
	return p.value()
}

// resolve follows a reference (one level).
func (d *document) resolve(v value) (value, error) {
	if v.kind != kRef {
		return v, nil
	}
	return d.object(v.num)
}

// ref returns the reference stored under key in dict.
func ref(dict value, key string) (int, bool) {
	v, ok := dict.get(key)
	if !ok || v.kind != kRef {
		return 0, false
	}
	return v.num, true
}

// firstPage finds the first page's object number through the page tree.
func (d *document) firstPage(catalog value) (int, value, error) {
	num, ok := ref(catalog, "Pages")
	for depth := 0; ok && depth < maxDepth; depth++ {
		node, err := d.object(num)
		if err != nil {
			return 0, value{}, err
		}
		if t := mustGet(node, "Type"); t.text == "Page" {
			return num, node, nil
		}
		kids, err := d.resolve(mustGet(node, "Kids"))
		if err != nil || kids.kind != kArray || len(kids.items) == 0 || kids.items[0].kind != kRef {
			break
		}
		num = kids.items[0].num
	}
	return 0, value{}, fmt.Errorf("the document has no first page")
}
