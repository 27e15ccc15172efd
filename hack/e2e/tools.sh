#!/usr/bin/env bash
# Builds the e2e node's binaries from pinned tool modules under hack/tools
# into bin/node/, and installs the Debian packages the node needs. Each
# binary is built only when missing, so a second run is a no-op.
#   kubelet, kube-controller-manager, kube-scheduler, kube-proxy  k8s.io/kubernetes v1.37.2 (hack/tools/kube)
#   containerd, containerd-shim-runc-v2, ctr                      containerd v2.4.2 (hack/tools/containerd)
#   netpol (NetworkPolicy enforcement)                            hack/e2e/netpol, this module
#   pause.tar                                                     the sandbox image, from hack/e2e/pause
# The control plane (bin/k8s/{etcd,kube-apiserver,kubectl}) and bin/minio
# come from `make tools` (hack/build-tools.sh), run first by `make e2e-tools`.
# Everything comes from the Go module proxy or Debian; nothing prebuilt.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
node="$root/bin/node"
mkdir -p "$node"

# runc: the OCI runtime containerd's shim calls; containernetworking-plugins:
# bridge, host-local, loopback, portmap for the pod network; iptables,
# nftables, conntrack: kube-proxy and netpol (it runs nft); kmod:
# modprobe for the kernel modules they load; ethtool/socat: kubelet's
# port-forward; iproute2, openssl, curl: the harness (ip, certificates, health checks).
"$root/hack/debian-packages.sh" runc containernetworking-plugins iptables nftables conntrack kmod socat iproute2 openssl curl

k8s_version=v1.37.2
k8s_ldflags() {
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=37"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
  done
  echo "$flags"
}
ctrd_version=v2.4.2
ctrd_ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$ctrd_version -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"

build() { # build <module dir> <package> <output> <ldflags> [tags]
  local dir=$1 pkg=$2 out=$3 ldflags=$4 tags=${5:-}
  if [ -x "$out" ]; then return 0; fi
  local t0=$SECONDS
  echo "building bin/node/$(basename "$out") from $pkg (first build takes minutes)"
  (cd "$root/hack/tools/$dir" && CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  echo "built bin/node/$(basename "$out") in $((SECONDS - t0))s"
}

# netpol: the project's own NetworkPolicy enforcer, from this module
# (it uses the client-go of go.mod); rebuilt when its source is newer.
build_netpol() {
  local out="$node/netpol" src="$root/hack/e2e/netpol"
  if [ -x "$out" ] && [ -z "$(find "$src" -name '*.go' -newer "$out")" ]; then return 0; fi
  echo "building bin/node/netpol from hack/e2e/netpol"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" ./hack/e2e/netpol)
  mv "$out.tmp" "$out"
}

# Longest first.
build kube k8s.io/kubernetes/cmd/kubelet                 "$node/kubelet"                 "$(k8s_ldflags)"
build kube k8s.io/kubernetes/cmd/kube-controller-manager "$node/kube-controller-manager" "$(k8s_ldflags)"
build containerd github.com/containerd/containerd/v2/cmd/containerd "$node/containerd" "$ctrd_ldflags" "urfave_cli_no_docs osusergo netgo"
build containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 "$node/containerd-shim-runc-v2" "$ctrd_ldflags" "urfave_cli_no_docs osusergo netgo no_grpc"
build containerd github.com/containerd/containerd/v2/cmd/ctr "$node/ctr" "$ctrd_ldflags" "urfave_cli_no_docs osusergo netgo"
build kube k8s.io/kubernetes/cmd/kube-scheduler          "$node/kube-scheduler"          "$(k8s_ldflags)"
build kube k8s.io/kubernetes/cmd/kube-proxy              "$node/kube-proxy"              "$(k8s_ldflags)"
build_netpol

if [ ! -s "$node/pause.tar" ]; then
  echo "building bin/node/pause.tar (the pod sandbox image)"
  (cd "$root/hack/e2e/pause" && go run . -out "$node/pause.tar.tmp")
  mv "$node/pause.tar.tmp" "$node/pause.tar"
fi
