# What the node changes on the host, and how `down` undoes it: cgroups, the
# bridge, sysctls, nftables tables and iptables chains, mounts, processes,
# and the few paths outside $E2E_DIR that the components insist on. `up`
# records the host's state before it touches anything ($STATE/baseline), so
# that `down` removes only what the node added. Sourced by node.sh.

BASELINE=$STATE/baseline
# Sysctls the harness (ip_forward, bridge-nf-call-*), the kubelet (vm.*,
# kernel.*) or kube-proxy (conntrack) may set; `down` puts them back.
SYSCTLS="net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait"
# Paths outside $E2E_DIR that containerd (shim sockets in /run/containerd/s),
# the CNI library (its cache in /var/lib/cni) or the kubelet (its device
# plugin socket in /var/lib/kubelet/device-plugins, /var/log/containers)
# use whatever they are told; removed by `down` when `up` found them absent.
OUTSIDE_PATHS="/var/lib/cni /var/lib/kubelet /var/log/containers /run/containerd /var/run/nri /etc/cdi /var/run/cdi /opt/containerd"
# The nftables tables of the node: the harness's guard, kube-proxy's, netpol's.
NFT_TABLES="inet $GUARD_TABLE|ip kube-proxy|ip6 kube-proxy|inet $NETPOL_TABLE"

cgroup_v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# The mount points of the cgroup hierarchies the node's cgroups live in.
cgroup_mounts() {
  if cgroup_v2; then
    echo /sys/fs/cgroup
  else
    findmnt -rn -t cgroup,cgroup2 -o TARGET
  fi
}

host_cgroup_procs_files() {
  local m
  for m in $(cgroup_mounts 2>/dev/null); do
    [ -d "$m/$CGROUP_NAME/host" ] && printf '%s ' "$m/$CGROUP_NAME/host/cgroup.procs"
  done
}

host_preflight() {
  grep -qw overlay /proc/filesystems || die "the kernel has no overlay filesystem (CONFIG_OVERLAY_FS), which containerd's snapshotter needs"
  [ -d /proc/sys/net/bridge ] || die "the kernel has no bridge netfilter (CONFIG_BRIDGE_NETFILTER, module br_netfilter): modprobe br_netfilter"
  nft list tables >/dev/null 2>&1 || die "nftables does not work here (CONFIG_NF_TABLES): kube-proxy runs in nftables mode"
  ip link add cre2e-probe type bridge 2>/dev/null && ip link del cre2e-probe ||
    die "cannot create a bridge interface (CONFIG_BRIDGE)"
  ip link add cre2e-pv0 type veth peer name cre2e-pv1 2>/dev/null && ip link del cre2e-pv0 ||
    die "cannot create veth pairs (CONFIG_VETH), which the CNI bridge plugin needs"
  local c
  if cgroup_v2; then
    for c in cpu memory pids; do
      grep -qw $c /sys/fs/cgroup/cgroup.controllers || die "cgroup v2 controller $c is not available"
    done
  else
    for c in cpu cpuacct cpuset memory pids; do
      [ -f "/sys/fs/cgroup/$c/cgroup.procs" ] || die "cgroup v1 controller $c is not mounted at /sys/fs/cgroup/$c"
    done
  fi
}

# other_owner prints the state folder of a node on this machine that is
# not this one's (the names, addresses and cgroups are the same for all).
other_owner() {
  local owner
  owner=$(cat "/sys/class/net/$NODE_LINK/ifalias" 2>/dev/null) || return 0
  [ -n "$owner" ] && [ "$owner" != "$STATE" ] && echo "$owner"
  return 0
}

