package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// peers is what a rule's from/to list resolves to: all addresses, or the
// pods it selects and the CIDRs (less their exceptions) it names.
type peers struct {
	any    bool
	pods   []*pod
	blocks []block
}

type block struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

func (b block) contains(a netip.Addr) bool {
	if !b.cidr.Contains(a) {
		return false
	}
	for _, e := range b.except {
		if e.Contains(a) {
			return false
		}
	}
	return true
}

// resolve: an empty list is every address; a peer with a podSelector
// and/or namespaceSelector selects pods (in the policy's namespace when it
// has no namespaceSelector); an ipBlock is a CIDR with exceptions.
func (w *world) resolve(policyNS string, list []networkingv1.NetworkPolicyPeer) peers {
	if len(list) == 0 {
		return peers{any: true}
	}
	var ps peers
	seen := map[*pod]bool{}
	for _, peer := range list {
		if peer.IPBlock != nil {
			if b, ok := parseBlock(peer.IPBlock); ok {
				ps.blocks = append(ps.blocks, b)
			}
			continue
		}
		if peer.PodSelector == nil && peer.NamespaceSelector == nil {
			continue // invalid (the API refuses it): selects nothing
		}
		for _, p := range w.pods {
			if !seen[p] && w.peerSelects(policyNS, peer, p) {
				seen[p] = true
				ps.pods = append(ps.pods, p)
			}
		}
	}
	return ps
}

func (w *world) peerSelects(policyNS string, peer networkingv1.NetworkPolicyPeer, p *pod) bool {
	if peer.NamespaceSelector == nil {
		if p.ns != policyNS {
			return false
		}
	} else if !selects(peer.NamespaceSelector, w.nsLbls[p.ns]) {
		return false
	}
	return peer.PodSelector == nil || selects(peer.PodSelector, p.labels)
}

// parseBlock keeps the exceptions of the CIDR's family, without those
// inside another exception (nft refuses overlapping set elements).
func parseBlock(ib *networkingv1.IPBlock) (block, bool) {
	cidr, err := netip.ParsePrefix(ib.CIDR)
	if err != nil {
		return block{}, false
	}
	b := block{cidr: cidr.Masked()}
	var ex []netip.Prefix
	for _, s := range ib.Except {
		e, err := netip.ParsePrefix(s)
		if err != nil {
			return block{}, false // a wrong exception must not widen the block
		}
		if e.Addr().Is4() == cidr.Addr().Is4() {
			ex = append(ex, e.Masked())
		}
	}
	sort.Slice(ex, func(i, j int) bool { return ex[i].Bits() < ex[j].Bits() })
	for _, e := range ex {
		covered := false
		for _, k := range b.except {
			covered = covered || k.Contains(e.Addr())
		}
		if !covered {
			b.except = append(b.except, e)
		}
	}
	sort.Slice(b.except, func(i, j int) bool { return b.except[i].String() < b.except[j].String() })
	return b, true
}

// matches renders peers as nft address matches on dir ("saddr"/"daddr"),
// one per family and block; [""] for any address.
func (ps peers) matches(dir string) []string {
	if ps.any {
		return []string{""}
	}
	var ips []netip.Addr
	for _, p := range ps.pods {
		ips = append(ips, p.ips...)
	}
	out := addrLines(dir, ips, "")
	for _, b := range ps.blocks {
		f := family(b.cidr.Addr())
		m := fmt.Sprintf("%s %s %s", f, dir, b.cidr)
		if len(b.except) > 0 {
			m += fmt.Sprintf(" %s %s != %s", f, dir, set(b.except))
		}
		out = append(out, m)
	}
	return out
}

// addrLines: "ip <dir> { a, b } <suffix>", and the same for ip6, for the
// families present.
func addrLines[T fmt.Stringer](dir string, addrs []T, suffix string) []string {
	var v4, v6 []T
	for _, a := range addrs {
		if strings.Contains(a.String(), ":") {
			v6 = append(v6, a)
		} else {
			v4 = append(v4, a)
		}
	}
	var out []string
	for _, g := range []struct {
		f  string
		as []T
	}{{"ip", v4}, {"ip6", v6}} {
		if len(g.as) > 0 {
			out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", g.f, dir, set(g.as), suffix)))
		}
	}
	return out
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "ip"
	}
	return "ip6"
}

