package layout

import (
	"fmt"
	"strconv"
)

// structParent gives link annotation obj, part of element e, its key in
// the parent tree (after the pages'): " /StructParent k", or "" untagged.
func (d *pdfDoc) structParent(e *Elem, obj int) string {
	if e == nil {
		return ""
	}
	e.annot = obj
	k := len(d.pages) + len(d.links)
	d.links = append(d.links, e)
	return " /StructParent " + strconv.Itoa(k)
}

// writeStruct writes the structure tree (ISO 32000-1, 14.7): an object per
// element in reading order, each listing its children and its marked
// content, and the parent tree that maps each page's MCIDs (and each link
// annotation) back to its element. It returns the StructTreeRoot.
func (d *pdfDoc) writeStruct(pageObj []int, alloc func() int, raw func(n int, b []byte)) int {
	root, parents := alloc(), alloc()
	prune(d.root)
	var number func(e *Elem)
	number = func(e *Elem) {
		e.obj = alloc()
		for _, k := range e.kids {
			number(k)
		}
	}
	number(d.root)
	ref := func(b []byte, n int) []byte {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n), 10)
		return append(b, " 0 R"...)
	}
	var write func(e *Elem, parent int)
	write = func(e *Elem, parent int) {
		b := make([]byte, 0, 96+8*len(e.mcrs)+12*len(e.kids)+2*len(e.Alt))
		b = append(b, "<< /Type /StructElem /S /"...)
		b = append(b, e.Role...)
		b = ref(append(b, " /P"...), parent)
		pg := -1
		if len(e.mcrs) > 0 {
			pg = e.mcrs[0].page
			b = ref(append(b, " /Pg"...), pageObj[pg])
		}
		if e.Lang != "" {
			b = append(b, " /Lang "...)
			b = append(b, pdfString(e.Lang)...)
		}
		if e.Alt != "" {
			b = append(b, " /Alt "...)
			b = append(b, pdfString(e.Alt)...)
		}
		if e.Scope != "" {
			b = append(b, " /A << /O /Table /Scope /"...)
			b = append(b, e.Scope...)
			b = append(b, " >>"...)
		}
		b = append(b, " /K ["...)
		for _, m := range e.mcrs {
			if m.page == pg {
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(m.mcid), 10)
			} else {
				b = ref(append(b, " << /Type /MCR /Pg"...), pageObj[m.page])
				b = append(b, " /MCID "...)
				b = strconv.AppendInt(b, int64(m.mcid), 10)
				b = append(b, " >>"...)
			}
		}
		for _, k := range e.kids {
			b = ref(b, k.obj)
		}
		if e.annot != 0 {
			b = ref(append(b, " << /Type /OBJR /Obj"...), e.annot)
			b = append(b, " >>"...)
		}
		raw(e.obj, append(b, " ] >>"...))
		for _, k := range e.kids {
			write(k, e.obj)
		}
	}
	write(d.root, root)

	// the parent tree: a number tree of one flat /Nums array, keys in order
	var b []byte
	b = append(b, "<< /Nums ["...)
	for i, p := range d.pages {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, " ["...)
		for _, e := range p.mcids {
			b = ref(b, e.obj)
		}
		b = append(b, " ]"...)
	}
	for i, e := range d.links {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(len(d.pages)+i), 10)
		b = ref(b, e.obj)
	}
	raw(parents, append(b, " ] >>"...))
	raw(root, fmt.Appendf(nil, "<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>", d.root.obj, parents, len(d.pages)+len(d.links)))
	return root
}

// prune drops the elements under e that hold nothing (an empty paragraph,
// a list without items); a table keeps its empty cells, which keep its
// columns. It reports whether e itself holds nothing.
func prune(e *Elem) bool {
	kids := e.kids[:0]
	for _, k := range e.kids {
		if !prune(k) {
			kids = append(kids, k)
		}
	}
	e.kids = kids
	switch e.Role {
	case "TD", "TH", "TR", "Document":
		return false
	}
	return len(e.kids) == 0 && len(e.mcrs) == 0 && e.annot == 0
}
