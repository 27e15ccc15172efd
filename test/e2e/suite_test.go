//go:build e2e

// Package e2e is the platform's end-to-end suite on a real node: the Helm
// chart installed with the project's own image, the sample tenants applied,
// portals, report Jobs, NetworkPolicies, leader election, faults and an
// upgrade, each a subtest of TestStories, in that order (each story builds
// on the state the ones before it left).
//
// It runs against the single-node cluster hack/e2e/node.sh starts (make
// e2e), whose kubeconfig, node address and MinIO it reads from
// $E2E_DIR/env (default <repo>/.e2e/env). docs/install-e2e.md says what each
// story proves. Nothing here reads the clock except polling deadlines; no
// timing is asserted.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage"
)

const (
	// release and releaseNS are the Helm release the suite installs.
	release   = "countyreport"
	releaseNS = "countyreport-system"
	// probeNS holds the probe pod: a namespace without NetworkPolicies,
	// the control side of every policy measurement.
	probeNS = "e2e-probe"
	// period is the samples' month (config/samples/datasets/*-2023-01.yaml).
	period = "2023-01"
)

// suite is what every story shares: the node's settings and clients.
type suite struct {
	root, dir  string
	kubeconfig string
	nodeIP     string
	etcdPort   string // etcd's client port (ETCD_ENDPOINT in env; 2379 when unset)
	minio      storage.Config
	archive    string // the project's image archive
	image      string // the project's image, e.g. countyreport:v0.1.0
	// currentImage is what the release runs now (image, then the upgrade's).
	currentImage string
	c            client.Client
	cs           *kubernetes.Clientset
	ctx          context.Context
	// probeImported is set once the probe's image is on the node.
	probeImported bool
}

func newSuite(t *testing.T) *suite {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("E2E_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".e2e")
	}
	env, err := readEnv(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatalf("%v: start the node first (make e2e-up, or make e2e, which runs this suite)", err)
	}
	s := &suite{root: root, dir: dir, ctx: context.Background()}
	for _, k := range []string{"KUBECONFIG", "NODE_IP", "MINIO_ENDPOINT", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} {
		if env[k] == "" {
			t.Fatalf("%s/env does not set %s (hack/e2e/node.sh up writes it)", dir, k)
		}
	}
	s.kubeconfig, s.nodeIP = env["KUBECONFIG"], env["NODE_IP"]
	s.etcdPort = "2379"
	if _, port, err := net.SplitHostPort(env["ETCD_ENDPOINT"]); err == nil {
		s.etcdPort = port
	}
	s.minio = storage.Config{Endpoint: env["MINIO_ENDPOINT"], AccessKey: env["MINIO_ROOT_USER"],
		SecretKey: env["MINIO_ROOT_PASSWORD"], Insecure: true}
	for _, tool := range []struct{ path, maker string }{
		{s.kubectl(), "make tools"}, {filepath.Join(root, "bin", "helm"), "make chart-tools"},
		{s.nodeSh(), "the e2e harness (hack/e2e)"},
	} {
		if _, err := os.Stat(tool.path); err != nil {
			t.Fatalf("%s is missing: %s provides it", tool.path, tool.maker)
		}
	}
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Fatalf("chromium is missing from the PATH: make deps installs Debian's chromium package")
	}
	// The project's image: bin/countyreport-image.tar, which node.sh up
	// imports; E2E_IMAGE_ARCHIVE names another archive, imported here.
	s.archive = filepath.Join(root, "bin", "countyreport-image.tar")
	if a := os.Getenv("E2E_IMAGE_ARCHIVE"); a != "" {
		s.archive = a
	}
	s.image, err = archiveImage(s.archive)
	if err != nil {
		t.Fatal(err)
	}
	s.currentImage = s.image
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", s.kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, v1alpha1.AddToScheme(scheme))
	s.c, err = client.New(cfg, client.Options{Scheme: scheme})
	must(t, err)
	s.cs, err = kubernetes.NewForConfig(cfg)
	must(t, err)
	if os.Getenv("E2E_IMAGE_ARCHIVE") != "" {
		s.importImage(t, s.archive)
	}
	t.Logf("node %s, MinIO %s, image %s, kubeconfig %s", s.nodeIP, s.minio.Endpoint, s.image, s.kubeconfig)
	return s
}

