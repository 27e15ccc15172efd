package main

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dev"
)

// The city's row names its portal (not running here: no runtime serves it)
// and the admin account the operator generated in city-<name>.
func TestCityRowShowsPortalAndAccount(t *testing.T) {
	city := &v1alpha1.CityReport{
		ObjectMeta: metav1.ObjectMeta{Name: "testcity"},
		Spec:       v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "000100", Name: "测试市"}},
		Status:     v1alpha1.CityReportStatus{MemberSummary: "1/2"},
	}
	c := fake.NewClientBuilder().WithScheme(newScheme()).WithObjects(city,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "city-testcity", Name: "testcity-members"},
			Data: map[string][]byte{"members": []byte("000101")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "city-testcity", Name: "testcity-portal"},
			Data: map[string][]byte{"initial-password": []byte("pw-not-real")}},
		// Another namespace's password is never shown for the city.
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "county-x", Name: "x-portal"},
			Data: map[string][]byte{"initial-password": []byte("theirs")}},
	).Build()
	pl := &platform{c: c, runtime: &dev.Runtime{}}
	rows, err := cityRows(context.Background(), pl)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"测试市 testcity", "(not running)", "admin", "pw-not-real", "—, members 1/2"}
	if len(rows) != 1 || len(rows[0]) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if rows[0][i] != want[i] {
			t.Errorf("column %d: %q, want %q", i, rows[0][i], want[i])
		}
	}
}
