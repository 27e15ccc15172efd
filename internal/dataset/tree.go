package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
)

// The generic tree both formats are read into: *object, []any, string,
// json.Number, nonFinite, bool, nil.
type object struct {
	keys []string
	vals map[string]any
}

type nonFinite string

func jsonTree(data []byte, at map[string]pos) (any, error) {
	body := bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	j := &jsonPos{data: body, at: at, lines: newLines(body)}
	v, err := j.value(dec, 0, "")
	var le *limitError
	if errors.As(err, &le) {
		line, col := newLines(body).position(int(dec.InputOffset()))
		return nil, messages.Errorf("dataset.limitAt", le.msg, line, col)
	}
	if err != nil {
		return nil, jsonErr(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, messages.Errorf("dataset.json.trailing")
	}
	return v, nil
}

func jsonErr(data []byte, dec *json.Decoder, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if off > len(data) {
		off = len(data)
	}
	line, col := newLines(data).position(off)
	var said *messages.Error // ours (a duplicate key): said in each language
	if errors.As(err, &said) {
		return messages.Errorf("dataset.json.syntaxIn", line, col, said.Message)
	}
	m := messages.New("dataset.json.syntax", line, col)
	m.Detail = err.Error() // the JSON decoder's, in English
	return &messages.Error{Message: m}
}

// jsonPos records where each value of a JSON document starts.
type jsonPos struct {
	data  []byte
	at    map[string]pos
	lines *lines
	count int // values read so far
}

// mark records that the value at path starts at the decoder's offset
// (past the separators before it).
func (j *jsonPos) mark(dec *json.Decoder, path string) {
	off := int(dec.InputOffset())
	for off < len(j.data) && strings.IndexByte(" \t\r\n,:", j.data[off]) >= 0 {
		off++
	}
	l, c := j.lines.position(off)
	j.at[path] = pos{l, c}
}

func (j *jsonPos) value(dec *json.Decoder, depth int, path string) (any, error) {
	if depth > maxDepth {
		return nil, &limitError{messages.New("dataset.limit.depth", maxDepth)}
	}
	if j.count++; j.count > maxNodes {
		return nil, &limitError{messages.New("dataset.limit.values", maxNodes)}
	}
	j.mark(dec, path)
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if le := checkKey(k); le != nil {
					return nil, le
				}
				v, err := j.value(dec, depth+1, join(path, k))
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					return nil, messages.Errorf("dataset.json.duplicateKey", k)
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			_, err := dec.Token()
			return o, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := j.value(dec, depth+1, fmt.Sprintf("%s[%d]", path, len(list)))
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// maxKeyBytes bounds a key: every value under it carries its path, so a
// long key under many values would cost their product. The dataset's keys
// are its field names, none longer than 32.
const maxKeyBytes = 128

func checkKey(k string) *limitError {
	if len(k) > maxKeyBytes {
		return &limitError{messages.New("dataset.limit.key", len(k), maxKeyBytes)}
	}
	return nil
}

// limitError is a document past one of the limits: not a syntax error,
// and said with where it was found.
type limitError struct{ msg messages.Message }

func (e *limitError) Error() string { return e.msg.Both() }

func yamlTree(data []byte, at map[string]pos) (any, error) {
	// yaml.v3 builds the whole node tree before it can be counted: bound
	// it from the text first.
	if n := limits.EstimateYAMLNodes(data); n > maxNodes {
		return nil, messages.Errorf("dataset.yaml.tooComplex", n, maxNodes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErr(data, err)
	}
	if doc.Kind == 0 {
		return nil, messages.Errorf("dataset.yaml.empty")
	}
	y := &yamlPos{at: at}
	return y.value(&doc, 0, "")
}

var yamlLineRE = regexp.MustCompile(`^yaml: line [0-9]+: `)

// yamlErr says where a YAML syntax error is. yaml.v3 reports the line where
// the enclosing block began ("line 1: did not find expected key" for a
// mistake on line 5), so the line is found again: the first line whose
// prefix of the document no longer parses (a binary search, as a prefix
// that fails keeps failing when lines are added), and the column of its
// first character.
func yamlErr(data []byte, err error) error {
	msg := yamlLineRE.ReplaceAllString(err.Error(), "")
	msg = strings.TrimPrefix(msg, "yaml: ")
	starts := []int{0}
	for i, b := range data {
		if b == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	fails := func(k int) bool { // the first k lines
		end := len(data)
		if k < len(starts) {
			end = starts[k]
		}
		var n yaml.Node
		return yaml.Unmarshal(data[:end], &n) != nil
	}
	k := sort.Search(len(starts), func(k int) bool { return fails(k + 1) }) // 0-based line
	if k >= len(starts) {
		k = len(starts) - 1
	}
	line, col := k+1, 1
	for _, r := range string(data[starts[k]:]) {
		if r != ' ' {
			break
		}
		col++
	}
	m := messages.New("dataset.yaml.syntax", line, col)
	m.Detail = msg // yaml.v3's, in English
	return &messages.Error{Message: m}
}

// yamlPos counts the nodes visited (aliases included) and records where
// each value is.
type yamlPos struct {
	count int
	at    map[string]pos
}

func (y *yamlPos) value(nd *yaml.Node, depth int, path string) (any, error) {
	y.count++
	if _, seen := y.at[path]; !seen && nd.Line > 0 {
		y.at[path] = pos{nd.Line, nd.Column}
	}
	if y.count > maxNodes || depth > maxDepth {
		return nil, messages.Errorf("dataset.yaml.nodes")
	}
	switch nd.Kind {
	case yaml.DocumentNode:
		if len(nd.Content) == 0 {
			return nil, messages.Errorf("dataset.yaml.empty")
		}
		return y.value(nd.Content[0], depth+1, path)
	case yaml.AliasNode:
		return y.value(nd.Alias, depth+1, path)
	case yaml.MappingNode:
		o := &object{vals: map[string]any{}}
		for i := 0; i+1 < len(nd.Content); i += 2 {
			kn := nd.Content[i]
			if kn.Kind != yaml.ScalarNode {
				return nil, messages.Errorf("dataset.yaml.keyNotString", kn.Line)
			}
			k := kn.Value
			if le := checkKey(k); le != nil {
				return nil, messages.Errorf("dataset.yaml.atLine", kn.Line, le.msg)
			}
			if k == "<<" {
				return nil, messages.Errorf("dataset.yaml.merge", kn.Line)
			}
			v, err := y.value(nd.Content[i+1], depth+1, join(path, k))
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; dup {
				return nil, messages.Errorf("dataset.yaml.duplicateKey", kn.Line, k)
			}
			o.keys = append(o.keys, k)
			o.vals[k] = v
		}
		return o, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(nd.Content))
		for i, c := range nd.Content {
			v, err := y.value(c, depth+1, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return yamlScalar(nd), nil
	}
	return nil, messages.Errorf("dataset.yaml.unsupported", nd.Line)
}

func yamlScalar(nd *yaml.Node) any {
	v := nd.Value
	switch nd.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return v
		}
		return b
	case "!!int":
		if isJSONNumber(v) {
			return json.Number(v)
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		return nonFinite(v)
	case "!!float":
		lv := strings.ToLower(strings.TrimLeft(v, "+-"))
		if lv == ".nan" || lv == ".inf" {
			return nonFinite(v)
		}
		s := strings.TrimPrefix(strings.ReplaceAll(v, "_", ""), "+")
		if isJSONNumber(s) {
			return json.Number(s)
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
		}
		return nonFinite(v)
	}
	return v // !!str, !!timestamp, !!binary and custom tags: the text as written
}

func (d *decoder) value(path string, v any, dst reflect.Value) {
	if v == nil {
		return // null is the same as absent
	}
	switch dst.Kind() {
	case reflect.Pointer:
		elem := reflect.New(dst.Type().Elem())
		d.value(path, v, elem.Elem())
		dst.Set(elem)
	case reflect.Struct:
		if dst.Type() == numberType {
			d.number(path, v, dst)
			return
		}
		o, ok := v.(*object)
		if !ok {
			d.mismatch(path, v, "dataset.kind.object")
			return
		}
		fields := map[string]int{}
		for i := 0; i < dst.NumField(); i++ {
			fields[jsonName(dst.Type().Field(i))] = i
		}
		for _, k := range o.keys {
			i, ok := fields[k]
			if !ok {
				d.errs.add(join(path, k), "dataset.unknownField")
				continue
			}
			d.value(join(path, k), o.vals[k], dst.Field(i))
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			d.mismatch(path, v, "dataset.kind.list")
			return
		}
		if len(list) > MaxListItems {
			d.errs.add(path, "dataset.tooManyItems", len(list), MaxListItems)
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			if item == nil {
				d.errs.add(p, "dataset.nullItem")
				continue
			}
			d.value(p, item, s.Index(i))
		}
		dst.Set(s)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.mismatch(path, v, "dataset.kind.string")
			return
		}
		if n := utf8.RuneCountInString(s); n > MaxStringRunes {
			d.errs.add(path, "dataset.textTooLong", n, MaxStringRunes)
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.mismatch(path, v, "dataset.kind.trueFalse")
			return
		}
		dst.SetBool(b)
	default:
		panic("dataset: unsupported field kind " + dst.Kind().String())
	}
}
