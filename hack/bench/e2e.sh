#!/usr/bin/env bash
# The e2e section of make bench (hack/bench.sh; alone: BENCH_ONLY=e2e
# hack/bench.sh). On a node it starts for itself (hack/e2e/node.sh up) it
# prints: the node's start to Ready beside the control plane alone; then,
# from TestBench* in test/e2e (tags e2e e2ebench), the tenants to Ready with
# portals serving beside the operator's part, a portal's memory, a monthly
# run with a Job pod beside the in-process executor, and 50 made-up
# counties. Lines starting "bench:" are the figures.
#
# Needs root, make e2e-tools and make image. Refuses, touching nothing,
# when a node is already up on this machine (it measures a fresh one).
# Takes its node down when done, failed or interrupted (Ctrl-C, SIGTERM).
# Logs: $E2E_DIR/logs/bench-up.log, bench-test.log (kept after down).
# E2E_BENCH_RUN (default ^TestBench) is go test's -run: '^TestBench$' skips
# the 50 counties, '^TestBench50$' measures only them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source hack/e2e/lib.sh

missing=()
[ "$(id -u)" = 0 ] || missing+=("root")
[ -x "$NODE_BIN/kubelet" ] || missing+=("bin/node (make e2e-tools)")
[ -s "$BIN/countyreport-image.tar" ] || missing+=("bin/countyreport-image.tar (make image)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "not measured: needs ${missing[*]}"
  # Asked for by name, a section that measured nothing fails.
  [ -z "${BENCH_ONLY:-}" ] || exit 1
  exit 0
fi

# A node already up is someone else's (or a kept one): leave it alone.
if [ -e "/sys/class/net/$NODE_LINK" ]; then
  owner=$(cat "/sys/class/net/$NODE_LINK/ifalias" 2>/dev/null || true)
  echo "bench e2e: refused: a node is already up on this machine (state ${owner:-unknown});" \
    "the bench measures a fresh node of its own. Stop that one first (E2E_DIR=<its state> make e2e-down)." >&2
  exit 1
fi
for pid in "$PIDS"/*.pid; do
  [ -e "$pid" ] || continue
  if kill -0 "$(cat "$pid")" 2>/dev/null; then
    echo "bench e2e: refused: $(basename "$pid" .pid) of a node in $STATE still runs; make e2e-down first." >&2
    exit 1
  fi
done

mkdir -p "$LOGS"
testpid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$testpid" ]; then kill -- "-$testpid" 2>/dev/null || kill "$testpid" 2>/dev/null || true; fi
  if hack/e2e/node.sh down >"$LOGS/bench-down.log" 2>&1; then
    echo "node down"
  else
    cat "$LOGS/bench-down.log" >&2
    rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench e2e: interrupted" >&2; exit 130' INT TERM

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
# The node's progress lines look like "[  12.3s] kube-apiserver is ready".
hack/e2e/node.sh up >"$LOGS/bench-up.log" 2>&1 || { cat "$LOGS/bench-up.log"; exit 1; }
at() { awk -v re="$1" '$0 ~ re { sub(/^\[ */, ""); sub(/s\].*/, ""); print; exit }' "$LOGS/bench-up.log"; }
api=$(at 'kube-apiserver is ready') node=$(at 'node .* is Ready') up=$(at 'node .* is up ')
[ -n "$api" ] && [ -n "$node" ] && [ -n "$up" ] ||
  { echo "bench e2e: no timings in $LOGS/bench-up.log (node.sh's progress lines changed?)" >&2; exit 1; }
awk -v n="$node" -v a="$api" -v u="$up" 'BEGIN {
  printf "bench: node start to Ready: %.1f s; control plane alone (etcd + API server ready): %.1f s; ratio %.2f\n", n, a, n / a
  printf "bench: node start to up (network, MinIO, images imported, a restricted pod run): %.1f s\n", u }'

set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
# In a session of its own, so that cleanup stops the test binary too.
setsid go test -tags 'e2e e2ebench' -count=1 -timeout 90m -v -run "${E2E_BENCH_RUN:-^TestBench}" ./test/e2e/ \
  >"$LOGS/bench-test.log" 2>&1 &
testpid=$!
tail -n +1 -f --pid="$testpid" "$LOGS/bench-test.log" | grep --line-buffered -E '^(bench:|--- |=== RUN|FAIL|ok )' &
rc=0
wait "$testpid" || rc=$?
testpid=
wait || true
if [ "$rc" != 0 ]; then
  tail -n 80 "$LOGS/bench-test.log"
  echo "bench e2e: TestBench failed (exit $rc); its log: $LOGS/bench-test.log" >&2
  exit "$rc"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
