// Package install tests what municipal IT install and what the operator
// creates in their cluster, against a real API server: the Helm chart and
// the kustomization applied with server-side dry run, and every pod template
// the project makes admitted by the API server's own Pod Security admission
// at level "restricted". It has no code of its own.
package install

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/tenant"
	"github.com/countyreport/countyreport/internal/testenv"
)

const chartNamespace = "countyreport-system"

var env *testenv.Env

func TestMain(m *testing.M) {
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

func newClient(t *testing.T) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// helm renders the chart with the given values files (none: the defaults).
func helm(t *testing.T, valuesFiles ...string) string {
	t.Helper()
	bin := filepath.Join(env.Root, "bin", "helm")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run `make helm` (make test builds it)", bin)
	}
	args := []string{"template", "countyreport", filepath.Join(env.Root, "charts", "countyreport"), "--namespace", chartNamespace, "--include-crds"}
	for _, f := range valuesFiles {
		args = append(args, "--values", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// installMonitoringCRDs installs prometheus-operator's ServiceMonitor and
// PrometheusRule CRDs (fetched by `make monitoring-crds`), so the API server
// checks the chart's objects of those kinds against their real schemas.
func installMonitoringCRDs(t *testing.T) {
	t.Helper()
	dir := filepath.Join(env.Root, "bin", "crds", "monitoring")
	if _, err := os.Stat(filepath.Join(dir, "monitoring.coreos.com_servicemonitors.yaml")); err != nil {
		t.Fatalf("prometheus-operator's CRDs are missing from %s: run `make monitoring-crds` (make test fetches them)", dir)
	}
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: []string{dir}, ErrorIfPathMissing: true}); err != nil {
		t.Fatal(err)
	}
}

func ensureNamespace(t *testing.T, c client.Client, name string, labels map[string]string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := c.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// TestChartAcceptedByAPIServer renders the chart with its defaults and with
// every switch on (ci/full-values.yaml), and has the API server check every
// object with a server-side dry-run apply.
func TestChartAcceptedByAPIServer(t *testing.T) {
	c := newClient(t)
	installMonitoringCRDs(t)
	ensureNamespace(t, c, chartNamespace, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	// ci/full-values.yaml watches these two; the chart puts the manager's Roles there.
	for _, ns := range []string{"county-hengshan", "county-hengnan"} {
		ensureNamespace(t, c, ns, nil)
	}
	for name, values := range map[string][]string{
		"defaults": nil,
		"full":     {filepath.Join(env.Root, "charts", "countyreport", "ci", "full-values.yaml")},
	} {
		t.Run(name, func(t *testing.T) {
			manifests := helm(t, values...)
			kinds := kindsOf(t, manifests)
			for _, want := range []string{"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "PodDisruptionBudget", "NetworkPolicy"} {
				if !kinds[want] {
					t.Errorf("the chart rendered no %s (kinds: %v)", want, kinds)
				}
			}
			if name == "full" && (!kinds["ServiceMonitor"] || !kinds["PrometheusRule"]) {
				t.Errorf("full values rendered no ServiceMonitor or PrometheusRule (kinds: %v)", kinds)
			}
			out, err := env.RunKubectl(manifests, "apply", "--server-side", "--dry-run=server", "--field-manager=helm-check", "-f", "-")
			if err != nil {
				t.Fatalf("the API server refused the chart's manifests:\n%s", out)
			}
		})
	}
}

// TestChartRefusesWrongValue: values.schema.json names the wrong key.
func TestChartRefusesWrongValue(t *testing.T) {
	bin := filepath.Join(env.Root, "bin", "helm")
	for set, want := range map[string]string{
		"runs.executor=threads":     "/runs/executor",
		"storage.endpiont=minio:1":  "endpiont",
		"replicas=many":             "/replicas",
		"storage.credentialsTTL=1w": "/storage/credentialsTTL",
	} {
		out, err := exec.Command(bin, "template", "t", filepath.Join(env.Root, "charts", "countyreport"), "--set", set).CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("--set %s: err %v, output does not name %q:\n%s", set, err, want, out)
		}
	}
}

// TestKustomizationAcceptedByAPIServer: config/default, as `kubectl apply -k` sends it.
func TestKustomizationAcceptedByAPIServer(t *testing.T) {
	out, err := env.RunKubectl("", "apply", "--server-side", "--dry-run=server", "--field-manager=kustomize-check", "-k", filepath.Join(env.Root, "config", "default"))
	if err != nil {
		t.Fatalf("the API server refused config/default:\n%s", out)
	}
}

func kindsOf(t *testing.T, manifests string) map[string]bool {
	t.Helper()
	kinds := map[string]bool{}
	for _, doc := range splitYAML(t, manifests) {
		var m struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		kinds[m.Kind] = true
	}
	return kinds
}

func splitYAML(t *testing.T, s string) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(s)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) > 0 && !isComment(doc) {
			docs = append(docs, doc)
		}
	}
}

