// Package ownedfields tells what a server-side-apply field manager owns in an
// object, and whether that is exactly what it means to apply. The operator
// applies every object it makes with one field manager; a reconcile compares
// the object it would apply with the fields the API server records as that
// manager's (metadata.managedFields) and sends nothing when they agree. A
// field the manager applied and someone else changed or removed is no longer
// the manager's, so it shows up as a difference and the next apply restores
// it; a field the manager stops applying is removed by that apply.
//
// The comparison needs no schema: managedFields name list items by their key
// fields (k:{"name":"portal"}), values (v:"x") or index (i:0), and those are
// matched against the object itself.
package ownedfields

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// Intent is the object as it is applied: obj's JSON with its apiVersion and
// kind set to gvk, without status (the API server ignores it in an apply to
// the main resource), nulls, and empty maps and lists. A typed object spells
// out every struct it embeds (a Deployment's `strategy: {}`); applying one
// would claim the whole value the server defaults into it, so that a
// default would look like a difference. A builder therefore cannot ask for
// an empty value (`emptyDir: {}`): it sets a field inside (sizeLimit).
func Intent(obj runtime.Object, gvk schema.GroupVersionKind) (map[string]any, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	m, _ = prune(m).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m["apiVersion"], m["kind"] = gvk.GroupVersion().String(), gvk.Kind
	return m, nil
}

// Owned is the part of obj whose fields manager owns through apply (its
// managedFields entry with operation Apply on the main resource); nil when
// the manager has applied nothing to it.
func Owned(obj runtime.Object, managed []metav1.ManagedFieldsEntry, manager string) (map[string]any, error) {
	set, err := appliedBy(managed, manager)
	if err != nil || set == nil {
		return nil, err
	}
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	out, _ := filter(m, set).(map[string]any)
	return out, nil
}

// Same reports whether what manager owns of an object (Owned) is what it
// would apply (Intent). Identity (apiVersion, kind, name, namespace) is not
// recorded in managedFields and is not compared; empty maps and lists carry
// nothing and count as absent on both sides.
func Same(intent, owned map[string]any) bool {
	if owned == nil {
		return false
	}
	return reflect.DeepEqual(comparable(intent), comparable(owned))
}

func comparable(m map[string]any) any {
	c := copyMap(m)
	delete(c, "apiVersion")
	delete(c, "kind")
	if md, ok := c["metadata"].(map[string]any); ok {
		md = copyMap(md)
		delete(md, "name")
		delete(md, "namespace")
		c["metadata"] = md
	}
	return prune(c)
}

// appliedBy parses the field set of manager's Apply entry.
func appliedBy(managed []metav1.ManagedFieldsEntry, manager string) (*fieldpath.Set, error) {
	for _, e := range managed {
		if e.Manager != manager || e.Operation != metav1.ManagedFieldsOperationApply || e.Subresource != "" {
			continue
		}
		set := &fieldpath.Set{}
		if e.FieldsV1 == nil {
			return set, nil
		}
		if err := set.FromJSON(bytes.NewReader(e.FieldsV1.GetRawBytes())); err != nil {
			return nil, fmt.Errorf("managedFields of %s: %w", manager, err)
		}
		return set, nil
	}
	return nil, nil
}

// filter keeps of v what set names: a member is kept whole, a child is
// filtered further. Lists keep their order.
func filter(v any, set *fieldpath.Set) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range v {
			pe := fieldpath.FieldNameElement(k)
			if child, ok := set.Children.Get(pe); ok {
				out[k] = filter(val, child)
			} else if set.Members.Has(pe) {
				out[k] = val
			}
		}
		return out
	case []any:
		out := []any{}
		for i, item := range v {
			child, member := itemIn(set, item, i)
			switch {
			case child != nil:
				out = append(out, filter(item, child))
			case member:
				out = append(out, item)
			}
		}
		return out
	default:
		return v
	}
}

// itemIn finds list item i in set: the child set that names it, or whether
// it is a member (owned whole).
func itemIn(set *fieldpath.Set, item any, i int) (child *fieldpath.Set, member bool) {
	// SetNodeMap.All does not stop when asked to; Iterate is walked whole.
	set.Children.Iterate(func(pe fieldpath.PathElement) {
		if child == nil && names(pe, item, i) {
			child, _ = set.Children.Get(pe)
		}
	})
	if child != nil {
		return child, false
	}
	set.Members.Iterate(func(pe fieldpath.PathElement) {
		member = member || names(pe, item, i)
	})
	return nil, member
}

// names reports whether path element pe selects list item i.
func names(pe fieldpath.PathElement, item any, i int) bool {
	switch {
	case pe.Key != nil:
		m, ok := item.(map[string]any)
		if !ok {
			return false
		}
		for _, f := range *pe.Key {
			got, ok := m[f.Name]
			if !ok || !value.Equals(value.NewValueInterface(got), f.Value) {
				return false
			}
		}
		return true
	case pe.Value != nil:
		return value.Equals(value.NewValueInterface(item), *pe.Value)
	case pe.Index != nil:
		return *pe.Index == i
	}
	return false
}

// toMap is obj's JSON form as maps, lists and scalars (numbers as float64).
func toMap(obj runtime.Object) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// prune removes nulls and fields whose value is an empty map or list,
// recursively; it returns nil for a value that is empty after pruning.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range v {
			if p := prune(val); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		// An item is kept even when empty: a NetworkPolicy's `ingress: [{}]`
		// (from anywhere) is not `ingress: []` (from nowhere).
		out := make([]any, 0, len(v))
		for _, item := range v {
			p := prune(item)
			if _, isMap := item.(map[string]any); isMap && p == nil {
				p = map[string]any{}
			}
			if p != nil {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		return v
	}
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
