package tenant

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal"
)

func hengyang() *v1alpha1.CityReport {
	return &v1alpha1.CityReport{
		ObjectMeta: metav1.ObjectMeta{Name: "hengyang"},
		Spec: v1alpha1.CityReportSpec{
			City:   v1alpha1.CityIdentity{Code: "430400", Name: "衡阳市", EnglishName: "Hengyang City"},
			Review: v1alpha1.ReviewSpec{DeadlineDay: 5, TimeZone: "Asia/Shanghai"},
			Ranking: v1alpha1.RankingSpec{Method: v1alpha1.RankEfficacy, Indicators: []v1alpha1.RankedIndicator{
				{ID: "gdp", Measure: v1alpha1.MeasureChange, Weight: 3, Direction: v1alpha1.HigherIsBetter},
			}},
		},
	}
}

func cityInputs() CityInputs {
	return CityInputs{
		PortalImage: "img:1", StorageEndpoint: "10.0.0.9:9000", StorageInsecure: true,
		CredentialsSecretName: "hengyang-storage", CredentialsHash: "h1",
		Members: []portal.CityMember{
			{Code: "430421", Name: "衡阳县", EnglishName: "Hengyang County"},
			{Code: "430423", Name: "衡山县", EnglishName: "Hengshan County"},
		},
	}
}

// The city portal's configuration, as the portal itself parses it.
func TestCityConfigIsWhatThePortalReads(t *testing.T) {
	c, in := hengyang(), cityInputs()
	data, err := CityConfigData(c, in)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := portal.ParseCityConfig([]byte(data[CityConfigFile]))
	if err != nil {
		t.Fatalf("the portal refuses the configuration: %v\n%s", err, data[CityConfigFile])
	}
	checks := map[string]bool{
		"city identity":            conf.CityCode == "430400" && conf.CityName == "衡阳市" && conf.EnglishName == "Hengyang City",
		"tenant names":             conf.CityReport == "hengyang" && conf.Namespace == "city-hengyang",
		"members in order":         len(conf.Members) == 2 && conf.Members[0] == in.Members[0] && conf.Members[1] == in.Members[1],
		"review from spec":         conf.Review.DeadlineDay == 5 && conf.Review.TimeZone == "Asia/Shanghai",
		"ranking from spec":        conf.Ranking.Method == v1alpha1.RankEfficacy && len(conf.Ranking.Indicators) == 1 && conf.Ranking.Indicators[0].Weight == 3,
		"the city's bucket":        conf.Bucket == "countyreport-city-430400",
		"storage endpoint":         conf.StorageEndpoint == "10.0.0.9:9000" && conf.StorageInsecure,
		"members dir is the mount": conf.MembersDir == CityMembersDir,
		"generated accounts":       conf.AccountsFile == SecretDir+"/"+AccountsKey && conf.InitialPasswordFile == SecretDir+"/"+InitialPasswordKey,
		"session key":              conf.SessionKeyFile == SecretDir+"/"+SessionKeyKey,
		"public URL (Service)":     conf.PublicURL == "http://hengyang-portal.city-hengyang.svc:80/",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s: not so\n%s", name, data[CityConfigFile])
		}
	}
}

