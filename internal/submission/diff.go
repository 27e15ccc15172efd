package submission

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
)

// Diff is what a submission changes against the stored dataset of its
// period (against nothing when none is stored: everything is added).
type Diff struct {
	Changed  []FieldChange   `json:"changed,omitempty"`  // indicator fields with another value
	Added    []IndicatorRef  `json:"added,omitempty"`    // indicators not stored before
	Removed  []IndicatorRef  `json:"removed,omitempty"`  // stored indicators the upload leaves out
	Sections []SectionChange `json:"sections,omitempty"` // narrative sections added, removed or changed
	Meta     []FieldChange   `json:"meta,omitempty"`     // basic information changed
	Projects int             `json:"projects,omitempty"` // projects added, removed or changed
	Photos   int             `json:"photos,omitempty"`   // photos added, removed or changed
}

// Empty reports whether nothing changes.
func (d Diff) Empty() bool {
	return len(d.Changed)+len(d.Added)+len(d.Removed)+len(d.Sections)+len(d.Meta)+d.Projects+d.Photos == 0
}

// FieldChange is one field whose value changes. Old or New is "" when the
// field is absent on that side.
type FieldChange struct {
	ID    string `json:"id,omitempty"`   // the indicator's id (indicator changes)
	Name  string `json:"name,omitempty"` // the indicator's name, as uploaded
	Field string `json:"field"`          // "value", "change", "unit", …; "title", "source.date" for meta
	Path  string `json:"path"`           // in the upload: "indicators[3].value"
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// IndicatorRef names an indicator.
type IndicatorRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Path string `json:"path,omitempty"` // in the dataset it is in
}

// Section change kinds.
const (
	SectionAdded   = "added"
	SectionRemoved = "removed"
	SectionChanged = "changed"
)

// SectionChange is one narrative section, compared by position.
type SectionChange struct {
	Index  int    `json:"index"`
	Change string `json:"change"` // SectionAdded, SectionRemoved, SectionChanged
	Kind   string `json:"kind"`
	Title  string `json:"title"` // the label and title, as in the new (or, when removed, old) dataset
	Path   string `json:"path"`
}

// Compare works out what next changes against old (nil: nothing stored).
func Compare(old, next *dataset.Dataset) Diff {
	var d Diff
	if old == nil {
		old = &dataset.Dataset{}
	}
	oldByID := map[string]int{}
	for i, in := range old.Indicators {
		oldByID[in.ID] = i
	}
	seen := map[string]bool{}
	for i, in := range next.Indicators {
		path := fmt.Sprintf("indicators[%d]", i)
		seen[in.ID] = true
		j, ok := oldByID[in.ID]
		if !ok {
			d.Added = append(d.Added, IndicatorRef{ID: in.ID, Name: in.Name, Path: path})
			continue
		}
		for _, c := range fieldChanges(old.Indicators[j], in, "history") {
			c.ID, c.Name, c.Path = in.ID, in.Name, path+"."+c.Field
			d.Changed = append(d.Changed, c)
		}
	}
	for i, in := range old.Indicators {
		if !seen[in.ID] {
			d.Removed = append(d.Removed, IndicatorRef{ID: in.ID, Name: in.Name, Path: fmt.Sprintf("indicators[%d]", i)})
		}
	}
	for _, c := range fieldChanges(old.Meta, next.Meta) {
		c.Path = "meta." + c.Field
		d.Meta = append(d.Meta, c)
	}
	d.Sections = compareSections(old.Sections, next.Sections)
	d.Projects = countChanged(old.Projects, next.Projects)
	d.Photos = countChanged(old.Photos, next.Photos)
	return d
}

func compareSections(old, next []dataset.Section) []SectionChange {
	var out []SectionChange
	for i := 0; i < max(len(old), len(next)); i++ {
		c := SectionChange{Index: i, Path: fmt.Sprintf("sections[%d]", i)}
		switch {
		case i >= len(old):
			c.Change, c.Kind, c.Title = SectionAdded, next[i].Kind, sectionTitle(next[i])
		case i >= len(next):
			c.Change, c.Kind, c.Title = SectionRemoved, old[i].Kind, sectionTitle(old[i])
		case !reflect.DeepEqual(old[i], next[i]):
			c.Change, c.Kind, c.Title = SectionChanged, next[i].Kind, sectionTitle(next[i])
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

func sectionTitle(s dataset.Section) string {
	return strings.TrimSpace(s.Label + " " + s.Title)
}

func countChanged[T any](old, next []T) int {
	n := 0
	for i := 0; i < max(len(old), len(next)); i++ {
		if i >= len(old) || i >= len(next) || !reflect.DeepEqual(old[i], next[i]) {
			n++
		}
	}
	return n
}

// fieldChanges compares two values of one struct type field by field (by
// their JSON forms, so numbers compare as written: 7.0 is not 7), nested
// objects flattened ("source.date"), skipping the named fields.
func fieldChanges(old, next any, skip ...string) []FieldChange {
	a, b := flat(old), flat(next)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y string) int { return fieldOrder(old, x) - fieldOrder(old, y) })
	var out []FieldChange
	for _, k := range keys {
		top, _, _ := strings.Cut(k, ".")
		if slices.Contains(skip, top) || a[k] == b[k] {
			continue
		}
		out = append(out, FieldChange{Field: k, Old: a[k], New: b[k]})
	}
	return out
}

// fieldOrder ranks a flattened key by its top field's place in the struct.
func fieldOrder(v any, key string) int {
	top, _, _ := strings.Cut(key, ".")
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if jsonKey(t.Field(i)) == top {
			return i*1000 + len(key)
		}
	}
	return 1 << 20
}

// flat is v's JSON as key → text: scalars as written, lists as their JSON.
func flat(v any) map[string]string {
	raw, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	_ = dec.Decode(&m)
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case map[string]any:
				walk(prefix+k+".", x)
			case string:
				out[prefix+k] = x
			case json.Number:
				out[prefix+k] = x.String()
			case bool:
				if x {
					out[prefix+k] = "true"
				}
			default:
				j, _ := json.Marshal(x)
				out[prefix+k] = string(j)
			}
		}
	}
	walk("", m)
	return out
}
