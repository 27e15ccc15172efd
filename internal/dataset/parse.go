package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/messages"
)

// Limits on what Parse accepts (internal/limits states them all).
const (
	MaxBytes       = limits.DatasetBytes       // whole document
	MaxStringRunes = limits.DatasetStringRunes // any one string
	MaxListItems   = limits.DatasetListItems   // any one list
	maxNodes       = limits.DatasetNodes       // values read, YAML aliases included
	maxDepth       = limits.DatasetDepth
	maxErrors      = limits.DatasetProblems // problems listed; the rest are counted
)

// Error is one problem with a dataset, at Path ("indicators[3].unit"; "" is
// the whole document). Line and Col (1-based; 0 when unknown) say where in
// the file: the field's value, or the nearest enclosing one that is there
// (a missing field is reported where its object begins).
//
// Text is the message, for a reader in one language (Text.In); Msg is
// Text in both, Chinese first.
type Error struct {
	Path      string
	Msg       string
	Text      messages.Message
	Line, Col int
}

// Where is the error's place in the file, in Chinese and English ("" when unknown).
func (e Error) Where() string {
	if e.Line == 0 {
		return ""
	}
	return messages.Both("dataset.where", e.Line, e.Col)
}

func (e Error) Error() string {
	if e.Path == "" {
		return messages.Both("dataset.document") + ": " + e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Errors lists every problem found; Parse returns it (as error) when the dataset is refused.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// AsErrors returns the list inside err, if err is (or wraps) Errors.
func AsErrors(err error) (Errors, bool) {
	var es Errors
	ok := errors.As(err, &es)
	return es, ok
}

// add records the message key with args (internal/messages) at path.
func (es *Errors) add(path, key string, args ...any) {
	es.addMsg(path, messages.New(key, args...))
}

func (es *Errors) addMsg(path string, m messages.Message) {
	*es = append(*es, Error{Path: path, Msg: m.Both(), Text: m})
}

// Parse reads a dataset in JSON or YAML (from name's extension, else from the
// content) and validates it. On any problem it returns Errors listing them all.
func Parse(data []byte, name string) (*Dataset, error) {
	return parse(data, name, nil)
}

// ParseForm is Parse for a document built from a form's fields in the
// model's types. typed holds, by path ("indicators[2].value"), the text of
// the fields the model's types cannot hold (a figure that is not a number:
// NumberFromText). Each is read where the document has it, as a file
// holding that text there is read, so the form is refused exactly as a JSON
// or YAML file with the same text is: the same problem at the same path,
// and the field counted as given by the validation that follows.
func ParseForm(data []byte, name string, typed map[string]string) (*Dataset, error) {
	return parse(data, name, typed)
}

func parse(data []byte, name string, typed map[string]string) (*Dataset, error) {
	var errs Errors
	if len(data) > MaxBytes {
		errs.add("", "dataset.tooLarge", len(data), MaxBytes)
		return nil, errs
	}
	if !utf8.Valid(data) {
		ln, col := newLines(data).position(invalidUTF8Offset(data))
		errs.add("", "dataset.notUTF8", ln, col)
		return nil, errs
	}
	var tree any
	var err error
	at := map[string]pos{}
	if isJSON(data, name) {
		tree, err = jsonTree(data, at)
	} else {
		tree, err = yamlTree(data, at)
	}
	if err != nil {
		errs.addMsg("", treeMessage(err))
		return nil, errs
	}
	if _, ok := tree.(*object); !ok {
		errs.add("", "dataset.notObject")
		return nil, errs
	}
	var ds Dataset
	d := decoder{errs: &errs}
	for path, text := range typed {
		put(tree, path, text)
	}
	d.value("", tree, reflect.ValueOf(&ds).Elem())
	// A field the decoder refused (too long, the wrong type) is one
	// problem: the validation that follows sees it empty and would report it
	// again as missing.
	decoded := map[string]bool{}
	for _, e := range errs {
		decoded[e.Path] = true
	}
	var checks Errors
	ds.validate(&checks)
	for _, e := range checks {
		if !decoded[e.Path] {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		if len(errs) > maxErrors { // a page or a status that lists them stays small
			n := len(errs) - maxErrors
			errs = errs[:maxErrors:maxErrors]
			errs.add("", "dataset.moreProblems", n)
		}
		locate(errs, at)
		return nil, errs
	}
	return &ds, nil
}

// treeMessage is what reading the document into a tree refused: its
// message, or (not one of ours) the error's text after "unreadable".
func treeMessage(err error) messages.Message {
	var said *messages.Error
	if errors.As(err, &said) {
		return said.Message
	}
	m := messages.New("dataset.unreadable")
	m.Detail = err.Error()
	return m
}

// pos is a place in the file, 1-based.
type pos struct{ line, col int }

// locate gives each error the place of its path's value, or of the nearest
// enclosing value found ("indicators[3].unit" missing: where indicators[3] is).
func locate(errs Errors, at map[string]pos) {
	for i := range errs {
		for p := errs[i].Path; p != ""; p = parent(p) {
			if q, ok := at[p]; ok {
				errs[i].Line, errs[i].Col = q.line, q.col
				break
			}
		}
	}
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// lines finds the 1-based line and column (in characters) of byte offsets.
// Offsets asked in increasing order cost, all together, one pass over the
// document: it resumes from the last offset found (a value's place is asked
// for every value, so a rescan from the start each time is quadratic).
type lines struct {
	data      []byte
	off       int // the last offset found …
	line, col int // … and its place
	scanned   int // bytes looked at, for the test that proves the pass linear
}

func newLines(data []byte) *lines { return &lines{data: data, line: 1, col: 1} }

func (l *lines) position(off int) (line, col int) {
	off = max(0, min(off, len(l.data)))
	if off < l.off { // backwards (an error's offset): start again
		l.off, l.line, l.col = 0, 1, 1
	}
	for l.off < off {
		r, n := utf8.DecodeRune(l.data[l.off:])
		l.off += n
		l.scanned += n
		if r == '\n' {
			l.line, l.col = l.line+1, 1
		} else {
			l.col++
		}
	}
	return l.line, l.col
}

// Normalized is the canonical JSON form: fixed field order, two-space indent,
// no HTML escaping, numbers as written, final newline.
func (d *Dataset) Normalized() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func isJSON(data []byte, name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// decoder turns the tree into the structs, recording every type mismatch and unknown field.
type decoder struct{ errs *Errors }

var numberType = reflect.TypeOf(Number{})

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if i := strings.IndexByte(tag, ','); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// kindName is the message key naming v's kind.
func kindName(v any) string {
	switch v.(type) {
	case *object:
		return "dataset.kind.object"
	case []any:
		return "dataset.kind.list"
	case string:
		return "dataset.kind.string"
	case json.Number, nonFinite:
		return "dataset.kind.number"
	case bool:
		return "dataset.kind.boolean"
	}
	return "dataset.kind.null"
}

// mismatch records that v is not of the kind wanted (the key naming it:
// "dataset.kind.number").
func (d *decoder) mismatch(path string, v any, want string) {
	d.errs.add(path, "dataset.mismatch", messages.New(want), messages.New(kindName(v)))
}

func (d *decoder) number(path string, v any, dst reflect.Value) {
	switch n := v.(type) {
	case json.Number:
		if !finite(string(n)) {
			d.errs.add(path, "dataset.numberRange")
			return
		}
		dst.Set(reflect.ValueOf(Number{lit: string(n)}))
	case nonFinite:
		d.errs.add(path, "dataset.notFinite", string(n))
	default:
		d.mismatch(path, v, "dataset.kind.number")
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
