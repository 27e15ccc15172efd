package tenant

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

func hengshan() *v1alpha1.CountyReport {
	return &v1alpha1.CountyReport{
		ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "county-hengshan"},
		Spec: v1alpha1.CountyReportSpec{
			County: v1alpha1.CountyIdentity{Code: "430423", Name: "衡山县", EnglishName: "Hengshan County", City: "衡阳市"},
		},
	}
}

func TestDeploymentIsLockedDown(t *testing.T) {
	d := Deployment(hengshan(), Inputs{PortalImage: "img:1"}, "abc")
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	checks := map[string]bool{
		"non-root pod":             ptr.Deref(pod.SecurityContext.RunAsNonRoot, false),
		"seccomp RuntimeDefault":   pod.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
		"its own token (its Role)": ptr.Deref(pod.AutomountServiceAccountToken, false) && pod.ServiceAccountName == "hengshan-portal",
		"read-only root":           ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false),
		"no privilege escalation":  !ptr.Deref(c.SecurityContext.AllowPrivilegeEscalation, true),
		"all capabilities dropped": len(c.SecurityContext.Capabilities.Drop) == 1 && c.SecurityContext.Capabilities.Drop[0] == "ALL",
		"requests and limits":      len(c.Resources.Requests) == 2 && len(c.Resources.Limits) == 2,
		"config hash on template":  d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash] == "abc",
		"image from inputs":        c.Image == "img:1",
		"one replica by default":   *d.Spec.Replicas == 1,
		"no credentials yet":       len(c.Env) == 0,
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s: not so", name)
		}
	}
}

