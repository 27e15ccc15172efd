//go:build e2e

package main

// TestRulesetInNetns runs Build's ruleset in the kernel: three network
// namespaces of its own (a "node" with a bridge and two "pods" on it, as
// on the e2e node), a DNAT like kube-proxy's, the probe
// (test/e2e/nodeprobe) listening and dialling. It needs root, ip and nft,
// and touches nothing outside its namespaces. Run by `make e2e`
// (hack/e2e/run.sh): go test -tags e2e ./hack/e2e/netpol/.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestRulesetInNetns(t *testing.T) {
	for _, c := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Fatalf("no %s command: apt-get install iproute2 nftables (make e2e-tools does)", c)
		}
	}
	probe := filepath.Join(t.TempDir(), "probe")
	sh(t, "go", "build", "-o", probe, "../../../test/e2e/nodeprobe")
	id := fmt.Sprint(os.Getpid() % 100000)
	nodeNS, client, server := "npt-node-"+id, "npt-c-"+id, "npt-s-"+id
	t.Cleanup(func() {
		for _, n := range []string{nodeNS, client, server} {
			exec.Command("ip", "netns", "del", n).Run()
		}
	})
	in := func(ns string, args ...string) []string { return append([]string{"ip", "netns", "exec", ns}, args...) }
	for _, n := range []string{nodeNS, client, server} {
		sh(t, "ip", "netns", "add", n)
		sh(t, in(n, "ip", "link", "set", "lo", "up")...)
	}
	sh(t, in(nodeNS, "ip", "link", "add", "br0", "type", "bridge")...)
	sh(t, in(nodeNS, "ip", "addr", "add", "10.99.0.1/24", "dev", "br0")...)
	sh(t, in(nodeNS, "ip", "link", "set", "br0", "up")...)
	sh(t, in(nodeNS, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.bridge.bridge-nf-call-iptables=1")...)
	for ip, n := range map[string]string{"10.99.0.10": client, "10.99.0.11": server} {
		sh(t, in(nodeNS, "ip", "link", "add", "v"+ip[len(ip)-2:], "type", "veth", "peer", "name", "eth0", "netns", n)...)
		sh(t, in(nodeNS, "ip", "link", "set", "v"+ip[len(ip)-2:], "master", "br0", "up")...)
		sh(t, in(n, "ip", "addr", "add", ip+"/24", "dev", "eth0")...)
		sh(t, in(n, "ip", "link", "set", "eth0", "up")...)
		sh(t, in(n, "ip", "route", "add", "default", "via", "10.99.0.1")...)
	}
	// A Service as kube-proxy makes one: 10.98.0.1:80 is the server's
	// 8080, 10.98.0.2:80 its 7070 (DNAT at dstnat, before netpol's chains).
	nftIn(t, nodeNS, `table ip npt-nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.98.0.1 tcp dport 80 dnat to 10.99.0.11:8080
		ip daddr 10.98.0.2 tcp dport 80 dnat to 10.99.0.11:7070
	}
}
`)
	listen(t, in(nodeNS, probe, "listen", "10.99.0.1:9000"))
	listen(t, in(server, probe, "listen", ":8080", ":7070"))
	listen(t, in(client, probe, "listen", ":7070"))

	dial := func(from, addr string) bool {
		return exec.Command("ip", "netns", "exec", from, probe, "dial", addr).Run() == nil
	}
	checks := []struct {
		from, addr string
		open       bool // with the policies
		why        string
	}{
		{client, "10.99.0.11:8080", true, "egress 8080 to the server, its ingress http from the client"},
		{client, "10.98.0.1:80", true, "the same through a DNAT"},
		{client, "10.98.0.2:80", false, "DNAT to 7070: matched after DNAT, refused"},
		{client, "10.99.0.11:7070", false, "egress: 8080 only"},
		{client, "10.99.0.1:9000", false, "egress to the node's own address"},
		{server, "10.99.0.1:9000", true, "the server has no egress policy"},
		{server, "10.99.0.10:7070", true, "the client has no ingress policy"},
	}
	for _, c := range checks { // controls: all open without the table
		waitDial(t, dial, c.from, c.addr, true, "control")
	}
	nftIn(t, nodeNS, "table inet "+Table+"\ndelete table inet "+Table+"\n"+Build(netnsInput()))
	for _, c := range checks {
		waitDial(t, dial, c.from, c.addr, c.open, c.why)
	}
}

// netnsInput: a/client and a/server (named port http 8080) on this node;
// the server takes http from the client, the client may reach its 8080.
func netnsInput() Input {
	ing, eg := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	sin := policy("a", "server-in", map[string]string{"app": "server"}, ing)
	sin.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  []networkingv1.NetworkPolicyPeer{{PodSelector: labelSel("app", "client")}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromString("http"))},
	}}
	cout := policy("a", "client-out", map[string]string{"app": "client"}, eg)
	cout.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    []networkingv1.NetworkPolicyPeer{{PodSelector: labelSel("app", "server")}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromInt32(8080))},
	}}
	return Input{
		Node:       node,
		Namespaces: []*corev1.Namespace{ns("a", "a")},
		Pods: []*corev1.Pod{
			mkPod("a", "client", "client", node, "10.99.0.10"),
			mkPod("a", "server", "server", node, "10.99.0.11", corev1.ContainerPort{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}),
		},
		Policies: []*networkingv1.NetworkPolicy{sin, cout},
	}
}

// waitDial waits (listeners start, rules apply) until the dial gives
// want, then checks it twice more.
func waitDial(t *testing.T, dial func(string, string) bool, from, addr string, want bool, why string) {
	t.Helper()
	expired := time.After(time.Minute) // a polling limit, not a date
	for dial(from, addr) != want {
		select {
		case <-expired:
			t.Fatalf("%s -> %s: open=%v, want %v (%s)", from, addr, !want, want, why)
		case <-time.After(200 * time.Millisecond):
		}
	}
	for i := 0; i < 2; i++ {
		if dial(from, addr) != want {
			t.Fatalf("%s -> %s: flapped, want open=%v (%s)", from, addr, want, why)
		}
	}
}

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func nftIn(t *testing.T, ns, script string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft -f in %s: %v: %s\n%s", ns, err, out, script)
	}
}

func listen(t *testing.T, args []string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}
