package main

import (
	"regexp"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

// safeLine is every line Build may write: nft keywords, addresses,
// numbers, braces and a quoted comment made of name characters. Nothing
// from a policy (a CIDR, a name) may add anything else to the ruleset.
var safeLine = regexp.MustCompile(`^\t*([a-zA-Z0-9_.,:/{}!=;# -]|"[a-zA-Z0-9_./-]*")*$`)

// FuzzBuildIPBlock feeds arbitrary CIDRs, exceptions and names to Build,
// which parses the CIDRs: it must not panic, must write only safe lines,
// and must drop a block whose exception it cannot read rather than widen it.
func FuzzBuildIPBlock(f *testing.F) {
	f.Add("10.0.0.0/8", "10.1.0.0/16", "p")
	f.Add("fd00::/8", "fd00::1/128", "x\"; flush ruleset")
	f.Add("10.0.0.0/8", "not-a-cidr", "p")
	f.Add("1.2.3.4/40", "", "p\n")
	f.Fuzz(func(t *testing.T, cidr, except, name string) {
		pol := policy("a", name, nil, networkingv1.PolicyTypeEgress)
		ib := &networkingv1.IPBlock{CIDR: cidr}
		if except != "" {
			ib.Except = strings.Split(except, ",")
		}
		pol.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: ib}}}}
		in := fixtures()
		in.Policies = []*networkingv1.NetworkPolicy{pol}
		out := Build(in)
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !safeLine.MatchString(l) {
				t.Fatalf("unsafe line %q from cidr %q except %q name %q", l, cidr, except, name)
			}
		}
		// The policy's only rule is this block: if Build cannot read it
		// whole, nothing may be allowed.
		if _, ok := parseBlock(ib); !ok && strings.Contains(out, " return") {
			t.Fatalf("an unreadable block allows traffic:\n%s", out)
		}
	})
}
