# Shared by hack/e2e/node.sh and its parts: the node's layout (names,
# addresses, ports, paths) and the progress printer. Sourced, not run.
#
# Every address is on an interface the harness creates ($NODE_LINK) or the
# CNI bridge plugin makes for it ($BRIDGE, veths); every file
# under $E2E_DIR; every cgroup under $CGROUP_NAME in each v1 hierarchy (or
# the unified one); every nftables table and iptables chain it or the
# components add is removed by `node.sh down`.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/bin
NODE_BIN=$BIN/node
E2E_DIR=${E2E_DIR:-$ROOT/.e2e}
case $E2E_DIR in /*) ;; *) E2E_DIR=$PWD/$E2E_DIR ;; esac
export E2E_DIR

NODE_NAME=countyreport-e2e
NODE_LINK=cre2e-node             # a bridge with no ports: the node's own address
NODE_IP=10.241.0.1               # a /32 on $NODE_LINK: API server, kubelet, MinIO
BRIDGE=cre2e0                    # the pods' bridge (the CNI bridge plugin; gateway $POD_GW)
POD_CIDR=10.242.0.0/24           # host-local IPAM on $BRIDGE
POD_GW=10.242.0.1
SERVICE_CIDR=10.243.0.0/24       # ClusterIPs (kube-proxy)
KUBERNETES_SVC_IP=10.243.0.1
APISERVER_PORT=6443
ETCD_CLIENT=127.0.0.1:23790      # outside the ephemeral range, so never a test's :0 port
ETCD_PEER=127.0.0.1:23800
MINIO_PORT=9000
CGROUP_NAME=countyreport-e2e     # kubelet's cgroupRoot; the harness's processes in $CGROUP_NAME/host
GUARD_TABLE=countyreport-e2e     # nftables table (inet) that keeps pod packets on $BRIDGE
NETPOL_TABLE=countyreport-netpol # nftables table (inet) of netpol, the NetworkPolicy enforcer
PAUSE_IMAGE=countyreport.local/pause:e2e
CNI_NETWORK=countyreport-e2e

STATE=$E2E_DIR
LOGS=$STATE/logs
PIDS=$STATE/pids
PKI=$STATE/pki
CTRD_SOCK=$STATE/containerd/containerd.sock

T0=${T0:-$(date +%s.%N)}
export T0

# step prints a progress line with the seconds since the command started.
step() {
  awk -v t0="$T0" -v now="$(date +%s.%N)" -v msg="$*" 'BEGIN { printf "[%6.1fs] %s\n", now - t0, msg }'
}

die() {
  echo "node.sh: $*" >&2
  exit 1
}

kubectl_admin() {
  "$BIN/k8s/kubectl" --kubeconfig "$STATE/kubeconfig" "$@"
}

ctr_k8s() {
  "$NODE_BIN/ctr" --address "$CTRD_SOCK" --namespace k8s.io "$@"
}
