//go:build e2e

package e2e

// The node enforces NetworkPolicies (hack/e2e/netpol): measured with a
// probe (test/e2e/nodeprobe) in three pods, pod to pod, through a
// ClusterIP and from a pod to the node's own address, each "refused"
// after its control (the same target answering before the policies), and
// open again once the policies are gone.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	netpolNSA   = "e2e-node-netpol-a"
	netpolNSB   = "e2e-node-netpol-b"
	probeRef    = "countyreport.local/nodeprobe:e2e"
	probeBinary = "/pause" // where hack/e2e/pause puts the program
)

func TestNodeNetworkPolicy(t *testing.T) {
	e := loadNodeEnv(t)
	if e.nodeIP == "" {
		t.Fatalf("%s/env lacks NODE_IP (hack/e2e/node.sh up writes it)", e.dir)
	}
	importProbe(t, e)
	applyOK(t, e, strings.ReplaceAll(netpolPods, "IMAGE", probeRef))
	t.Cleanup(func() { e.kubectl(t, "", "delete", "namespace", netpolNSA, netpolNSB, "--wait=false") })
	for _, ns := range []string{netpolNSA, netpolNSB} {
		if out, err := e.kubectl(t, "", "-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=180s"); err != nil {
			t.Fatalf("pods of %s not Ready: %v: %s", ns, err, out)
		}
	}
	server := podIP(t, e, netpolNSA, "server")
	other := podIP(t, e, netpolNSB, "other")
	svc, err := e.kubectl(t, "", "-n", netpolNSA, "get", "service", "server", "-o", "jsonpath={.spec.clusterIP}")
	if err != nil {
		t.Fatalf("service server: %v: %s", err, svc)
	}
	node := func(port string) string { return net.JoinHostPort(e.nodeIP, port) }
	a, b := func(p string) probeAt { return probeAt{netpolNSA, p} }, func(p string) probeAt { return probeAt{netpolNSB, p} }

	type check struct {
		from probeAt
		what string
		addr string
	}
	client, o := a("client"), b("other")
	opened := []check{ // allowed by the policies below
		{client, "the server's named port http", net.JoinHostPort(server, "8080")},
		{client, "the server's Service (ClusterIP, DNAT to http)", net.JoinHostPort(svc, "80")},
		{o, "the server's 9090, from namespace b's pod app=other", net.JoinHostPort(server, "9090")},
		{client, "MinIO on the node IP (ipBlock /32)", node("9000")},
		{o, "the client, which no ingress policy selects", net.JoinHostPort(podIP(t, e, netpolNSA, "client"), "7070")},
	}
	closed := []check{ // refused by them
		{client, "the server's 9090 (ingress from client: http only)", net.JoinHostPort(server, "9090")},
		{o, "the server's http (ingress from b: 9090 only)", net.JoinHostPort(server, "8080")},
		{client, "the other namespace's pod (egress)", net.JoinHostPort(other, "7070")},
		{client, "the kubelet on the node IP (egress to the node)", node("10250")},
		{client, "the API server on the node IP (ipBlock except)", node("6443")},
	}
	for _, c := range append(append([]check(nil), opened...), closed...) {
		reachesNode(t, e, c.from, c.what+" (control, no policy yet)", c.addr)
	}
	applyOK(t, e, strings.ReplaceAll(netpolPolicies, "NODE_IP", e.nodeIP))
	for _, c := range opened {
		reachesNode(t, e, c.from, c.what, c.addr)
	}
	for _, c := range closed {
		refusedNode(t, e, c.from, c.what, c.addr)
	}
	if out, err := e.kubectl(t, "", "-n", netpolNSA, "delete", "networkpolicy", "--all"); err != nil {
		t.Fatalf("delete the policies: %v: %s", err, out)
	}
	for _, c := range closed {
		reachesNode(t, e, c.from, c.what+" (policies deleted)", c.addr)
	}
}

type probeAt struct{ ns, pod string }

// importProbe builds test/e2e/nodeprobe into an image with hack/e2e/pause
// and imports it into the node (hack/e2e/node.sh import, as root).
func importProbe(t *testing.T, e nodeEnv) {
	tmp := t.TempDir()
	gen := filepath.Join(tmp, "imagegen")
	run := func(dir string, name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "E2E_DIR="+e.dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
	}
	run(filepath.Join(e.root, "hack", "e2e", "pause"), "go", "build", "-o", gen, ".")
	archive := filepath.Join(tmp, "nodeprobe.tar")
	run(e.root, gen, "-program", "./test/e2e/nodeprobe", "-ref", probeRef, "-out", archive)
	run(e.root, filepath.Join(e.root, "hack", "e2e", "node.sh"), "import", archive)
}

