//go:build tools

// Package tools pins the Kubernetes binaries: the control plane that envtest
// needs (kube-apiserver, kubectl) and the node that `make e2e` runs
// (kubelet, kube-controller-manager, kube-scheduler, kube-proxy), all from
// the same k8s.io/kubernetes release. It lives in its own module so its
// dependencies never move the project's.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