func TestCityDeploymentIsLockedDown(t *testing.T) {
	c, in := hengyang(), cityInputs()
	d := CityDeployment(c, in, "abc")
	pod := d.Spec.Template.Spec
	ctr := pod.Containers[0]
	var members *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Name == "members" {
			members = &pod.Volumes[i]
		}
	}
	var membersMount *corev1.VolumeMount
	for i := range ctr.VolumeMounts {
		if ctr.VolumeMounts[i].Name == "members" {
			membersMount = &ctr.VolumeMounts[i]
		}
	}
	envFrom := map[string]string{}
	for _, e := range ctr.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			envFrom[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	checks := map[string]bool{
		"in the city's namespace":     d.Namespace == "city-hengyang" && d.Name == "hengyang-portal",
		"no API token":                pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken,
		"its own ServiceAccount":      pod.ServiceAccountName == "hengyang-portal",
		"non-root pod":                ptr.Deref(pod.SecurityContext.RunAsNonRoot, false),
		"seccomp RuntimeDefault":      pod.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
		"read-only root":              ptr.Deref(ctr.SecurityContext.ReadOnlyRootFilesystem, false),
		"no privilege escalation":     !ptr.Deref(ctr.SecurityContext.AllowPrivilegeEscalation, true),
		"all capabilities dropped":    slices.Equal(ctr.SecurityContext.Capabilities.Drop, []corev1.Capability{"ALL"}),
		"city-portal command":         slices.Equal(ctr.Args, []string{"city-portal", "--config=/etc/countyreport/city-portal.yaml", "--listen=:8080", "--metrics-listen=:9090"}),
		"members Secret mounted":      members != nil && members.Secret != nil && members.Secret.SecretName == "hengyang-members",
		"members mount read-only":     membersMount != nil && membersMount.ReadOnly && membersMount.MountPath == CityMembersDir,
		"own credentials from env":    envFrom["COUNTYREPORT_STORAGE_ACCESS_KEY"] == "hengyang-storage/accessKey" && envFrom["COUNTYREPORT_STORAGE_SESSION_TOKEN"] == "hengyang-storage/sessionToken",
		"config hash on template":     d.Spec.Template.Annotations[v1alpha1.AnnotationConfigHash] == "abc",
		"selector matches the pods":   matches(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels),
		"managed-by and city labels":  d.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue && d.Labels[v1alpha1.LabelCity] == "430400",
		"requests and limits default": len(ctr.Resources.Requests) == 2 && len(ctr.Resources.Limits) == 2,
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s: not so", name)
		}
	}
	if sa := CityServiceAccount(c); sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("the ServiceAccount automounts its token")
	}
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestCityBuildersFollowTheSpec(t *testing.T) {
	tests := map[string]struct {
		mutate func(*v1alpha1.CityReport, *CityInputs)
		check  func(t *testing.T, c *v1alpha1.CityReport, in CityInputs)
	}{
		"image override and replicas": {
			mutate: func(c *v1alpha1.CityReport, _ *CityInputs) {
				c.Spec.Portal.Image, c.Spec.Portal.Replicas = "mine:2", ptr.To[int32](0)
			},
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				d := CityDeployment(c, in, "")
				if d.Spec.Template.Spec.Containers[0].Image != "mine:2" || *d.Spec.Replicas != 0 {
					t.Errorf("image %q replicas %d", d.Spec.Template.Spec.Containers[0].Image, *d.Spec.Replicas)
				}
			},
		},
		"named accounts Secret: mounted, no initial password": {
			mutate: func(c *v1alpha1.CityReport, _ *CityInputs) { c.Spec.Portal.AccountsSecretName = "reviewers" },
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				conf := CityConfig(c, in)
				if conf.AccountsFile != AccountsDir+"/"+AccountsKey || conf.InitialPasswordFile != "" {
					t.Errorf("accounts %q initial %q", conf.AccountsFile, conf.InitialPasswordFile)
				}
				if keys := CityPortalSecretKeys(c); !slices.Equal(keys, []string{SessionKeyKey}) {
					t.Errorf("secret keys %v", keys)
				}
				found := false
				for _, v := range CityDeployment(c, in, "").Spec.Template.Spec.Volumes {
					found = found || (v.Secret != nil && v.Secret.SecretName == "reviewers")
				}
				if !found {
					t.Error("accounts Secret not mounted")
				}
			},
		},
		"generated accounts: session key, accounts and initial password": {
			check: func(t *testing.T, c *v1alpha1.CityReport, _ CityInputs) {
				if keys := CityPortalSecretKeys(c); !slices.Equal(keys, []string{SessionKeyKey, AccountsKey, InitialPasswordKey}) {
					t.Errorf("secret keys %v", keys)
				}
			},
		},
		"ingress with TLS: https URL and an Ingress to the Service": {
			mutate: func(c *v1alpha1.CityReport, _ *CityInputs) {
				c.Spec.Portal.Ingress = &v1alpha1.IngressSpec{Host: "city.example.cn", TLSSecretName: "tls", ClassName: "nginx"}
			},
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				if u := CityPortalURL(c); u != "https://city.example.cn/" {
					t.Errorf("URL %q", u)
				}
				ing := CityIngress(c)
				if ing == nil || ing.Namespace != "city-hengyang" || ing.Spec.Rules[0].Host != "city.example.cn" ||
					ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name != "hengyang-portal" || ing.Spec.TLS[0].SecretName != "tls" ||
					*ing.Spec.IngressClassName != "nginx" {
					t.Errorf("ingress %+v", ing)
				}
				if CityConfig(c, in).PublicURL != "https://city.example.cn/" {
					t.Error("config's public URL is not the Ingress's")
				}
			},
		},
		"no ingress: none": {
			check: func(t *testing.T, c *v1alpha1.CityReport, _ CityInputs) {
				if CityIngress(c) != nil {
					t.Error("an Ingress without spec.portal.ingress")
				}
			},
		},
		"no storage yet: no credentials in env, members still mounted (optional)": {
			mutate: func(_ *v1alpha1.CityReport, in *CityInputs) { in.CredentialsSecretName, in.StorageEndpoint = "", "" },
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				d := CityDeployment(c, in, "")
				if env := d.Spec.Template.Spec.Containers[0].Env; len(env) != 0 {
					t.Errorf("env %+v", env)
				}
				for _, v := range d.Spec.Template.Spec.Volumes {
					if v.Name == "members" && !ptr.Deref(v.Secret.Optional, false) {
						t.Error("members volume is not optional")
					}
				}
				if np := CityNetworkPolicy(c, in); len(np.Spec.Egress) != 1 {
					t.Errorf("egress without storage: %+v", np.Spec.Egress)
				}
			},
		},
		"storage CA is mounted with the credentials": {
			mutate: func(_ *v1alpha1.CityReport, in *CityInputs) { in.StorageCA = true },
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				d := CityDeployment(c, in, "")
				found := false
				for _, e := range d.Spec.Template.Spec.Containers[0].Env {
					found = found || e.Name == "COUNTYREPORT_STORAGE_CA_FILE"
				}
				if !found {
					t.Error("no CA file in env")
				}
			},
		},
		"network policy: in to the ports, out to DNS and storage only": {
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				np := CityNetworkPolicy(c, in)
				if len(np.Spec.Egress) != 2 {
					t.Fatalf("egress %+v", np.Spec.Egress)
				}
				if p := np.Spec.Egress[0].Ports; len(p) != 2 || p[0].Port.IntVal != 53 {
					t.Errorf("dns %+v", p)
				}
				st := np.Spec.Egress[1]
				if len(st.Ports) != 1 || st.Ports[0].Port.IntVal != 9000 || len(st.To) != 1 || st.To[0].IPBlock.CIDR != "10.0.0.9/32" {
					t.Errorf("storage %+v", st)
				}
				if !matches(np.Spec.PodSelector.MatchLabels, CityDeployment(c, in, "").Spec.Template.Labels) {
					t.Error("the policy does not select the portal's pods")
				}
				for _, p := range np.Spec.Ingress[0].Ports {
					if p.Port.IntVal != PortalPort && p.Port.IntVal != MetricsPort {
						t.Errorf("ingress port %v", p.Port)
					}
				}
			},
		},
		"service selects the portal's pods only": {
			check: func(t *testing.T, c *v1alpha1.CityReport, in CityInputs) {
				s := CityService(c)
				if !matches(s.Spec.Selector, CityDeployment(c, in, "").Spec.Template.Labels) {
					t.Error("the Service does not select the portal's pods")
				}
				// The city's credentials Secrets carry another component.
				if matches(s.Spec.Selector, CityLabels(c, "storage-credentials")) {
					t.Error("the selector matches the credentials Secrets' labels")
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, in := hengyang(), cityInputs()
			if tc.mutate != nil {
				tc.mutate(c, &in)
			}
			tc.check(t, c, in)
		})
	}
}

