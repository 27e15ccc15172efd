package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Table is the nftables table (family inet) the enforcer owns: it is
// replaced whole on every change and deleted when the enforcer stops.
const Table = "countyreport-netpol"

// Input is everything the ruleset depends on: the API objects as the
// informers hold them, and the node whose pods are enforced.
type Input struct {
	Node       string
	Policies   []*networkingv1.NetworkPolicy
	Pods       []*corev1.Pod
	Namespaces []*corev1.Namespace
}

// pod is what the rules need of a Pod with an address.
type pod struct {
	ns, name string
	labels   labels.Set
	ips      []netip.Addr
	ports    []corev1.ContainerPort
	local    bool
}

func (p *pod) key() string { return p.ns + "/" + p.name }

// world indexes the input: pods that have an address (peers anywhere,
// targets on this node) and namespaces' labels.
type world struct {
	pods   []*pod
	nsLbls map[string]labels.Set
}

func index(in Input) *world {
	w := &world{nsLbls: map[string]labels.Set{}}
	for _, ns := range in.Namespaces {
		w.nsLbls[ns.Name] = labels.Set(ns.Labels)
	}
	for _, p := range in.Pods {
		if p.Spec.HostNetwork || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue // host-network pods are the node; finished pods' addresses may be reused
		}
		var ips []netip.Addr
		for _, ip := range p.Status.PodIPs {
			if a, err := netip.ParseAddr(ip.IP); err == nil {
				ips = append(ips, a.Unmap())
			}
		}
		if len(ips) == 0 {
			continue
		}
		var ports []corev1.ContainerPort
		for _, c := range p.Spec.Containers {
			ports = append(ports, c.Ports...)
		}
		w.pods = append(w.pods, &pod{ns: p.Namespace, name: p.Name, labels: labels.Set(p.Labels),
			ips: ips, ports: ports, local: p.Spec.NodeName == in.Node})
	}
	sort.Slice(w.pods, func(i, j int) bool { return w.pods[i].key() < w.pods[j].key() })
	return w
}

// Build returns the complete ruleset, as `nft -f` reads it, that enforces
// the policies for the pods on in.Node. It is a pure function of its
// input, and deterministic (sorted), so that an unchanged world gives an
// unchanged text. What cannot be understood (a bad selector or CIDR, an
// unknown protocol, a named port no container has) allows nothing.
func Build(in Input) string {
	w := index(in)
	pols := append([]*networkingv1.NetworkPolicy(nil), in.Policies...)
	sort.Slice(pols, func(i, j int) bool {
		return pols[i].Namespace+"/"+pols[i].Name < pols[j].Namespace+"/"+pols[j].Name
	})
	var fwd, input, chains []string
	n := 0
	for _, p := range w.pods {
		if !p.local {
			continue
		}
		ing, eg := w.chainBodies(p, pols)
		if ing == nil && eg == nil {
			continue // selected by no policy: unrestricted
		}
		c := sanitize(p.key())
		if ing != nil {
			name := fmt.Sprintf("in-%d", n)
			fwd = append(fwd, addrLines("daddr", p.ips, fmt.Sprintf("jump %s comment %q", name, c))...)
			chains = append(chains, chain(name, ing))
		}
		if eg != nil {
			name := fmt.Sprintf("out-%d", n)
			jump := addrLines("saddr", p.ips, fmt.Sprintf("jump %s comment %q", name, c))
			fwd = append(fwd, jump...)
			input = append(input, jump...)
			chains = append(chains, chain(name, eg))
		}
		n++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "table inet %s {\n", Table)
	b.WriteString(baseChain("forward", fwd))
	b.WriteString(baseChain("input", input))
	for _, c := range chains {
		b.WriteString(c)
	}
	b.WriteString("}\n")
	return b.String()
}

// baseChain: established and related traffic first, then a jump per
// isolated pod. The forward and input hooks come after prerouting, where
// kube-proxy DNATs, so a ClusterIP's traffic is seen with its backend
// pod's address and port (TestRulesetInNetns checks it).
func baseChain(hook string, jumps []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n", hook, hook)
	b.WriteString("\t\tct state established,related accept\n")
	for _, j := range jumps {
		fmt.Fprintf(&b, "\t\t%s\n", j)
	}
	b.WriteString("\t}\n")
	return b.String()
}

// chain: a pod's chain for one direction. An allowed packet returns to the
// base chain (which may still check the other end's ingress); the rest is
// rejected, so a refused connection fails at once instead of timing out.
func chain(name string, body []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\tchain %s {\n", name)
	for _, l := range body {
		fmt.Fprintf(&b, "\t\t%s\n", l)
	}
	b.WriteString("\t\treject with icmpx admin-prohibited\n\t}\n")
	return b.String()
}

// chainBodies returns the allow rules of p's ingress and egress chains;
// nil for a direction no policy isolates p in.
func (w *world) chainBodies(p *pod, pols []*networkingv1.NetworkPolicy) (ing, eg []string) {
	for _, pol := range pols {
		if pol.Namespace != p.ns || !selects(&pol.Spec.PodSelector, p.labels) {
			continue
		}
		in, out := policyTypes(pol)
		name := sanitize(pol.Namespace + "/" + pol.Name)
		if in {
			ing = append(ing, fmt.Sprintf("# %s: ingress", name))
			for _, r := range pol.Spec.Ingress {
				ing = append(ing, w.ingressRule(p, pol.Namespace, r)...)
			}
		}
		if out {
			eg = append(eg, fmt.Sprintf("# %s: egress", name))
			for _, r := range pol.Spec.Egress {
				eg = append(eg, w.egressRule(pol.Namespace, r)...)
			}
		}
	}
	return ing, eg
}

// policyTypes: as the API defaults them when policyTypes is empty, Ingress
// always and Egress when there are egress rules.
func policyTypes(pol *networkingv1.NetworkPolicy) (in, out bool) {
	if len(pol.Spec.PolicyTypes) == 0 {
		return true, len(pol.Spec.Egress) > 0
	}
	for _, t := range pol.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			in = true
		case networkingv1.PolicyTypeEgress:
			out = true
		}
	}
	return in, out
}

func selects(sel *metav1.LabelSelector, l labels.Set) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(l)
}

// sanitize keeps a name to the characters of Kubernetes names, so that
// nothing from the API can break out of an nft comment.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-./_", r) {
			return r
		}
		return '_'
	}, s)
}