host_up() {
  mkdir -p "$BASELINE"
  record_baseline
  make_cgroups
  step "cgroups /$CGROUP_NAME in $(cgroup_mounts | wc -l) hierarchies"
  # The node IP on a bridge of its own (this kernel has no dummy
  # interfaces); the pods' bridge must carry only the pods' gateway, or the
  # CNI bridge plugin refuses it. It is made here too, IPv4 only.
  local l
  for l in "$NODE_LINK" "$BRIDGE"; do
    ip link add "$l" type bridge
    sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1" 2>/dev/null || true
    ip link set "$l" up
  done
  ip addr add "$NODE_IP/32" dev "$NODE_LINK"
  # Whose node this is: another E2E_DIR's `up` or `down` must not touch it.
  ip link set "$NODE_LINK" alias "$STATE"
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  # No pod packet leaves the bridge for another interface, whatever a pod
  # tries: the pods have no route out, and this drops what would be forwarded.
  nft -f - <<NFT
table inet $GUARD_TABLE {
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "$BRIDGE" oifname != "$BRIDGE" drop
    oifname "$BRIDGE" iifname != "$BRIDGE" drop
  }
}
NFT
  step "node IP $NODE_IP on $NODE_LINK, pods on $BRIDGE; forwarding off $BRIDGE dropped (nft table inet $GUARD_TABLE)"
}

record_baseline() {
  [ -s "$BASELINE/sysctl" ] && return 0 # an interrupted run's baseline is the true one
  local s p
  for s in $SYSCTLS; do
    [ -e "/proc/sys/${s//.//}" ] && echo "$s=$(sysctl -n "$s")"
  done >"$BASELINE/sysctl.tmp"
  for p in $OUTSIDE_PATHS; do
    [ -e "$p" ] || echo "$p"
  done >"$BASELINE/absent-paths"
  nft list tables >"$BASELINE/nft-tables"
  for t in iptables ip6tables; do
    $t-save 2>/dev/null | grep -E '^(\*|:)' >"$BASELINE/$t" || true
  done
  mv "$BASELINE/sysctl.tmp" "$BASELINE/sysctl"
}

make_cgroups() {
  local m d
  for m in $(cgroup_mounts); do
    for d in "$m/$CGROUP_NAME" "$m/$CGROUP_NAME/host"; do
      mkdir -p "$d"
      if [ -f "$d/cpuset.cpus" ]; then # v1 cpuset: a child is empty until told
        cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus"
        cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
      fi
    done
    if cgroup_v2; then
      local c ctl=""
      for c in cpu cpuset memory pids io hugetlb; do
        grep -qw $c "$m/cgroup.controllers" && ctl+=" +$c"
      done
      echo "$ctl" >"$m/$CGROUP_NAME/cgroup.subtree_control"
    fi
  done
}

# The processes of the node: the harness's children by their pid files,
# and everything in the node's cgroups (containers, shims, what they forked).
node_pids() {
  local f m
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] && cat "$f"
  done 2>/dev/null
  for m in $(cgroup_mounts 2>/dev/null); do
    [ -d "$m/$CGROUP_NAME" ] && find "$m/$CGROUP_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
}

live_pids() {
  local pid
  for pid in $(node_pids | sort -un); do
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
  done
}

