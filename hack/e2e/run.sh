#!/usr/bin/env bash
# `make e2e`: starts the node, runs the suite against it, stops the node,
# even when the suite fails or the run is interrupted. E2E_KEEP=1 leaves the
# node running and prints its kubeconfig as KUBECONFIG=<path>; `make
# e2e-down` stops it. E2E_TEST_FLAGS are passed to go test (e.g. -run X).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

"$here/node.sh" up
finish() {
  local rc=$?
  if [ "${E2E_KEEP:-}" = 1 ]; then
    step "E2E_KEEP=1: the node stays up; make e2e-down stops it"
    echo "KUBECONFIG=$STATE/kubeconfig"
  else
    "$here/node.sh" down
  fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM
set -a
source "$STATE/env"
set +a
cd "$ROOT"
step "netpol's ruleset in the kernel: go test -tags e2e ./hack/e2e/netpol/"
go test -tags e2e -count=1 -run TestRulesetInNetns ./hack/e2e/netpol/
step "running the suite: go test -tags e2e ./test/e2e/..."
# shellcheck disable=SC2086
go test -tags e2e -count=1 -timeout 60m -v ${E2E_TEST_FLAGS:-} ./test/e2e/...
step "suite passed"