func TestCityConfigHashRollsThePortal(t *testing.T) {
	c, in := hengyang(), cityInputs()
	hash := func(c *v1alpha1.CityReport, in CityInputs) string {
		data, err := CityConfigData(c, in)
		if err != nil {
			t.Fatal(err)
		}
		return CityConfigHash(data, in)
	}
	base := hash(c, in)
	if hash(c, in) != base {
		t.Fatal("the hash is not stable")
	}
	changes := map[string]func(*v1alpha1.CityReport, *CityInputs){
		"a member joins": func(_ *v1alpha1.CityReport, in *CityInputs) {
			in.Members = append(in.Members, portal.CityMember{Code: "430424", Name: "衡东县"})
		},
		"member credentials rotate": func(_ *v1alpha1.CityReport, in *CityInputs) { in.CredentialsHash = "h2" },
		"ranking weight changes":    func(c *v1alpha1.CityReport, _ *CityInputs) { c.Spec.Ranking.Indicators[0].Weight = 4 },
		"deadline changes":          func(c *v1alpha1.CityReport, _ *CityInputs) { c.Spec.Review.DeadlineDay = 7 },
	}
	for name, mutate := range changes {
		c, in := hengyang(), cityInputs()
		mutate(c, &in)
		if hash(c, in) == base {
			t.Errorf("%s: the hash did not change", name)
		}
	}
	// Not a county's portal configuration: different file, different realm.
	data, _ := CityConfigData(c, in)
	if !strings.Contains(data[CityConfigFile], "membersDir: /etc/countyreport/members") {
		t.Errorf("config:\n%s", data[CityConfigFile])
	}
}
