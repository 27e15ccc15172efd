#!/usr/bin/env bash
# Proves that the e2e node leaves the machine as it found it: snapshots what
# the node could touch (processes, mounts, links, addresses, routes,
# iptables and nftables rules, cgroups, sysctls, paths outside the state
# folder), then runs `hack/e2e/node.sh up` and `down` CYCLES times, an
# `up` killed with SIGKILL partway (after KILL_AFTER seconds) followed by
# `down`, and an `up` interrupted with SIGTERM (after INT_AFTER seconds)
# that must clean up after itself, and compares each time. Fails with the
# difference.
#
#   test/e2e/containment.sh [CYCLES]      (make e2e-containment; root; minutes)
#
# Needs `make e2e-tools` and no node running. E2E_IMAGES is empty here: the
# project's image is not needed to prove the node's teardown.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/hack/e2e/lib.sh"
source "$root/hack/e2e/host.sh"
cycles=${1:-3}
# `up` takes 20 to 40 s here: SIGKILL lands while the control plane or
# the kubelet is starting, SIGTERM a little later.
kill_after=${KILL_AFTER:-9}
int_after=${INT_AFTER:-16}
export E2E_IMAGES=""
unset T0 # each node.sh call times itself
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT

snapshot() { # snapshot <dir>
  local d=$1
  mkdir -p "$d"
  # Processes of the node: by executable, by command line, by cgroup.
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    args=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    case "$exe $args" in *"$NODE_BIN"* | *"$E2E_DIR"*) echo "${p#/proc/} $exe $args" ;; esac
    grep -q "$CGROUP_NAME" "$p/cgroup" 2>/dev/null && echo "${p#/proc/} in cgroup $CGROUP_NAME: $args"
  done | grep -v "containment.sh" | sort >"$d/processes" || true
  findmnt -rn -o TARGET,SOURCE,FSTYPE | sort >"$d/mounts"
  ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort >"$d/links"
  ip -o addr show | awk '{print $2, $3, $4}' | sort >"$d/addresses"
  ip route show table all | sort >"$d/routes"
  { iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' || true; } >"$d/iptables"
  { ip6tables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' || true; } >"$d/ip6tables"
  nft list ruleset >"$d/nftables"
  find /sys/fs/cgroup -maxdepth 3 -type d | sort >"$d/cgroups"
  for s in $SYSCTLS; do [ -e "/proc/sys/${s//.//}" ] && echo "$s=$(sysctl -n "$s")"; done >"$d/sysctls"
  for p in $OUTSIDE_PATHS /var/lib/kubelet /etc/kubernetes /var/lib/containerd /run/netns /etc/cni /opt/cni; do
    [ -e "$p" ] && echo "$p"
  done >"$d/paths"
  true
}

compare() { # compare <what happened>
  snapshot "$snap/after"
  if ! diff -ru "$snap/before" "$snap/after" >"$snap/diff"; then
    cat "$snap/diff" >&2
    echo "FAIL: after $1, the machine differs from before (above)" >&2
    exit 1
  fi
  echo "ok: after $1, nothing of the node remains"
  rm -rf "$snap/after"
}

[ "$(id -u)" = 0 ] || { echo "containment.sh: run as root" >&2; exit 1; }
"$root/hack/e2e/node.sh" down >/dev/null
snapshot "$snap/before"
for i in $(seq 1 "$cycles"); do
  t0=$SECONDS
  "$root/hack/e2e/node.sh" up >"$snap/up.log" 2>&1 || { cat "$snap/up.log" >&2; echo "FAIL: up $i" >&2; exit 1; }
  t1=$SECONDS
  "$root/hack/e2e/node.sh" down >/dev/null
  compare "up/down cycle $i (up $((t1 - t0))s, down $((SECONDS - t1))s)"
done
# An `up` killed outright (no trap can run), then `down`.
setsid "$root/hack/e2e/node.sh" up >"$snap/up-killed.log" 2>&1 &
pid=$!
sleep "$kill_after"
kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "up killed after ${kill_after}s at: $(tail -n 1 "$snap/up-killed.log")"
grep -q '^KUBECONFIG=' "$snap/up-killed.log" && { echo "FAIL: up finished before it was killed" >&2; exit 1; }
"$root/hack/e2e/node.sh" down >/dev/null
compare "an up killed with SIGKILL after ${kill_after}s, then down"
# An `up` interrupted (SIGTERM, as CI's cancel or timeout sends; Ctrl-C's
# SIGINT runs the same trap, but a shell ignores SIGINT in what it starts
# in the background, so SIGTERM stands for both here): its trap tears down
# by itself.
setsid "$root/hack/e2e/node.sh" up >"$snap/up-int.log" 2>&1 &
pid=$!
sleep "$int_after"
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "up interrupted after ${int_after}s at: $(grep -v '^ ' "$snap/up-int.log" | grep -B1 'up failed' | head -n 1)"
grep -q 'up failed' "$snap/up-int.log" || { cat "$snap/up-int.log" >&2; echo "FAIL: up was not interrupted" >&2; exit 1; }
compare "an up interrupted with SIGTERM after ${int_after}s (no down)"
