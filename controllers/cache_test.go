package controllers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTrimForCache(t *testing.T) {
	ours := metav1.ManagedFieldsEntry{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationApply}
	tests := map[string]struct {
		managed     []metav1.ManagedFieldsEntry
		annotations map[string]string
		want        int // managedFields entries kept
		keptAnnot   []string
	}{
		"only the operator's apply is kept": {
			managed: []metav1.ManagedFieldsEntry{
				{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status"},
				ours,
				{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationUpdate},
				{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationApply, Subresource: "status"},
				{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply},
			},
			want: 1,
		},
		"kubectl's copy of the object goes, other annotations stay": {
			annotations: map[string]string{corev1.LastAppliedConfigAnnotation: "{...}", "team": "it"},
			keptAnnot:   []string{"team"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ManagedFields: tc.managed, Annotations: tc.annotations}}
			if _, err := trimForCache(cm); err != nil {
				t.Fatal(err)
			}
			if len(cm.ManagedFields) != tc.want || (tc.want == 1 && cm.ManagedFields[0] != ours) {
				t.Fatalf("managedFields kept: %+v", cm.ManagedFields)
			}
			if len(cm.Annotations) != len(tc.keptAnnot) {
				t.Fatalf("annotations kept: %v", cm.Annotations)
			}
			for _, k := range tc.keptAnnot {
				if _, ok := cm.Annotations[k]; !ok {
					t.Fatalf("annotation %s dropped", k)
				}
			}
		})
	}
}
