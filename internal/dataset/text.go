package dataset

import (
	"sort"
	"strconv"
	"strings"
)

// NumberFromText reads a figure typed into a form's field: the space
// around it and a leading "+" are dropped, and what is left must be a
// finite JSON number, kept as written ("7.0" stays "7.0"). Empty text is no
// figure (nil, true). Anything else is not ok: ParseForm then refuses the
// text as Parse refuses text where a number belongs.
func NumberFromText(s string) (n *Number, ok bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	switch {
	case s == "":
		return nil, true
	case isJSONNumber(s) && finite(s):
		return &Number{lit: s}, true
	}
	return nil, false
}

// put sets path ("indicators[2].value") in tree to v, when the object the
// field belongs to is there. The key goes where a document with sorted keys
// has it (the form's documents are sorted), so it is read in that order.
func put(tree any, path string, v any) {
	segs := strings.Split(path, ".")
	cur := tree
	for i, seg := range segs {
		name, index := seg, -1
		if j := strings.IndexByte(seg, '['); j >= 0 && strings.HasSuffix(seg, "]") {
			n, err := strconv.Atoi(seg[j+1 : len(seg)-1])
			if err != nil {
				return
			}
			name, index = seg[:j], n
		}
		o, ok := cur.(*object)
		if !ok {
			return
		}
		if i == len(segs)-1 && index < 0 {
			o.set(name, v)
			return
		}
		cur = o.vals[name]
		if index >= 0 {
			list, ok := cur.([]any)
			if !ok || index >= len(list) {
				return
			}
			cur = list[index]
		}
	}
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		at := sort.SearchStrings(o.keys, k)
		o.keys = append(o.keys[:at], append([]string{k}, o.keys[at:]...)...)
	}
	o.vals[k] = v
}
