package tenant

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

func TestSSOConfigMapsTheManifestsGroups(t *testing.T) {
	spec := &v1alpha1.SSOSpec{
		Issuer: "https://sso.example.test", ClientID: "c", ClientSecret: v1alpha1.SecretKeyReference{Name: "s", Key: "secret"},
		EditorGroups: []string{"county-editors"}, ReviewerGroups: []string{"city-reviewers"}, ViewerGroups: []string{"viewers"},
		LocalAccounts: v1alpha1.LocalAccountsDisabled,
	}
	tests := map[string]struct {
		city    bool
		editors string
	}{
		"county: editors are editorGroups": {false, "county-editors"},
		"city: editors are reviewerGroups": {true, "city-reviewers"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := ssoConfig(spec, tc.city)
			if len(c.EditorGroups) != 1 || c.EditorGroups[0] != tc.editors || c.ViewerGroups[0] != "viewers" {
				t.Fatalf("groups: %+v", c)
			}
			if c.ClientSecretFile != SSODir+"/secret" || !c.LocalAccountsDisabled {
				t.Fatalf("secret file or local accounts: %+v", c)
			}
		})
	}
	if ssoConfig(nil, false) != nil {
		t.Fatal("no sso in the manifest, sso in the configuration")
	}
}

func TestBudgetOnlyForTwoOrMore(t *testing.T) {
	cr := &v1alpha1.CountyReport{}
	cr.Name, cr.Namespace, cr.Spec.County.Code = "x", "county-x", "999001"
	for replicas, want := range map[int32]bool{0: false, 1: false, 2: true, 5: true} {
		cr.Spec.Portal.Replicas = ptr.To(replicas)
		if got := PodDisruptionBudget(cr) != nil; got != want {
			t.Errorf("replicas %d: budget %v, want %v", replicas, got, want)
		}
	}
	cr.Spec.Portal.Replicas = nil
	if PodDisruptionBudget(cr) != nil {
		t.Error("default one replica got a budget")
	}
}

func TestSSOEgressPort(t *testing.T) {
	for issuer, want := range map[string]int{"https://sso.example.test/realms/x": 443, "https://sso.example.test:8443/": 8443} {
		rule, ok := ssoEgress(&v1alpha1.SSOSpec{Issuer: issuer})
		if !ok || rule.Ports[0].Port.IntValue() != want || len(rule.To) != 0 {
			t.Errorf("%s: %+v", issuer, rule)
		}
	}
}
