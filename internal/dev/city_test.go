package dev

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/tenant"
)

// The city portal's Deployment, as the operator builds it, resolves to an
// in-process city portal: its configuration and member credentials below
// root, its own credentials from its environment, run with RunCity.
func TestCityPortalOptions(t *testing.T) {
	city := &v1alpha1.CityReport{
		ObjectMeta: metav1.ObjectMeta{Name: "testcity"},
		Spec:       v1alpha1.CityReportSpec{City: v1alpha1.CityIdentity{Code: "000100", Name: "测试市"}},
	}
	ns := tenant.CityNamespace(city)
	in := tenant.CityInputs{
		PortalImage: "countyreport:test", StorageEndpoint: "127.0.0.1:9000", StorageInsecure: true,
		CredentialsSecretName: tenant.CityCredentialsSecretName(city),
		Members:               []portal.CityMember{{Code: "000101", Name: "测试县"}},
	}
	data, err := tenant.CityConfigData(city, in)
	if err != nil {
		t.Fatal(err)
	}
	d := tenant.CityDeployment(city, in, tenant.CityConfigHash(data, in))
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(
		tenant.CityConfigMap(city, data),
		tenant.CityPortalSecret(city, map[string][]byte{"session-key": []byte("sk"), "accounts.yaml": []byte("accounts: []\n"), "initial-password": []byte("pw")}),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tenant.CityCredentialsSecretName(city)},
			Data: map[string][]byte{"accessKey": []byte("CITYAK"), "secretKey": []byte("CITYSK"), "sessionToken": []byte("T")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tenant.MemberCredentialsSecretName(city)},
			Data: map[string][]byte{"members": []byte("000101"), "000101.accessKey": []byte("MEMBERAK")}},
	).Build()

	if !IsPortal(d.Spec.Template.Labels) || !IsPortal(d.Labels) {
		t.Fatalf("the runtime does not select the city portal (labels %v)", d.Labels)
	}
	w, err := Resolve(context.Background(), c, d, portalContainer)
	if err != nil {
		t.Fatal(err)
	}
	if !IsCityPortal(w) {
		t.Fatalf("args %q: not the city portal", w.Args)
	}
	root := t.TempDir()
	if err := w.Materialize(root); err != nil {
		t.Fatal(err)
	}
	o, err := PortalOptions(w, root, "127.0.0.1:28999")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "etc/countyreport/city-portal.yaml"); o.ConfigFile != want {
		t.Errorf("config %q, want %q", o.ConfigFile, want)
	}
	if o.Storage.AccessKey != "CITYAK" || o.Storage.Endpoint != "127.0.0.1:9000" || !o.Storage.Insecure {
		t.Errorf("storage %+v", o.Storage)
	}
	if o.Kube != nil {
		t.Error("the city portal gets an API identity")
	}
	conf, err := portal.LoadCityConfig(o.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, tenant.CityMembersDir); conf.MembersDir != want {
		t.Errorf("membersDir %q, want %q", conf.MembersDir, want)
	}
	if conf.PublicURL != "http://127.0.0.1:28999/" {
		t.Errorf("publicURL %q", conf.PublicURL)
	}
	if b, err := os.ReadFile(filepath.Join(conf.MembersDir, "000101.accessKey")); err != nil || string(b) != "MEMBERAK" {
		t.Errorf("member credentials file: %q, %v", b, err)
	}
	if b, err := os.ReadFile(conf.InitialPasswordFile); err != nil || string(b) != "pw" {
		t.Errorf("initial password file: %q, %v", b, err)
	}

	// --members-dir on the command line is a container path too.
	w.Args = append(w.Args, "--members-dir=/elsewhere/members")
	if o, err = PortalOptions(w, root, "127.0.0.1:28999"); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "elsewhere/members"); o.MembersDir != want {
		t.Errorf("members dir %q, want %q", o.MembersDir, want)
	}
}

func TestPortalCommand(t *testing.T) {
	tests := map[string]struct {
		args     []string
		wantCmd  string
		wantRest int
	}{
		"county":                {args: []string{"portal", "--config=x"}, wantCmd: "portal", wantRest: 1},
		"city":                  {args: []string{"city-portal", "--config=x", "--listen=:1"}, wantCmd: "city-portal", wantRest: 2},
		"city after the binary": {args: []string{"/countyreport", "city-portal"}, wantCmd: "city-portal", wantRest: 0},
		"no subcommand":         {args: []string{"--config=x"}, wantCmd: "portal", wantRest: 1},
	}
	for name, tc := range tests {
		cmd, rest := PortalCommand(tc.args)
		if cmd != tc.wantCmd || len(rest) != tc.wantRest {
			t.Errorf("%s: %q %q", name, cmd, rest)
		}
	}
	labels := map[string]map[string]string{
		"county portal":           {PortalLabelKey: PortalLabelValue},
		"city portal":             {PortalLabelKey: CityPortalLabelValue, "app.kubernetes.io/component": "portal"},
		"city credentials Secret": {PortalLabelKey: CityPortalLabelValue, "app.kubernetes.io/component": "storage-credentials"},
		"something else":          {PortalLabelKey: "nginx"},
	}
	want := map[string]bool{"county portal": true, "city portal": true}
	for name, l := range labels {
		if IsPortal(l) != want[name] {
			t.Errorf("%s: IsPortal = %t", name, !want[name])
		}
	}
}
