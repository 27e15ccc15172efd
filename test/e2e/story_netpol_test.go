//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// storyNetworkPolicies measures the portals' NetworkPolicies from inside a
// real portal pod (the probe as an ephemeral container shares its network):
// out, storage and the API server and nothing else; in, the portal's two
// ports and nothing else. Each "refused" has its control: the same target
// answers the probe pod of a namespace without policies, so a refusal is
// the policy's doing, not a target that is not there.
func (s *suite) storyNetworkPolicies(t *testing.T) {
	s.ensureProbePod(t)
	a, b := counties[0], counties[1] // 衡阳县, 衡南县
	pa := s.waitPortalReady(t, a, 5*time.Minute, nil)
	pb := s.waitPortalReady(t, b, 5*time.Minute, nil)
	pc := s.waitPortalReady(t, city, 5*time.Minute, nil)
	s.attachProbe(t, pa)
	api := s.apiServerService(t)
	mgr := s.managerPodIP(t)
	bSvc, err := s.clusterIP(b)
	must(t, err)
	portal := strconv.Itoa(8080)

	// Out: what the policy allows; the API server only at its own address
	// (the chart's networkPolicy.apiServerCIDRs, helmValues).
	s.apiEgressPinned(t, a.ns)
	s.reaches(t, a.ns, pa.Name, "storage", s.minio.Endpoint)
	s.reaches(t, a.ns, pa.Name, "the API server (Service kubernetes)", api)

	// Out: what it does not, each after its control.
	for _, target := range []struct{ what, addr string }{
		{b.name + "'s portal pod", net.JoinHostPort(pb.Status.PodIP, portal)},
		{b.name + "'s portal Service", net.JoinHostPort(bSvc, "80")},
		{"the city's portal pod", net.JoinHostPort(pc.Status.PodIP, portal)},
		{"the manager's metrics", net.JoinHostPort(mgr, "8443")},
		{"the manager's probes", net.JoinHostPort(mgr, "8081")},
	} {
		s.reaches(t, probeNS, "probe", target.what+" (control)", target.addr)
		s.refused(t, a.ns, pa.Name, target.what, target.addr)
	}
	// The node's own address: netpol (hack/e2e/netpol) filters a pod's
	// traffic to its own node too (the input hook), which the Kubernetes
	// documentation leaves to the implementation: the portal reaches the
	// API server there (its policy's rule), not the kubelet. etcd listens
	// on the node's loopback only (the harness's choice): no pod reaches
	// it, policy or not.
	kubelet := net.JoinHostPort(s.nodeIP, "10250")
	s.reaches(t, probeNS, "probe", "the kubelet on the node's address (control)", kubelet)
	s.refused(t, a.ns, pa.Name, "the kubelet on the node's address", kubelet)
	etcd := net.JoinHostPort(s.nodeIP, s.etcdPort)
	if ok, _ := s.dial(probeNS, "probe", etcd); !ok {
		t.Logf("etcd (%s) does not answer pods at all: it listens on the node's loopback", etcd)
	}
	s.refused(t, a.ns, pa.Name, "etcd", etcd)

	// In: the portal's ports open, any other port of its pod closed (the
	// probe listens on probePort inside the portal's pod: it answers there).
	s.reaches(t, a.ns, pa.Name, "the probe's own port from inside the pod", fmt.Sprintf("127.0.0.1:%d", probePort))
	s.reaches(t, probeNS, "probe", a.name+"'s portal port", net.JoinHostPort(pa.Status.PodIP, portal))
	s.reaches(t, probeNS, "probe", a.name+"'s metrics port", net.JoinHostPort(pa.Status.PodIP, "9090"))
	s.refused(t, probeNS, "probe", a.name+"'s pod on a port its policy does not open",
		net.JoinHostPort(pa.Status.PodIP, strconv.Itoa(probePort)))
}

// apiServerService is host:port of the kubernetes Service, as a pod sees
// the API server (KUBERNETES_SERVICE_HOST).
func (s *suite) apiServerService(t *testing.T) string {
	t.Helper()
	svc, err := s.cs.CoreV1().Services("default").Get(s.ctx, "kubernetes", metav1.GetOptions{})
	must(t, err)
	return net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(svc.Spec.Ports[0].Port)))
}

// managerPodIP is a Ready manager's pod address.
func (s *suite) managerPodIP(t *testing.T) string {
	t.Helper()
	var pods corev1.PodList
	must(t, s.c.List(s.ctx, &pods, client.InNamespace(releaseNS), managerSelector))
	for i := range pods.Items {
		if podReady(&pods.Items[i]) {
			return pods.Items[i].Status.PodIP
		}
	}
	t.Fatalf("no Ready manager: %s", podsState(pods.Items))
	return ""
}

// apiEgressPinned checks that the county's portal NetworkPolicy lets it
// reach the API server's port 6443 at the node's address only: the
// manager's --portal-apiserver-cidrs, from the chart's values, reached
// the policy the operator built.
func (s *suite) apiEgressPinned(t *testing.T, ns string) {
	t.Helper()
	var list networkingv1.NetworkPolicyList
	must(t, s.c.List(s.ctx, &list, client.InNamespace(ns)))
	want := s.nodeIP + "/32"
	for _, np := range list.Items {
		for _, rule := range np.Spec.Egress {
			for _, p := range rule.Ports {
				if p.Port == nil || p.Port.IntValue() != 6443 {
					continue
				}
				if len(rule.To) == 1 && rule.To[0].IPBlock != nil && rule.To[0].IPBlock.CIDR == want {
					return
				}
				t.Fatalf("%s/%s: the API server egress rule reaches %+v, want only %s", ns, np.Name, rule.To, want)
			}
		}
	}
	t.Fatalf("%s: no NetworkPolicy egress rule to the API server's port 6443", ns)
}
