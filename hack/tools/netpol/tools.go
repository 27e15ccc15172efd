//go:build tools

// Package tools pins kube-network-policies, the NetworkPolicy enforcer of
// the e2e node (the one kind ships); its standalone binary is the package
// sigs.k8s.io/kube-network-policies/cmd. hack/e2e/tools.sh builds it from
// this module's source with nfqueue-compat.patch applied (the kernels here
// lack the nftables queue expression). It lives in its own module so its
// dependencies never move the project's.
package tools

import (
	_ "sigs.k8s.io/kube-network-policies/cmd"
)