// readEnv reads KEY=VALUE lines (optionally `export`ed, optionally quoted).
func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "))
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		env[k] = strings.Trim(v, `"'`)
	}
	return env, sc.Err()
}

func (s *suite) kubectl() string { return filepath.Join(s.root, "bin", "k8s", "kubectl") }

// nodeSh is the harness script (E2E_NODE_SH overrides it, for a harness
// in another worktree).
func (s *suite) nodeSh() string {
	if p := os.Getenv("E2E_NODE_SH"); p != "" {
		return p
	}
	return filepath.Join(s.root, "hack", "e2e", "node.sh")
}

// run runs a command with the suite's kubeconfig and returns its combined
// output; a failure is returned with the output.
func (s *suite) run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.kubeconfig, "E2E_DIR="+s.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// mustRun is run that fails the test.
func (s *suite) mustRun(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := s.run(timeout, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kc runs kubectl.
func (s *suite) kc(t *testing.T, args ...string) string {
	t.Helper()
	return s.mustRun(t, 3*time.Minute, s.kubectl(), args...)
}

// importImage loads an image archive into the node's containerd.
func (s *suite) importImage(t *testing.T, archive string) {
	t.Helper()
	s.mustRun(t, 5*time.Minute, s.nodeSh(), "import", archive)
}

// eventually polls cond every interval until it reports done, failing the
// test with cond's last word and the namespaces' state after timeout.
// Deadlines are generous: the node shares two cores with everything else.
func (s *suite) eventually(t *testing.T, what string, timeout time.Duration, cond func() (bool, string), dumpNS ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		if time.Now().After(deadline) {
			s.dump(t, dumpNS...)
			t.Fatalf("%s: not done after %s: %s", what, timeout, last)
		}
		time.Sleep(2 * time.Second)
	}
}

// dump logs the pods, their logs and the events of each namespace, so a
// failure says what the cluster was doing.
func (s *suite) dump(t *testing.T, namespaces ...string) {
	t.Helper()
	for _, ns := range namespaces {
		out, _ := s.run(time.Minute, s.kubectl(), "-n", ns, "get", "pods,jobs,deploy,svc,endpointslices,networkpolicies", "-o", "wide")
		t.Logf("--- %s: objects\n%s", ns, out)
		out, _ = s.run(time.Minute, s.kubectl(), "-n", ns, "describe", "pods")
		t.Logf("--- %s: pods\n%s", ns, tail(out, 12000))
		out, _ = s.run(time.Minute, s.kubectl(), "-n", ns, "logs", "--all-containers", "--prefix", "--tail=60",
			"-l", "app.kubernetes.io/managed-by", "--ignore-errors")
		t.Logf("--- %s: logs of the managed pods\n%s", ns, out)
		out, _ = s.run(time.Minute, s.kubectl(), "-n", ns, "get", "events", "--sort-by=.lastTimestamp")
		t.Logf("--- %s: events\n%s", ns, tail(out, 8000))
	}
	if len(namespaces) > 0 {
		out, _ := s.run(time.Minute, s.kubectl(), "-n", releaseNS, "logs", "--all-containers", "--prefix", "--tail=80",
			"-l", "app.kubernetes.io/component=manager", "--ignore-errors")
		t.Logf("--- the managers' logs\n%s", out)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// podReady reports whether the pod is Running with every container ready.
func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// crashLooping names a pod whose container restarted three times or more:
// waiting longer will not help, and its logs say why.
func crashLooping(pods []corev1.Pod) string {
	for _, p := range pods {
		for _, cs := range p.Status.ContainerStatuses {
			if cs.RestartCount >= 3 {
				return fmt.Sprintf("%s/%s container %s restarted %d times", p.Namespace, p.Name, cs.Name, cs.RestartCount)
			}
		}
	}
	return ""
}

// podsState is one line per pod, for failure messages.
func podsState(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "%s phase=%s ready=%v", p.Name, p.Status.Phase, podReady(&p))
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Waiting != nil {
				fmt.Fprintf(&b, " %s waiting: %s %s", cs.Name, cs.State.Waiting.Reason, cs.State.Waiting.Message)
			}
			if cs.State.Terminated != nil {
				fmt.Fprintf(&b, " %s terminated: %s", cs.Name, cs.State.Terminated.Reason)
			}
		}
		b.WriteString("; ")
	}
	if b.Len() == 0 {
		return "no pods"
	}
	return b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
