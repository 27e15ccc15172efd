//go:build tools

// Package tools pins the container runtime of the e2e node: containerd, its
// runc shim and the ctr client (used to import OCI archives). containerd 2.x
// because the kubelet of Kubernetes 1.37 asks the runtime for its cgroup
// driver through the RuntimeConfig CRI call, which containerd 1.x lacks. It
// lives in its own module so its dependencies never move the project's.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
