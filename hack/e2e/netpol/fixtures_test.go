package main

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Made-up fixtures: namespaces a (team=a) and b (team=b); on this node
// (node-1) a/web (app=web, port "http" 8080/TCP) and a/client
// (app=client); on another node b/db (app=db, port "pg" 5432/TCP); pods
// the enforcer must ignore: a host-network pod, one without an address,
// one that has finished.
const node = "node-1"

func ns(name, team string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": team}}}
}

func mkPod(nsName, name, app, nodeName, ip string, ports ...corev1.ContainerPort) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: nsName, Name: name, Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if ip != "" {
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	return p
}

func fixtures() Input {
	host := mkPod("a", "host", "web", node, "10.241.0.1")
	host.Spec.HostNetwork = true
	done := mkPod("a", "done", "web", node, "10.242.0.99")
	done.Status.Phase = corev1.PodSucceeded
	return Input{
		Node:       node,
		Namespaces: []*corev1.Namespace{ns("a", "a"), ns("b", "b")},
		Pods: []*corev1.Pod{
			mkPod("a", "web", "web", node, "10.242.0.10", corev1.ContainerPort{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}),
			mkPod("a", "client", "client", node, "10.242.0.11"),
			mkPod("b", "db", "db", "node-2", "10.242.0.20", corev1.ContainerPort{Name: "pg", ContainerPort: 5432, Protocol: corev1.ProtocolTCP}),
			host, done,
			mkPod("a", "pending", "web", node, ""),
		},
	}
}

func policy(nsName, name string, sel map[string]string, types ...networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: nsName, Name: name},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel}, PolicyTypes: types},
	}
}

func labelSel(k, v string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
}

func tcpPort(p intstr.IntOrString) networkingv1.NetworkPolicyPort {
	proto := corev1.ProtocolTCP
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p}
}
