package main

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type buildCase struct {
	name     string
	policies []*networkingv1.NetworkPolicy
}

func buildCases() []buildCase {
	ing, eg := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	udp := corev1.ProtocolUDP
	end := int32(9100)

	denyAll := policy("a", "deny-all", nil, ing, eg)

	webFromClient := policy("a", "web-from-client", map[string]string{"app": "web"}, ing)
	webFromClient.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  []networkingv1.NetworkPolicyPeer{{PodSelector: labelSel("app", "client")}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromString("http"))},
	}}

	webFromTeamB := policy("a", "web-from-team-b", map[string]string{"app": "web"}, ing)
	webFromTeamB.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From: []networkingv1.NetworkPolicyPeer{
			{NamespaceSelector: labelSel("team", "b"), PodSelector: labelSel("app", "db")},
			{NamespaceSelector: labelSel("team", "b"), PodSelector: labelSel("app", "nobody")},
		},
	}}

	clientOut := policy("a", "client-egress", map[string]string{"app": "client"}, eg)
	clientOut.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{
		{
			To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.242.0.0/16", "10.242.0.0/24", "10.241.0.1/32"}}}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: ptr(intstr.FromInt32(9000)), EndPort: &end}},
		},
		{ // a named port on whatever pod has it in the namespaces of team b
			To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: labelSel("team", "b")}},
			Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromString("pg")), tcpPort(intstr.FromInt32(443))},
		},
	}

	// policyTypes left empty: Ingress, and Egress because it has egress rules.
	defaulted := policy("a", "defaulted", map[string]string{"app": "client"})
	defaulted.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}

	unresolved := policy("a", "unresolved", map[string]string{"app": "web"}, ing)
	unresolved.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromString("pg")), {Protocol: &udp}},
	}}

	otherNS := policy("b", "deny-all-b", nil, ing)

	// A named port in an ipBlock: the pods inside the block (not in its
	// exception) that have the port; here a/web's http, not b/db's pg.
	namedInBlock := policy("a", "named-in-block", map[string]string{"app": "client"}, eg)
	namedInBlock.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.242.0.0/24", Except: []string{"10.242.0.16/28"}}}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(intstr.FromString("http")), tcpPort(intstr.FromString("pg"))},
	}}

	return []buildCase{
		{"no policies", nil},
		{"policy in a namespace without local pods", []*networkingv1.NetworkPolicy{otherNS}},
		{"empty podSelector denies all of the namespace", []*networkingv1.NetworkPolicy{denyAll}},
		{"named ingress port from a pod selector", []*networkingv1.NetworkPolicy{webFromClient}},
		{"namespace and pod selector together", []*networkingv1.NetworkPolicy{webFromTeamB}},
		{"ipBlock except, endPort, named egress port", []*networkingv1.NetworkPolicy{clientOut}},
		{"default policyTypes, allow-all egress rule", []*networkingv1.NetworkPolicy{defaulted}},
		{"unresolved named port, protocol only", []*networkingv1.NetworkPolicy{unresolved}},
		{"policies add up", []*networkingv1.NetworkPolicy{webFromClient, webFromTeamB}},
		{"named egress port inside an ipBlock", []*networkingv1.NetworkPolicy{namedInBlock}},
	}
}

func ptr[T any](v T) *T { return &v }
