#!/usr/bin/env bash
# A single-node Kubernetes cluster on this machine, from the binaries of
# `make e2e-tools`, as child processes, for the e2e suite (test/e2e).
#
#   hack/e2e/node.sh up              start it; prints KUBECONFIG=<path> last
#   hack/e2e/node.sh down            stop it and remove everything it made
#   hack/e2e/node.sh import <x.tar>  import one more OCI archive into containerd
#
# Everything lives under $E2E_DIR (default .e2e): state, logs/<name>.log,
# kubeconfig, env (sourceable), minio.env. The layout (addresses, ports,
# names) is in hack/e2e/lib.sh; docs/install-e2e.md explains it. Runs as
# root. `up` builds nothing and fails naming what is missing; a failed or
# interrupted `up` tears down what it started. `down` is idempotent.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
source "$here/pki.sh"
source "$here/configs.sh"
source "$here/host.sh"

usage() {
  echo "usage: $0 up|down|import <archive.tar>" >&2
  exit 2
}

# start <name> <command...>: a child process in its own session, in the
# harness's cgroup (so `down` finds it and everything it forks), logging
# to $LOGS/<name>.log (this run's only).
start() {
  local name=$1
  shift
  step "starting $name"
  setsid bash -c 'for p in '"$(host_cgroup_procs_files)"'; do echo $$ >"$p"; done; exec "$@"' \
    _ "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

alive() { # alive <name>
  local pid
  pid=$(cat "$PIDS/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

# wait_for <what> <seconds> <process name> <command...>: polls the command
# until it succeeds; fails with the process's last log lines if the process
# dies or the time runs out.
wait_for() {
  local what=$1 secs=$2 name=$3
  shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$name" ] && ! alive "$name"; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name exited while waiting for $what (log: $LOGS/$name.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      [ -n "$name" ] && { tail -n 30 "$LOGS/$name.log" >&2 || true; }
      die "timed out after ${secs}s waiting for $what${name:+ (log: $LOGS/$name.log)}"
    fi
    sleep 0.5
  done
  step "$what"
}

preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root (it creates a bridge, cgroups, mounts and nftables rules)"
  # The kubelet's deepest socket is $STATE/kubelet/pod-resources/kubelet.sock,
  # and a Unix socket's path holds at most 107 bytes.
  [ ${#STATE} -le 70 ] || die "E2E_DIR $STATE is ${#STATE} bytes long; the node's Unix sockets under it need it at most 70: set E2E_DIR to a shorter path"
  local f missing=()
  for f in k8s/etcd k8s/kube-apiserver k8s/kubectl minio node/kubelet node/kube-controller-manager \
    node/kube-scheduler node/kube-proxy node/containerd node/containerd-shim-runc-v2 node/ctr \
    node/netpol; do
    [ -x "$BIN/$f" ] || missing+=("bin/$f")
  done
  [ -s "$NODE_BIN/pause.tar" ] || missing+=("bin/node/pause.tar")
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run 'make e2e-tools'"
  need runc runc
  need nft nftables
  need iptables iptables
  need conntrack conntrack
  need ip iproute2
  need openssl openssl
  need findmnt util-linux
  need curl curl
  for f in bridge host-local loopback; do
    [ -x "/usr/lib/cni/$f" ] || die "missing /usr/lib/cni/$f: apt-get install containernetworking-plugins (make e2e-tools does)"
  done
  host_preflight
}

need() { # need <command> <Debian package>
  command -v "$1" >/dev/null || die "missing the command $1: apt-get install $2 (make e2e-tools installs it)"
}

refuse_other() {
  local other
  other=$(other_owner)
  [ -z "$other" ] || die "the node of another state folder runs here ($other); one node at a time: E2E_DIR=$other $0 down"
}

up() {
  preflight
  refuse_other
  if alive kube-apiserver || alive kubelet || alive containerd; then
    die "a node is already running from $STATE: run '$0 down' first"
  fi
  step "clearing what an earlier run may have left"
  down_quiet
  mkdir -p "$LOGS" "$PIDS"
  trap 'up_failed $?' EXIT
  trap 'exit 130' INT TERM
  host_up
  make_pki
  step "certificates and kubeconfigs in $PKI"
  start_control_plane
  start_node
  start_network
  start_minio
  import_images
  smoke_pod
  write_env
  trap - EXIT INT TERM
  step "node $NODE_NAME is up (node IP $NODE_IP, MinIO $NODE_IP:$MINIO_PORT, state $STATE)"
  echo "KUBECONFIG=$STATE/kubeconfig"
}

# up_failed tears down what a failed or interrupted `up` started, unless
# E2E_KEEP_FAILED=1 (to look at it; `down` removes it later).
up_failed() {
  [ "$1" = 0 ] && return 0
  if [ "${E2E_KEEP_FAILED:-}" = 1 ]; then
    step "up failed (exit $1); E2E_KEEP_FAILED=1: left as it is, '$0 down' removes it"
    return 0
  fi
  step "up failed (exit $1): tearing down what it started"
  down_quiet
  step "torn down; logs in $LOGS"
}

start_control_plane() {
  start etcd "$BIN/k8s/etcd" --name e2e --data-dir "$STATE/etcd" \
    --listen-client-urls "http://$ETCD_CLIENT" --advertise-client-urls "http://$ETCD_CLIENT" \
    --listen-peer-urls "http://$ETCD_PEER" --initial-advertise-peer-urls "http://$ETCD_PEER" \
    --initial-cluster "e2e=http://$ETCD_PEER" --unsafe-no-fsync
  wait_for "etcd is healthy" 60 etcd curl -fsS "http://$ETCD_CLIENT/health"
  start kube-apiserver "$BIN/k8s/kube-apiserver" \
    --etcd-servers "http://$ETCD_CLIENT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --profiling=false
  wait_for "kube-apiserver is ready" 180 kube-apiserver kubectl_admin get --raw /readyz
  kubectl_admin apply -f "$here/manifests/rbac.yaml" >/dev/null
  start kube-controller-manager "$NODE_BIN/kube-controller-manager" \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address "$NODE_IP" --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials --service-cluster-ip-range "$SERVICE_CIDR" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --profiling=false
  start kube-scheduler "$NODE_BIN/kube-scheduler" \
    --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address "$NODE_IP" --leader-elect=false --profiling=false
}

start_node() {
  write_containerd_config
  write_cni_config
  start containerd env PATH="$NODE_BIN:$PATH" "$NODE_BIN/containerd" --config "$STATE/containerd/config.toml"
  wait_for "containerd answers" 60 containerd "$NODE_BIN/ctr" --address "$CTRD_SOCK" version
  ctr_k8s images import "$NODE_BIN/pause.tar" >>"$LOGS/ctr.log" 2>&1
  step "pause image imported as $PAUSE_IMAGE"
  write_kubelet_config
  start kubelet "$NODE_BIN/kubelet" --config "$STATE/kubelet/config.yaml" \
    --kubeconfig "$STATE/kubelet.kubeconfig" --root-dir "$STATE/kubelet" \
    --cert-dir "$STATE/kubelet/pki" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  wait_for "node $NODE_NAME is registered" 120 kubelet kubectl_admin get node "$NODE_NAME"
  wait_for "node $NODE_NAME is Ready" 180 kubelet \
    kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
}

start_network() {
  write_kube_proxy_config
  start kube-proxy "$NODE_BIN/kube-proxy" --config "$STATE/kube-proxy/config.yaml"
  wait_for "kube-proxy is healthy" 60 kube-proxy curl -fsS "http://$NODE_IP:10256/healthz"
  start netpol "$NODE_BIN/netpol" -kubeconfig "$STATE/netpol.kubeconfig" -node "$NODE_NAME"
  wait_for "netpol enforces NetworkPolicies (nft table inet $NETPOL_TABLE)" 60 netpol \
    nft list table inet "$NETPOL_TABLE"
}

start_minio() {
  if [ ! -s "$STATE/minio.env" ]; then
    umask 077
    {
      echo "MINIO_ROOT_USER=e2e-$(openssl rand -hex 6)"
      echo "MINIO_ROOT_PASSWORD=$(openssl rand -hex 24)"
      echo "MINIO_ENDPOINT=$NODE_IP:$MINIO_PORT"
    } >"$STATE/minio.env"
    umask 022
  fi
  mkdir -p "$STATE/minio/data"
  # shellcheck disable=SC2046
  start minio env $(cat "$STATE/minio.env") MINIO_BROWSER=off MINIO_UPDATE=off \
    "$BIN/minio" server --address "$NODE_IP:$MINIO_PORT" --console-address "$NODE_IP:9001" \
    "$STATE/minio/data"
  wait_for "MinIO is live on $NODE_IP:$MINIO_PORT" 60 minio \
    curl -fsS "http://$NODE_IP:$MINIO_PORT/minio/health/live"
}

import_images() {
  local img
  for img in ${E2E_IMAGES-$BIN/countyreport-image.tar}; do
    if [ ! -s "$img" ]; then
      step "no image $img (make image writes it): not imported"
      continue
    fi
    import_one "$img"
  done
}

import_one() {
  local t0=$SECONDS
  ctr_k8s images import "$1" >>"$LOGS/ctr.log" 2>&1 ||
    die "ctr images import $1 failed (log: $LOGS/ctr.log)"
  step "imported $1 ($((SECONDS - t0))s)"
}

# smoke_pod runs one pod under Pod Security "restricted" (the pause image,
# the only image the node is sure to have) until Ready, then deletes it:
# proof that the sandbox, the CNI network and the kubelet work together.
smoke_pod() {
  # Retried: a new namespace has no default ServiceAccount for a moment.
  wait_for "the smoke pod is created" 60 kube-controller-manager \
    kubectl_admin apply -f "$here/manifests/smoke.yaml"
  wait_for "a restricted pod runs (namespace e2e-smoke)" 180 kubelet \
    kubectl_admin -n e2e-smoke wait --for=condition=Ready pod/smoke --timeout=2s
  kubectl_admin delete namespace e2e-smoke --wait=false >/dev/null
}

write_env() {
  {
    echo "KUBECONFIG=$STATE/kubeconfig"
    echo "NODE_IP=$NODE_IP"
    echo "NODE_NAME=$NODE_NAME"
    cat "$STATE/minio.env"
  } >"$STATE/env"
  chmod 600 "$STATE/env"
}

# down_quiet stops every process of the node and removes what it made on
# the host; the state folder keeps only logs/ for a post-mortem.
down_quiet() {
  host_kill_all
  host_unmount_all
  host_down
  if [ -d "$STATE" ]; then
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  fi
}

down() {
  refuse_other
  step "stopping the node in $STATE"
  down_quiet
  step "node stopped; nothing of it remains (logs kept in $LOGS)"
}

# Sourced (by a test or to debug one step), it only defines the functions.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
cmd=${1:-}
case $cmd in
  up) up ;;
  down) down ;;
  import)
    [ $# -eq 2 ] || usage
    alive containerd || die "no node running from $STATE: run '$0 up' first"
    import_one "$2"
    ;;
  *) usage ;;
esac