func TestBuildersFollowTheSpec(t *testing.T) {
	tests := map[string]struct {
		mutate func(*v1alpha1.CountyReport, *Inputs)
		check  func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs)
	}{
		"image override wins": {
			mutate: func(cr *v1alpha1.CountyReport, _ *Inputs) { cr.Spec.Portal.Image = "mine:2" },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				if got := Deployment(cr, in, "").Spec.Template.Spec.Containers[0].Image; got != "mine:2" {
					t.Errorf("image %q", got)
				}
			},
		},
		"replicas zero is kept": {
			mutate: func(cr *v1alpha1.CountyReport, _ *Inputs) { cr.Spec.Portal.Replicas = ptr.To[int32](0) },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				if got := *Deployment(cr, in, "").Spec.Replicas; got != 0 {
					t.Errorf("replicas %d", got)
				}
			},
		},
		"accounts secret is mounted read-only": {
			mutate: func(cr *v1alpha1.CountyReport, _ *Inputs) { cr.Spec.Portal.AccountsSecretName = "staff" },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				d := Deployment(cr, in, "")
				if v := d.Spec.Template.Spec.Volumes[3]; v.Secret == nil || v.Secret.SecretName != "staff" {
					t.Errorf("volume %+v", v)
				}
				if m := d.Spec.Template.Spec.Containers[0].VolumeMounts[3]; !m.ReadOnly {
					t.Errorf("mount %+v not read-only", m)
				}
				if !strings.Contains(mustConfig(t, cr, in), "accountsFile: /etc/countyreport/accounts/accounts.yaml") {
					t.Error("config does not name the accounts file")
				}
			},
		},
		"credentials come from the county's Secret": {
			mutate: func(_ *v1alpha1.CountyReport, in *Inputs) { in.CredentialsSecretName = "hengshan-storage" },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				env := Deployment(cr, in, "").Spec.Template.Spec.Containers[0].Env
				if len(env) != 3 {
					t.Fatalf("env %+v", env)
				}
				for _, e := range env {
					if e.ValueFrom.SecretKeyRef.Name != "hengshan-storage" {
						t.Errorf("%s from %s", e.Name, e.ValueFrom.SecretKeyRef.Name)
					}
				}
			},
		},
		"no ingress unless asked": {
			check: func(t *testing.T, cr *v1alpha1.CountyReport, _ Inputs) {
				if Ingress(cr) != nil {
					t.Error("ingress built without spec.portal.ingress")
				}
				if got := PortalURL(cr); got != "http://hengshan-portal.county-hengshan.svc:80/" {
					t.Errorf("url %q", got)
				}
			},
		},
		"ingress with TLS": {
			mutate: func(cr *v1alpha1.CountyReport, _ *Inputs) {
				cr.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "hs.example.org", TLSSecretName: "hs-tls", ClassName: "nginx"}
			},
			check: func(t *testing.T, cr *v1alpha1.CountyReport, _ Inputs) {
				ing := Ingress(cr)
				if ing.Spec.TLS[0].SecretName != "hs-tls" || *ing.Spec.IngressClassName != "nginx" || ing.Spec.Rules[0].Host != "hs.example.org" {
					t.Errorf("ingress %+v", ing.Spec)
				}
				if got := PortalURL(cr); got != "https://hs.example.org/" {
					t.Errorf("url %q", got)
				}
			},
		},
		"egress to an IP endpoint is pinned": {
			mutate: func(_ *v1alpha1.CountyReport, in *Inputs) { in.StorageEndpoint = "10.0.0.7:9000" },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				np := NetworkPolicy(cr, in)
				if len(np.Spec.Egress) != 3 {
					t.Fatalf("egress %+v", np.Spec.Egress)
				}
				rule := np.Spec.Egress[1]
				if rule.Ports[0].Port.IntValue() != 9000 || rule.To[0].IPBlock.CIDR != "10.0.0.7/32" {
					t.Errorf("storage rule %+v", rule)
				}
			},
		},
		"egress to a DNS endpoint allows its port only": {
			mutate: func(_ *v1alpha1.CountyReport, in *Inputs) { in.StorageEndpoint = "minio.storage.svc" },
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				rule := NetworkPolicy(cr, in).Spec.Egress[1]
				if rule.Ports[0].Port.IntValue() != 443 || len(rule.To) != 0 {
					t.Errorf("storage rule %+v", rule)
				}
			},
		},
		"no storage, DNS and the API server only": {
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				eg := NetworkPolicy(cr, in).Spec.Egress
				if len(eg) != 2 || eg[1].Ports[0].Port.IntValue() != 443 || eg[1].Ports[1].Port.IntValue() != 6443 {
					t.Errorf("egress rules %+v", eg)
				}
			},
		},
		"API server egress pinned when known": {
			mutate: func(_ *v1alpha1.CountyReport, in *Inputs) {
				in.APIServerPorts, in.APIServerCIDRs = []int32{443}, []string{"172.18.0.2/32"}
			},
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				rule := NetworkPolicy(cr, in).Spec.Egress[1]
				if len(rule.Ports) != 1 || rule.To[0].IPBlock.CIDR != "172.18.0.2/32" {
					t.Errorf("API server rule %+v", rule)
				}
			},
		},
		"portal Role: its runs and its own CountyReport, nothing else": {
			check: func(t *testing.T, cr *v1alpha1.CountyReport, _ Inputs) {
				r := Role(cr)
				if len(r.Rules) != 2 || r.Rules[1].ResourceNames[0] != cr.Name || len(r.Rules[1].Verbs) != 1 || r.Rules[1].Verbs[0] != "get" {
					t.Errorf("rules %+v", r.Rules)
				}
				rb := RoleBinding(cr)
				if rb.Subjects[0].Name != Name(cr) || rb.Subjects[0].Namespace != cr.Namespace || rb.RoleRef.Name != r.Name {
					t.Errorf("binding %+v", rb)
				}
			},
		},
		"accounts Secret generated unless named": {
			check: func(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) {
				c := Config(cr, in)
				if !GeneratesAccounts(cr) || len(PortalSecretKeys(cr)) != 3 || c.AccountsFile != SecretDir+"/accounts.yaml" ||
					c.InitialPasswordFile != SecretDir+"/initial-password" || c.SessionKeyFile != SecretDir+"/session-key" {
					t.Errorf("generated accounts: keys %v, config %+v", PortalSecretKeys(cr), c)
				}
				cr.Spec.Portal.AccountsSecretName = "staff"
				c = Config(cr, in)
				if GeneratesAccounts(cr) || len(PortalSecretKeys(cr)) != 1 || c.AccountsFile != AccountsDir+"/accounts.yaml" || c.InitialPasswordFile != "" {
					t.Errorf("named accounts Secret: keys %v, config %+v", PortalSecretKeys(cr), c)
				}
				vols := Deployment(cr, in, "").Spec.Template.Spec.Volumes
				names := map[string]string{}
				for _, v := range vols {
					if v.Secret != nil {
						names[v.Name] = v.Secret.SecretName
					}
				}
				if names["portal-secret"] != Name(cr) || names["accounts"] != "staff" {
					t.Errorf("secret volumes %v", names)
				}
				a, _ := NewPortalSecretValue(SessionKeyKey)
				b, _ := NewPortalSecretValue(SessionKeyKey)
				if len(a) != 43 || string(a) == string(b) {
					t.Errorf("secret values %q %q", a, b)
				}
			},
		},
		"default bucket from the code": {
			check: func(t *testing.T, cr *v1alpha1.CountyReport, _ Inputs) {
				if got := Bucket(cr); got != "countyreport-430423" {
					t.Errorf("bucket %q", got)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cr, in := hengshan(), Inputs{PortalImage: "img:1"}
			if tc.mutate != nil {
				tc.mutate(cr, &in)
			}
			tc.check(t, cr, in)
		})
	}
}

func mustConfig(t *testing.T, cr *v1alpha1.CountyReport, in Inputs) string {
	t.Helper()
	data, err := ConfigData(cr, in)
	if err != nil {
		t.Fatal(err)
	}
	return data[ConfigFile]
}

func TestConfigHashChangesWithWhatRollsThePortal(t *testing.T) {
	cr := hengshan()
	data := map[string]string{ConfigFile: mustConfig(t, cr, Inputs{})}
	base := ConfigHash(data, Inputs{})
	if ConfigHash(data, Inputs{}) != base {
		t.Fatal("hash is not stable")
	}
	cr.Spec.County.EnglishName = "Other"
	if ConfigHash(map[string]string{ConfigFile: mustConfig(t, cr, Inputs{})}, Inputs{}) == base {
		t.Error("configuration change does not change the hash")
	}
	if ConfigHash(data, Inputs{CredentialsHash: "new"}) == base {
		t.Error("credential rotation does not change the hash")
	}
}
