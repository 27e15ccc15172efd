//go:build tools

// Package tools pins the Kubernetes control-plane binaries that envtest needs.
// It lives in its own module so its dependencies never move the project's.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
