#!/usr/bin/env bash
# Builds the binaries the tests need from the pinned tool modules under hack/tools:
#   bin/k8s/kube-apiserver, bin/k8s/kubectl  (Kubernetes v1.37.2)
#   bin/k8s/etcd                            (etcd v3.7.3)
#   bin/minio                               (MinIO server, pinned pseudo-version)
#   bin/mailpit                             (mailpit SMTP server v1.33.1, for the notification tests)
# Each binary is built only when it is missing, so a second run is a no-op.
# Everything comes from the Go module proxy; nothing is downloaded prebuilt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
mkdir -p "$bin/k8s"

k8s_version=v1.37.2
k8s_ldflags() {
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=37"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
  done
  echo "$flags"
}

build() { # build <module dir> <package> <output> [ldflags]
  local dir=$1 pkg=$2 out=$3 ldflags=${4:--s -w}
  if [ -x "$out" ]; then return 0; fi
  echo "building $(basename "$out") from $pkg (first build takes minutes)"
  (cd "$root/hack/tools/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
}

build etcd  go.etcd.io/etcd/server/v3             "$bin/k8s/etcd"
build kube  k8s.io/kubernetes/cmd/kube-apiserver  "$bin/k8s/kube-apiserver" "$(k8s_ldflags)"
build kube  k8s.io/kubernetes/cmd/kubectl         "$bin/k8s/kubectl"        "$(k8s_ldflags)"
build minio github.com/minio/minio                "$bin/minio"
build mailpit github.com/axllent/mailpit         "$bin/mailpit"