// applyOK applies a manifest, retried for a minute: a new namespace has
// no default ServiceAccount for a moment, and its pods are refused until then.
func applyOK(t *testing.T, e nodeEnv, manifest string) {
	t.Helper()
	var out string
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		if out, err = e.kubectl(t, manifest, "apply", "-f", "-"); err == nil {
			return
		}
	}
	t.Fatalf("kubectl apply: %v: %s", err, out)
}

func podIP(t *testing.T, e nodeEnv, ns, pod string) string {
	t.Helper()
	out, err := e.kubectl(t, "", "-n", ns, "get", "pod", pod, "-o", "jsonpath={.status.podIP}")
	if err != nil || out == "" {
		t.Fatalf("pod %s/%s has no IP: %v: %s", ns, pod, err, out)
	}
	return out
}

func dialFrom(t *testing.T, e nodeEnv, p probeAt, addr string) (bool, string) {
	out, err := e.kubectl(t, "", "-n", p.ns, "exec", p.pod, "--", probeBinary, "dial", addr)
	return err == nil, strings.TrimSpace(out)
}

// reachesNode waits until addr answers the probe (rules take a moment).
func reachesNode(t *testing.T, e nodeEnv, p probeAt, what, addr string) {
	t.Helper()
	var word string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		var ok bool
		if ok, word = dialFrom(t, e, p, addr); ok {
			return
		}
	}
	t.Fatalf("%s/%s does not reach %s (%s): %s", p.ns, p.pod, what, addr, word)
}

// refusedNode waits until addr is refused to the probe, then checks that
// it stays refused twice more (one miss proves nothing).
func refusedNode(t *testing.T, e nodeEnv, p probeAt, what, addr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, word := dialFrom(t, e, p, addr)
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still reaches %s (%s): %s", p.ns, p.pod, what, addr, word)
		}
		time.Sleep(time.Second)
	}
	for i := 0; i < 2; i++ {
		if ok, word := dialFrom(t, e, p, addr); ok {
			t.Fatalf("%s/%s reached %s (%s) after it was refused: %s", p.ns, p.pod, what, addr, word)
		}
	}
	t.Logf("refused: %s/%s -> %s (%s)", p.ns, p.pod, what, addr)
}

// netpolPods: namespaces a and b; in a, a server with the named ports
// http (8080) and metrics (9090) behind a Service, and a client; in b,
// another pod. Every probe also listens on 7070.
var netpolPods = fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s, labels: {e2e-node-netpol: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: %[2]s, labels: {e2e-node-netpol: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: %[1]s, labels: {app: server}}
spec:
  automountServiceAccountToken: false
  containers:
  - {name: probe, image: IMAGE, imagePullPolicy: Never, args: [listen, ":8080", ":9090", ":7070"],
     ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: %[1]s}
spec:
  selector: {app: server}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: %[1]s, labels: {app: client}}
spec:
  automountServiceAccountToken: false
  containers:
  - {name: probe, image: IMAGE, imagePullPolicy: Never, args: [listen, ":7070"]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: %[2]s, labels: {app: other}}
spec:
  automountServiceAccountToken: false
  containers:
  - {name: probe, image: IMAGE, imagePullPolicy: Never, args: [listen, ":7070"]}
`, netpolNSA, netpolNSB)

// netpolPolicies: the server takes http from the client and 9090 from
// namespace b's app=other; the client may reach the server's 8080, MinIO
// on the node IP, and port 6443 in 10.241.0.0/16 except the node IP.
var netpolPolicies = fmt.Sprintf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-in, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
  - from: [{namespaceSelector: {matchLabels: {e2e-node-netpol: b}}, podSelector: {matchLabels: {app: other}}}]
    ports: [{port: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-out, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: server}}}]
    ports: [{port: 8080}]
  - to: [{ipBlock: {cidr: NODE_IP/32}}]
    ports: [{port: 9000}]
  - to: [{ipBlock: {cidr: 10.241.0.0/16, except: [NODE_IP/32]}}]
    ports: [{port: 6443}]
`, netpolNSA)
