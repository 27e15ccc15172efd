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
		return nil, fmt.Errorf("%s（第 %d 行第 %d 列）/ %s at line %d, column %d", le.zh, line, col, le.en, line, col)
	}
	if err != nil {
		return nil, jsonErr(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("JSON 之后有多余内容 / unexpected data after the JSON value")
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
	return fmt.Errorf("JSON 语法错误（第 %d 行第 %d 列）/ invalid JSON at line %d, column %d: %v", line, col, line, col, err)
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
		return nil, &limitError{fmt.Sprintf("嵌套超过 %d 层", maxDepth), fmt.Sprintf("nesting deeper than %d", maxDepth)}
	}
	if j.count++; j.count > maxNodes {
		return nil, &limitError{fmt.Sprintf("值过多（上限 %d 个）", maxNodes), fmt.Sprintf("too many values (limit %d)", maxNodes)}
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
				if err := checkKey(k); err != nil {
					return nil, err
				}
				v, err := j.value(dec, depth+1, join(path, k))
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					return nil, fmt.Errorf("重复的键 %q / duplicate key %q", k, k)
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

func checkKey(k string) error {
	if len(k) > maxKeyBytes {
		return &limitError{fmt.Sprintf("键过长（%d 字节，上限 %d）", len(k), maxKeyBytes), fmt.Sprintf("key too long (%d bytes, limit %d)", len(k), maxKeyBytes)}
	}
	return nil
}

// limitError is a document past one of the limits: not a syntax error,
// and said with where it was found.
type limitError struct{ zh, en string }

func (e *limitError) Error() string { return e.zh + " / " + e.en }

func yamlTree(data []byte, at map[string]pos) (any, error) {
	// yaml.v3 builds the whole node tree before it can be counted: bound
	// it from the text first.
	if n := limits.EstimateYAMLNodes(data); n > maxNodes {
		return nil, fmt.Errorf("YAML 过于复杂（约 %d 个值，上限 %d）/ YAML too complex (about %d values, limit %d)", n, maxNodes, n, maxNodes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErr(data, err)
	}
	if doc.Kind == 0 {
		return nil, fmt.Errorf("文件为空 / empty document")
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
	return fmt.Errorf("YAML 语法错误（第 %d 行第 %d 列）/ invalid YAML at line %d, column %d: %s", line, col, line, col, msg)
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
		return nil, fmt.Errorf("YAML 过于复杂（别名或嵌套过多）/ YAML too complex (too many nodes, aliases or nesting)")
	}
	switch nd.Kind {
	case yaml.DocumentNode:
		if len(nd.Content) == 0 {
			return nil, fmt.Errorf("文件为空 / empty document")
		}
		return y.value(nd.Content[0], depth+1, path)
	case yaml.AliasNode:
		return y.value(nd.Alias, depth+1, path)
	case yaml.MappingNode:
		o := &object{vals: map[string]any{}}
		for i := 0; i+1 < len(nd.Content); i += 2 {
			kn := nd.Content[i]
			if kn.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("第 %d 行：键必须是字符串 / line %d: keys must be strings", kn.Line, kn.Line)
			}
			k := kn.Value
			if err := checkKey(k); err != nil {
				return nil, fmt.Errorf("第 %d 行：%w", kn.Line, err)
			}
			if k == "<<" {
				return nil, fmt.Errorf("第 %d 行：不支持合并键 / line %d: merge keys are not supported", kn.Line, kn.Line)
			}
			v, err := y.value(nd.Content[i+1], depth+1, join(path, k))
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; dup {
				return nil, fmt.Errorf("第 %d 行：重复的键 %q / line %d: duplicate key %q", kn.Line, k, kn.Line, k)
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
	return nil, fmt.Errorf("第 %d 行：不支持的 YAML 结构 / line %d: unsupported YAML node", nd.Line, nd.Line)
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
			d.mismatch(path, v, "对象", "an object")
			return
		}
		fields := map[string]int{}
		for i := 0; i < dst.NumField(); i++ {
			fields[jsonName(dst.Type().Field(i))] = i
		}
		for _, k := range o.keys {
			i, ok := fields[k]
			if !ok {
				d.errs.add(join(path, k), "未知字段 / unknown field")
				continue
			}
			d.value(join(path, k), o.vals[k], dst.Field(i))
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			d.mismatch(path, v, "列表", "a list")
			return
		}
		if len(list) > MaxListItems {
			d.errs.add(path, "条目过多（%d，上限 %d）/ too many items (%d, limit %d)", len(list), MaxListItems, len(list), MaxListItems)
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			if item == nil {
				d.errs.add(p, "不能为空值 / must not be null")
				continue
			}
			d.value(p, item, s.Index(i))
		}
		dst.Set(s)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.mismatch(path, v, "字符串", "a string")
			return
		}
		if n := utf8.RuneCountInString(s); n > MaxStringRunes {
			d.errs.add(path, "文字过长（%d 字，上限 %d）/ too long (%d characters, limit %d)", n, MaxStringRunes, n, MaxStringRunes)
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.mismatch(path, v, " true 或 false", "true or false")
			return
		}
		dst.SetBool(b)
	default:
		panic("dataset: unsupported field kind " + dst.Kind().String())
	}
}
