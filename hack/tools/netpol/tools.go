//go:build tools

// Package tools pins kube-network-policies, the NetworkPolicy enforcer of
// the e2e node (the one kind ships): its standalone binary is the package
// sigs.k8s.io/kube-network-policies/cmd. It lives in its own module so its
// dependencies never move the project's.
package tools

import (
	_ "sigs.k8s.io/kube-network-policies/cmd"
)
