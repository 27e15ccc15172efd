package ownedfields

import (
	"encoding/json"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The objects and managedFields below are made up for the tests, in the
// form the API server records them.
func object(t *testing.T, js string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(js)); err != nil {
		t.Fatal(err)
	}
	return u
}

func entry(manager string, op metav1.ManagedFieldsOperationType, fields string) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields)}
}

const live = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n",
 "labels":{"mine":"a","theirs":"b"}},
 "spec":{"containers":[
   {"name":"portal","image":"img:1","env":[{"name":"A","value":"1"},{"name":"HAND","value":"x"},{"name":"B","value":"2"}],
    "ports":[{"containerPort":8080,"protocol":"TCP","name":"http"}],"resources":{"limits":{"cpu":"500m"}}},
   {"name":"sidecar","image":"other"}],
  "finalizers":["x","y"],"args":["a","b"]}}`

func TestOwned(t *testing.T) {
	tests := map[string]struct {
		managed []metav1.ManagedFieldsEntry
		want    string // JSON; "null" when nothing is owned
	}{
		"fields, keyed items in live order, whole members": {
			managed: []metav1.ManagedFieldsEntry{entry("countyreport", metav1.ManagedFieldsOperationApply,
				`{"f:metadata":{"f:labels":{"f:mine":{}}},"f:spec":{"f:containers":{
				  "k:{\"name\":\"portal\"}":{".":{},"f:name":{},"f:image":{},
				    "f:env":{"k:{\"name\":\"B\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"A\"}":{".":{},"f:name":{},"f:value":{}}},
				    "f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{},"f:name":{}}},
				    "f:resources":{}}}}}`)},
			want: `{"metadata":{"labels":{"mine":"a"}},"spec":{"containers":[{"name":"portal","image":"img:1",
			  "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
			  "ports":[{"containerPort":8080,"protocol":"TCP","name":"http"}],"resources":{"limits":{"cpu":"500m"}}}]}}`,
		},
		"set values and atomic lists": {
			managed: []metav1.ManagedFieldsEntry{entry("countyreport", metav1.ManagedFieldsOperationApply,
				`{"f:spec":{"f:finalizers":{"v:\"y\"":{}},"f:args":{}}}`)},
			want: `{"spec":{"finalizers":["y"],"args":["a","b"]}}`,
		},
		"an entry of another manager or operation is not ours": {
			managed: []metav1.ManagedFieldsEntry{
				entry("kubectl", metav1.ManagedFieldsOperationApply, `{"f:metadata":{"f:labels":{"f:theirs":{}}}}`),
				entry("countyreport", metav1.ManagedFieldsOperationUpdate, `{"f:metadata":{"f:labels":{"f:mine":{}}}}`),
			},
			want: `null`,
		},
		"a field we owned that is gone is not there": {
			managed: []metav1.ManagedFieldsEntry{entry("countyreport", metav1.ManagedFieldsOperationApply,
				`{"f:metadata":{"f:labels":{"f:mine":{},"f:removed":{}}}}`)},
			want: `{"metadata":{"labels":{"mine":"a"}}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Owned(object(t, live), tc.managed, "countyreport")
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Fatalf("owned:\n got %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestOwnedRefusesBadManagedFields(t *testing.T) {
	_, err := Owned(object(t, live), []metav1.ManagedFieldsEntry{
		entry("countyreport", metav1.ManagedFieldsOperationApply, `{"f:metadata":`)}, "countyreport")
	if err == nil {
		t.Fatal("truncated managedFields accepted")
	}
}

func TestSame(t *testing.T) {
	intentOf := func(cm *corev1.ConfigMap) map[string]any {
		m, err := Intent(cm, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "n", Labels: map[string]string{"a": "1"}},
		Data: map[string]string{"k": "v"}}
	owned := map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "1"}}, "data": map[string]any{"k": "v"}}
	tests := map[string]struct {
		intent map[string]any
		owned  map[string]any
		same   bool
	}{
		"equal, identity not compared": {intentOf(cm), owned, true},
		"nothing owned yet":            {intentOf(cm), nil, false},
		"a value changed": {intentOf(cm), map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"a": "2"}}, "data": map[string]any{"k": "v"}}, false},
		"a field we set is no longer ours": {intentOf(cm), map[string]any{"data": map[string]any{"k": "v"}}, false},
		"we own a field we no longer set": {intentOf(cm), map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"a": "1", "old": "x"}}, "data": map[string]any{"k": "v"}}, false},
		"empty maps are absent on both sides": {intentOf(cm), map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"a": "1"}, "annotations": map[string]any{}}, "data": map[string]any{"k": "v"}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Same(tc.intent, tc.owned); got != tc.same {
				t.Fatalf("Same = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestIntentDropsStatusNullsAndEmptyValues(t *testing.T) {
	m, err := Intent(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}, schema.GroupVersionKind{Version: "v1", Kind: "Pod"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["status"]; ok {
		t.Fatal("status kept")
	}
	if _, ok := m["metadata"].(map[string]any)["creationTimestamp"]; ok {
		t.Fatal("null creationTimestamp kept")
	}
	if c := m["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any); len(c) != 1 {
		t.Fatalf("empty values kept in the container: %v", c)
	}
	np, err := Intent(&networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}, schema.GroupVersionKind{Kind: "NetworkPolicy"})
	if err != nil {
		t.Fatal(err)
	}
	if rules := np["spec"].(map[string]any)["ingress"]; !reflect.DeepEqual(rules, []any{map[string]any{}}) {
		t.Fatalf("an empty rule (from anywhere) was dropped: %v", rules)
	}
	if m["apiVersion"] != "v1" || m["kind"] != "Pod" {
		t.Fatalf("type not set: %v %v", m["apiVersion"], m["kind"])
	}
}

// FuzzOwned: any managedFields and object give a result or an error, never a panic.
func FuzzOwned(f *testing.F) {
	f.Add([]byte(`{"f:metadata":{"f:labels":{"f:mine":{}}}}`), []byte(live))
	f.Add([]byte(`{"f:spec":{"f:containers":{"k:{\"name\":\"portal\"}":{".":{},"f:env":{"i:0":{}}}}}}`), []byte(live))
	f.Add([]byte(`{"f:spec":{"f:finalizers":{"v:\"y\"":{}}}}`), []byte(`{"spec":{"finalizers":[1,{"a":[]},"y"]}}`))
	f.Fuzz(func(t *testing.T, fields, obj []byte) {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(obj); err != nil {
			return
		}
		_, _ = Owned(u, []metav1.ManagedFieldsEntry{entry("m", metav1.ManagedFieldsOperationApply, string(fields))}, "m")
	})
}