func isComment(doc []byte) bool {
	for _, l := range strings.Split(string(doc), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// deployments returns the Deployments in rendered manifests.
func deployments(t *testing.T, manifests string) []appsv1.Deployment {
	t.Helper()
	var out []appsv1.Deployment
	for _, doc := range splitYAML(t, manifests) {
		var d appsv1.Deployment
		if err := yaml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Deployment" {
			out = append(out, d)
		}
	}
	return out
}

// hengshan is the sample county, read from config/samples.
func hengshan(t *testing.T) *v1alpha1.CountyReport {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(env.Root, "config", "samples", "hengshan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range splitYAML(t, string(raw)) {
		var cr v1alpha1.CountyReport
		if err := yaml.Unmarshal(doc, &cr); err != nil {
			t.Fatal(err)
		}
		if cr.Kind == "CountyReport" {
			cr.Spec.Portal.AccountsSecretName = "hengshan-accounts" // every volume the portal can have
			return &cr
		}
	}
	t.Fatal("no CountyReport in config/samples/hengshan.yaml")
	return nil
}

// TestPodSecurityRestricted creates a Pod from every pod template the
// project makes — the manager's (chart, defaults and full values, and
// config/manager), each portal's, each report Job's — in a namespace that
// enforces Pod Security "restricted", with server-side dry run, so the API
// server's own PodSecurity admission judges them. A template made to break
// the level is refused, which shows the admission is really on.
func TestPodSecurityRestricted(t *testing.T) {
	c := newClient(t)
	const ns = "psa-restricted"
	ensureNamespace(t, c, ns, map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
	})
	templates := map[string]corev1.PodTemplateSpec{}
	for name, values := range map[string][]string{
		"chart defaults": nil,
		"chart full":     {filepath.Join(env.Root, "charts", "countyreport", "ci", "full-values.yaml")},
	} {
		for _, d := range deployments(t, helm(t, values...)) {
			templates["manager ("+name+")"] = d.Spec.Template
		}
	}
	kustomized, err := env.RunKubectl("", "kustomize", filepath.Join(env.Root, "config", "default"))
	if err != nil {
		t.Fatal(kustomized)
	}
	for _, d := range deployments(t, kustomized) {
		templates["manager (config/default)"] = d.Spec.Template
	}
	cr := hengshan(t)
	in := tenant.Inputs{PortalImage: "countyreport:test", StorageEndpoint: "10.0.0.5:9000", CredentialsSecretName: "hengshan-storage", CredentialsHash: "h"}
	templates["portal"] = tenant.Deployment(cr, in, "hash").Spec.Template
	run := &v1alpha1.ReportRun{ObjectMeta: metav1.ObjectMeta{Name: "hengshan-2023-01", Namespace: ns},
		Spec: v1alpha1.ReportRunSpec{CountyReportName: cr.Name, Period: "2023-01"}, Status: v1alpha1.ReportRunStatus{Attempts: 1}}
	templates["report Job"] = executor.MakeJob(run, cr, executor.JobOptions{Image: "countyreport:test", Sign: true}).Spec.Template
	if len(templates) != 5 {
		t.Fatalf("expected 5 pod templates, have %d: %v", len(templates), templates)
	}

	create := func(tmpl corev1.PodTemplateSpec) error {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "psa-", Namespace: ns, Labels: tmpl.Labels}, Spec: tmpl.Spec}
		return c.Create(context.Background(), pod, client.DryRunAll)
	}
	for name, tmpl := range templates {
		if err := create(tmpl); err != nil {
			t.Errorf("%s: refused by Pod Security \"restricted\": %v", name, err)
		}
	}

	// The check is real: the portal's template with one setting loosened is refused.
	portalTmpl := templates["portal"]
	broken := *portalTmpl.DeepCopy()
	broken.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
	err = create(broken)
	if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `violates PodSecurity "restricted`) {
		t.Fatalf("a portal pod allowing privilege escalation was not refused by Pod Security admission: %v", err)
	}
}
