package layout

import (
	"bytes"
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
func (d *pdfDoc) writeStruct(pageObj []int, alloc func() int, set func(int, string, ...any)) int {
	root, parents := alloc(), alloc()
	var number func(e *Elem)
	number = func(e *Elem) {
		e.obj = alloc()
		for _, k := range e.kids {
			number(k)
		}
	}
	number(d.root)
	var write func(e *Elem, parent int)
	var b bytes.Buffer
	write = func(e *Elem, parent int) {
		b.Reset()
		fmt.Fprintf(&b, "<< /Type /StructElem /S /%s /P %d 0 R", e.Role, parent)
		pg := -1
		if len(e.mcrs) > 0 {
			pg = e.mcrs[0].page
			fmt.Fprintf(&b, " /Pg %d 0 R", pageObj[pg])
		}
		if e.Lang != "" {
			b.WriteString(" /Lang " + pdfString(e.Lang))
		}
		if e.Alt != "" {
			b.WriteString(" /Alt " + pdfString(e.Alt))
		}
		if e.Scope != "" {
			b.WriteString(" /A << /O /Table /Scope /" + e.Scope + " >>")
		}
		b.WriteString(" /K [")
		for _, m := range e.mcrs {
			if m.page == pg {
				fmt.Fprintf(&b, " %d", m.mcid)
			} else {
				fmt.Fprintf(&b, " << /Type /MCR /Pg %d 0 R /MCID %d >>", pageObj[m.page], m.mcid)
			}
		}
		for _, k := range e.kids {
			fmt.Fprintf(&b, " %d 0 R", k.obj)
		}
		if e.annot != 0 {
			fmt.Fprintf(&b, " << /Type /OBJR /Obj %d 0 R >>", e.annot)
		}
		b.WriteString(" ] >>")
		set(e.obj, "%s", b.String())
		for _, k := range e.kids {
			write(k, e.obj)
		}
	}
	write(d.root, root)

	// the parent tree: a number tree of one flat /Nums array, keys in order
	b.Reset()
	b.WriteString("<< /Nums [")
	for i, p := range d.pages {
		fmt.Fprintf(&b, " %d [", i)
		for _, e := range p.mcids {
			fmt.Fprintf(&b, " %d 0 R", e.obj)
		}
		b.WriteString(" ]")
	}
	for i, e := range d.links {
		fmt.Fprintf(&b, " %d %d 0 R", len(d.pages)+i, e.obj)
	}
	b.WriteString(" ] >>")
	set(parents, "%s", b.String())
	set(root, "<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>", d.root.obj, parents, len(d.pages)+len(d.links))
	return root
}