// set renders { a, b } sorted and without duplicates.
func set[T fmt.Stringer](xs []T) string {
	seen := map[string]bool{}
	var s []string
	for _, x := range xs {
		if k := x.String(); !seen[k] {
			seen[k] = true
			s = append(s, k)
		}
	}
	sort.Strings(s)
	return "{ " + strings.Join(s, ", ") + " }"
}

// proto is the nft name of a protocol (TCP when unset); "" when unknown.
func proto(p *corev1.Protocol) string {
	if p == nil {
		return "tcp"
	}
	switch *p {
	case corev1.ProtocolTCP:
		return "tcp"
	case corev1.ProtocolUDP:
		return "udp"
	case corev1.ProtocolSCTP:
		return "sctp"
	}
	return ""
}

// numericPort renders a port entry with a number (and endPort), or with
// no port (the whole protocol); ok is false for a named port.
func numericPort(np networkingv1.NetworkPolicyPort) (m string, ok bool) {
	pr := proto(np.Protocol)
	switch {
	case np.Port == nil:
		return "meta l4proto " + pr, true
	case np.Port.Type == intstr.String:
		return "", false
	case np.EndPort != nil && *np.EndPort > np.Port.IntVal:
		return fmt.Sprintf("%s dport %d-%d", pr, np.Port.IntVal, *np.EndPort), true
	default:
		return fmt.Sprintf("%s dport %d", pr, np.Port.IntVal), true
	}
}

// namedPort renders the ports of p's containers that carry the name and
// protocol of np (none when no container has it).
func namedPort(np networkingv1.NetworkPolicyPort, p *pod) []string {
	pr := proto(np.Protocol)
	var out []string
	for _, cp := range p.ports {
		if cp.Name == np.Port.StrVal && proto(&cp.Protocol) == pr {
			out = append(out, fmt.Sprintf("%s dport %d", pr, cp.ContainerPort))
		}
	}
	return out
}

func validPort(np networkingv1.NetworkPolicyPort) bool {
	return proto(np.Protocol) != ""
}

// ingressRule: the allow lines of one ingress rule for the destination
// pod p; named ports are p's own.
func (w *world) ingressRule(p *pod, policyNS string, r networkingv1.NetworkPolicyIngressRule) []string {
	ports := []string{""}
	if len(r.Ports) > 0 {
		ports = nil
		for _, np := range r.Ports {
			if !validPort(np) {
				continue
			}
			if m, ok := numericPort(np); ok {
				ports = append(ports, m)
			} else {
				ports = append(ports, namedPort(np, p)...)
			}
		}
	}
	return cross(w.resolve(policyNS, r.From).matches("saddr"), ports)
}

// egressRule: the allow lines of one egress rule; a named port is
// resolved on each destination pod the rule's peers include (pods it
// selects, pods inside its blocks, or every pod when it has no peers).
func (w *world) egressRule(policyNS string, r networkingv1.NetworkPolicyEgressRule) []string {
	ps := w.resolve(policyNS, r.To)
	if len(r.Ports) == 0 {
		return cross(ps.matches("daddr"), []string{""})
	}
	var numeric, out []string
	for _, np := range r.Ports {
		if !validPort(np) {
			continue
		}
		if m, ok := numericPort(np); ok {
			numeric = append(numeric, m)
			continue
		}
		for _, q := range w.destinations(ps) {
			for _, m := range namedPort(np, q) {
				out = append(out, addrLines("daddr", q.ips, m+" return")...)
			}
		}
	}
	return append(cross(ps.matches("daddr"), numeric), out...)
}

// destinations: the known pods a rule's peers include.
func (w *world) destinations(ps peers) []*pod {
	if ps.any {
		return w.pods
	}
	in := map[*pod]bool{}
	for _, q := range ps.pods {
		in[q] = true
	}
	var out []*pod
	for _, q := range w.pods { // in w.pods' order: sorted
		for _, b := range ps.blocks {
			in[q] = in[q] || inBlock(q, b)
		}
		if in[q] {
			out = append(out, q)
		}
	}
	return out
}

func inBlock(q *pod, b block) bool {
	for _, a := range q.ips {
		if b.contains(a) {
			return true
		}
	}
	return false
}

// cross: every address match with every port match, each allowing.
func cross(addrs, ports []string) []string {
	var out []string
	for _, a := range addrs {
		for _, p := range ports {
			out = append(out, strings.Join(strings.Fields(a+" "+p+" return"), " "))
		}
	}
	return out
}
