package tenant

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

func TestCityRunIsInTheCitysNamespace(t *testing.T) {
	c := &v1alpha1.CityReport{ObjectMeta: metav1.ObjectMeta{Name: "hengyang"},
		Spec: v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "430400", Name: "衡阳市"}}}
	tests := map[string]struct {
		reason             v1alpha1.RunReason
		by                 string
		name, generateName string
	}{
		"scheduled": {reason: v1alpha1.RunScheduled, name: "hengyang-2026-09"},
		"manual":    {reason: v1alpha1.RunManual, by: "staff", generateName: "hengyang-2026-09-manual-"},
		"retry":     {reason: v1alpha1.RunRetry, generateName: "hengyang-2026-09-manual-"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			run := CityRun(c, "2026-09", tc.reason, tc.by)
			if run.Namespace != "city-hengyang" || run.Namespace != CityNamespace(c) {
				t.Errorf("namespace %q", run.Namespace)
			}
			if run.Name != tc.name || run.GenerateName != tc.generateName {
				t.Errorf("name %q generateName %q, want %q %q", run.Name, run.GenerateName, tc.name, tc.generateName)
			}
			want := v1alpha1.ReportRunSpec{CityReportName: "hengyang", Period: "2026-09", Reason: tc.reason}
			if run.Spec != want {
				t.Errorf("spec %+v, want %+v", run.Spec, want)
			}
			if run.Labels[v1alpha1.LabelCity] != "430400" || run.Labels[v1alpha1.LabelPeriod] != "2026-09" {
				t.Errorf("labels %v", run.Labels)
			}
			if got := run.Annotations[AnnotationRequestedBy]; got != tc.by {
				t.Errorf("requested-by %q, want %q", got, tc.by)
			}
		})
	}
}
