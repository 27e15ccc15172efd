package dev

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/countyreport/countyreport/internal/testenv"
)

// marker is in the victim's files; it must never show in the attacker's
// Deployment status or the runtime's messages.
const marker = "VICTIM-COUNTY-B-SECRET-7f3a"

// victimFiles lays out, below dir, the files the runtime wrote for a portal
// of another namespace (county-b), as it does for a running portal.
func victimFiles(t *testing.T, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "county-b", "b-portal", "etc", "countyreport", "portal-secret", "accounts.yaml")
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte("accounts: ["+marker+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// Deployments in county-a, made by an editor of that namespace, name the
// files of county-b's portal by a path relative to the runtime's working
// directory, by an absolute host path (in the configuration, in a flag
// storage.Config would read from the host, in the environment), and by
// climbing out with "..". Each is refused: the portal does not start, its
// status says why, and nothing of the victim's file appears in it.
func TestRuntimeConfinesWorkloadsToTheirFolder(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.Scheme})
	g.Expect(err).NotTo(HaveOccurred())

	dir := t.TempDir()
	portals := filepath.Join(dir, "portals")
	victim := victimFiles(t, portals)
	cwd, err := os.Getwd()
	g.Expect(err).NotTo(HaveOccurred())
	relative, err := filepath.Rel(cwd, victim)
	g.Expect(err).NotTo(HaveOccurred())

	ns := "county-a"
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	base := "countyCode: \"999001\"\ncountyName: 样例县\nnamespace: county-a\ncountyReport: a\nbucket: b\n" +
		"storageEndpoint: 127.0.0.1:1\nstorageInsecure: true\nsessionKeyFile: /etc/countyreport/session-key\n"
	// The city's member credentials, as the runtime wrote them for the
	// city's portal: the attack of 7 December read them from a county's namespace.
	members := filepath.Join(portals, "city-x", "x-portal", "etc", "countyreport", "members")
	g.Expect(os.MkdirAll(members, 0o700)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(members, "999001.accessKey"), []byte(marker), 0o600)).To(Succeed())
	relMembers, err := filepath.Rel(cwd, members)
	g.Expect(err).NotTo(HaveOccurred())
	cityCfg := "cityReport: x\nnamespace: county-a\ncityCode: \"999000\"\ncityName: 样例市\nbucket: b\n" +
		"members: [{code: \"999001\", name: 样例县}]\nreview: {deadlineDay: 5, timeZone: Asia/Shanghai}\n" +
		"ranking: {method: efficacy, indicators: [{id: gdp, measure: change, weight: 1, direction: higher}]}\n" +
		"storageEndpoint: 127.0.0.1:1\nstorageInsecure: true\naccountsFile: /etc/countyreport/a.yaml\nsessionKeyFile: /etc/countyreport/session-key\n"
	attacks := map[string]struct {
		config string
		args   []string
		env    map[string]string
		want   string // in the refusal: what was refused, where it was looked for
	}{
		"relative path in the configuration":      {config: base + "accountsFile: " + relative + "\n", want: "county-a/"},
		"climbing out with ..":                    {config: base + "accountsFile: ../../../county-b/b-portal/etc/countyreport/portal-secret/accounts.yaml\n", want: "county-a/"},
		"absolute host path in the configuration": {config: base + "accountsFile: " + victim + "\n", want: "county-a/"},
		"absolute host path in --accounts":        {config: base, args: []string{"--accounts=" + victim}, want: "county-a/"},
		"host path in --storage-ca-file":          {config: base + "accountsFile: /etc/countyreport/a.yaml\n", args: []string{"--storage-ca-file=" + relative}, want: "storage-ca-file"},
		"host path in the CA file's variable":     {config: base + "accountsFile: /etc/countyreport/a.yaml\n", env: map[string]string{"COUNTYREPORT_STORAGE_CA_FILE": relative}, want: "COUNTYREPORT_STORAGE_CA_FILE"},
		"the city's member credentials, relative": {config: cityCfg + "membersDir: " + relMembers + "\n", want: "members-dir"},
	}
	i := 0
	names, wants := map[string]string{}, map[string]string{}
	for what, a := range attacks {
		i++
		name := "attack-" + string(rune('a'+i))
		names[name], wants[name] = what, a.want
		cmd := "portal"
		if strings.Contains(a.config, "cityCode") {
			cmd = "city-portal"
		}
		data := map[string]string{"portal.yaml": a.config, "session-key": strings.Repeat("k", 40), "a.yaml": "accounts: []\n"}
		g.Expect(c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data})).To(Succeed())
		// Made-up storage credentials, so that the portal gets past its
		// storage settings to the files the attack names.
		envs := []corev1.EnvVar{{Name: "COUNTYREPORT_STORAGE_ACCESS_KEY", Value: "made-up"}, {Name: "COUNTYREPORT_STORAGE_SECRET_KEY", Value: "made-up-too"}}
		for k, v := range a.env {
			envs = append(envs, corev1.EnvVar{Name: k, Value: v})
		}
		g.Expect(c.Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{PortalLabelKey: PortalLabelValue}},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec: corev1.PodSpec{
						Containers: []corev1.Container{{Name: "portal", Image: "countyreport:test",
							Args: append([]string{cmd, "--config=/etc/countyreport/portal.yaml"}, a.args...), Env: envs,
							VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/countyreport"}}}},
						Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: name}}}}},
					},
				},
			},
		})).To(Succeed())
	}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	g.Expect(err).NotTo(HaveOccurred())
	ports, err := OpenPortBook(filepath.Join(dir, "ports.json"), 28180, "--portal-port")
	g.Expect(err).NotTo(HaveOccurred())
	var events []string
	var mu = make(chan struct{}, 1)
	rt := &Runtime{Client: mgr.GetClient(), Admin: env.Config, Dir: portals, Ports: ports,
		Event: func(key types.NamespacedName, what, url string, err error) {
			t.Logf("portal %s %s %s %v", key, what, url, err)
			mu <- struct{}{}
			events = append(events, key.String()+" "+what+" "+url+" "+errString(err))
			<-mu
		}}
	g.Expect(rt.SetupWithManager(ctx, mgr)).To(Succeed())
	mctx, mcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { mcancel(); <-done; rt.Wait() }()

	for name, what := range names {
		key := types.NamespacedName{Namespace: ns, Name: name}
		g.Eventually(func(g Gomega) {
			got := &appsv1.Deployment{}
			g.Expect(c.Get(ctx, key, got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(ContainElement(And(
				HaveField("Type", appsv1.DeploymentAvailable), HaveField("Status", corev1.ConditionFalse),
				HaveField("Reason", "PortalFailed"))), what)
			for _, cond := range got.Status.Conditions {
				g.Expect(cond.Message).NotTo(ContainSubstring(marker), what)
				if cond.Type == appsv1.DeploymentAvailable {
					g.Expect(cond.Message).To(ContainSubstring(wants[name]), what)
				}
			}
		}, 30*time.Second).Should(Succeed())
		g.Expect(rt.URL(key)).To(BeEmpty(), what+": the portal runs")
	}
	mu <- struct{}{}
	for _, e := range events {
		g.Expect(e).NotTo(ContainSubstring(marker))
	}
	<-mu
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A symbolic link in the workload's folder that leads out of it (to
// another namespace's folder) is refused, in the configuration and in a
// flag, and the error shows nothing of the file behind it.
func TestConfineRefusesLinksOut(t *testing.T) {
	dir := t.TempDir()
	victim := victimFiles(t, dir)
	root := filepath.Join(dir, "county-a", "a-portal")
	etc := filepath.Join(root, "etc", "countyreport")
	if err := os.MkdirAll(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "county-b"), filepath.Join(etc, "b")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(etc, "accounts.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc/countyreport/b/b-portal/etc/countyreport/portal-secret/accounts.yaml", "etc/countyreport/accounts.yaml", "/etc/countyreport/b"} {
		got, err := Confine(root, p)
		if err == nil {
			t.Errorf("Confine(%q) = %q, want a refusal", p, got)
		} else if strings.Contains(err.Error(), marker) || strings.Contains(err.Error(), dir) {
			t.Errorf("the refusal shows more than the path: %v", err)
		}
	}
	// Through PortalOptions: the configuration's key and a flag.
	cfg := "countyCode: \"999001\"\naccountsFile: /etc/countyreport/accounts.yaml\n"
	if err := os.WriteFile(filepath.Join(etc, "portal.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &Workload{Args: []string{"portal", "--config=/etc/countyreport/portal.yaml"}, Env: map[string]string{}}
	if _, err := PortalOptions(w, root, "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "accountsFile") || strings.Contains(err.Error(), marker) {
		t.Errorf("a configuration naming a link out: %v", err)
	}
	w.Args = []string{"portal", "--config=/etc/countyreport/none.yaml", "--accounts=/etc/countyreport/b/b-portal/etc/countyreport/portal-secret/accounts.yaml"}
	if _, err := PortalOptions(w, root, "127.0.0.1:1"); err == nil || strings.Contains(err.Error(), marker) {
		t.Errorf("a flag naming a link out: %v", err)
	}
	// Inside the folder, paths that do not exist yet and links that stay in are fine.
	if err := os.Symlink(filepath.Join(etc, "portal.yaml"), filepath.Join(etc, "same.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc/countyreport/same.yaml", "/var/run/new/file", "relative/file"} {
		got, err := Confine(root, p)
		if err != nil || !strings.HasPrefix(got, root) {
			t.Errorf("Confine(%q) = %q, %v", p, got, err)
		}
	}
}

// FuzzConfine: whatever path a Deployment names, the answer is below the
// workload's folder or a refusal.
func FuzzConfine(f *testing.F) {
	root := f.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o700); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(root, "etc", "up")); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"/etc/countyreport/portal.yaml", "../../x", "etc/up/etc/passwd", "", ".", "/..//../a/./b"} {
		f.Add(s)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := Confine(root, p)
		if err != nil {
			return
		}
		if got != real && !strings.HasPrefix(got, real+string(os.PathSeparator)) {
			t.Fatalf("Confine(%q) = %q, outside %q", p, got, real)
		}
	})
}