host_kill_all() {
  local pid live sig
  # The kubelet first, so that it does not restart what is being stopped.
  if [ -f "$PIDS/kubelet.pid" ]; then
    pid=$(cat "$PIDS/kubelet.pid")
    kill "$pid" 2>/dev/null && wait_gone "$pid" 5
  fi
  # Then everything: a few seconds to exit cleanly, then SIGKILL (again
  # for what a dying process forked meanwhile).
  for sig in TERM KILL KILL KILL; do
    live=$(live_pids)
    [ -z "$live" ] && break
    # shellcheck disable=SC2086
    kill -s $sig $live 2>/dev/null || true
    wait_gone "$live" 5
  done
  live=$(live_pids)
  [ -z "$live" ] || echo "node.sh: processes still alive after SIGKILL: $live" >&2
  rm -f "$PIDS"/*.pid 2>/dev/null || true
}

wait_gone() { # wait_gone "<pids>" <seconds>
  local deadline=$((SECONDS + $2)) p any
  while [ $SECONDS -lt $deadline ]; do
    any=
    for p in $1; do kill -0 "$p" 2>/dev/null && any=1; done
    [ -z "$any" ] && return 0
    sleep 0.2
  done
}

# Every mount under $STATE, deepest first: container root filesystems,
# shm, network namespaces, the kubelet's volumes and its shared bind mount.
host_unmount_all() {
  local m i
  for i in 1 2 3; do
    m=$(findmnt -rn -o TARGET | awk -v s="$STATE/" 'index($0, s) == 1' | sort -r)
    [ -z "$m" ] && return 0
    while read -r t; do
      umount "$t" 2>/dev/null || umount -l "$t" 2>/dev/null || true
    done <<<"$m"
  done
  findmnt -rn -o TARGET | awk -v s="$STATE/" 'index($0, s) == 1' | sed 's/^/node.sh: still mounted: /' >&2
}

host_down() {
  local l
  for l in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$l" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  ip link del "$NODE_LINK" 2>/dev/null || true
  remove_iptables_chains
  remove_nft_tables
  forget_connections
  remove_cgroups
  restore_sysctls
  remove_outside_paths
}

remove_nft_tables() {
  local t
  while IFS= read -r t; do
    nft list table $t >/dev/null 2>&1 && nft delete table $t
  done <<<"${NFT_TABLES//|/$'\n'}"
  # Tables that iptables-nft made for the kubelet's and kube-proxy's chains
  # and that were not there before: removed once they hold no rule
  # (remove_iptables_chains runs first).
  [ -f "$BASELINE/nft-tables" ] || return 0
  nft list tables | while read -r _ fam name; do
    grep -qx "table $fam $name" "$BASELINE/nft-tables" && continue
    case $name in filter | nat | mangle | raw | security) ;; *) continue ;; esac
    nft list table "$fam" "$name" | awk '$1 !~ /^(table|chain|type|policy|}|)$/ { rules++ } END { exit rules > 0 }' &&
      nft delete table "$fam" "$name"
  done
}

# Chains named KUBE-* that were not in the baseline, and the rules that jump
# to them, from every table of iptables and ip6tables (nft backend or not).
remove_iptables_chains() {
  local t tool chains
  for tool in iptables ip6tables; do
    command -v $tool-save >/dev/null || continue
    for t in filter nat mangle raw; do
      chains=$($tool-save -t $t 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p')
      [ -z "$chains" ] && continue
      local c keep=""
      for c in $chains; do
        [ -f "$BASELINE/$tool" ] && grep -q "^:$c " "$BASELINE/$tool" && keep+="$c "
      done
      $tool-save -t $t | awk -v keep="$keep" '
        BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) kept[k[i]] = 1 }
        /^:KUBE-/ { c = substr($1, 2); if (!(c in kept)) next }
        /^-A / { if ($2 ~ /^KUBE-/ && !($2 in kept)) next
                 for (i = 3; i < NF; i++) if ($i == "-j" && $(i+1) ~ /^KUBE-/ && !($(i+1) in kept)) next }
        { print }' | $tool-restore -T $t 2>/dev/null || true
    done
  done
}

# The kernel's conntrack entries of the node's addresses (they would only
# expire): the pods', the node IP's, the ClusterIPs'.
forget_connections() {
  command -v conntrack >/dev/null || return 0
  local net dir
  for net in "$POD_CIDR" "$NODE_IP/32" "$SERVICE_CIDR"; do
    for dir in -s -d; do
      conntrack -D -f ipv4 $dir "$net" >/dev/null 2>&1 || true
    done
  done
}

remove_cgroups() {
  local m
  for m in $(cgroup_mounts 2>/dev/null); do
    [ -d "$m/$CGROUP_NAME" ] || continue
    find "$m/$CGROUP_NAME" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$m/$CGROUP_NAME" ] && echo "node.sh: could not remove cgroup $m/$CGROUP_NAME" >&2
  done
  return 0
}

restore_sysctls() {
  [ -f "$BASELINE/sysctl" ] || return 0
  local kv
  while IFS= read -r kv; do
    sysctl -qw "$kv" 2>/dev/null || true
  done <"$BASELINE/sysctl"
}

remove_outside_paths() {
  [ -f "$BASELINE/absent-paths" ] || return 0
  local p
  while IFS= read -r p; do
    case " $OUTSIDE_PATHS " in *" $p "*)
      rm -rf "$p" ;;
    esac
  done <"$BASELINE/absent-paths"
}
