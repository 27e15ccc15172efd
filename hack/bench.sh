#!/usr/bin/env bash
# make bench: every benchmark prints our figure beside a baseline measured in
# the same run, and their ratio. Machines here are noisy: read the ratios.
# Set BENCH_QUICK=1 for a short smoke run with smaller sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-}

section() { printf '\n== %s ==\n' "$1"; }

section "operator: CountyReports to Ready against a real control plane"
if [ -n "$quick" ]; then go run ./hack/bench/operator -n 50 -quiet 5s; else go run ./hack/bench/operator -n 500 -quiet 60s; fi

section "countyreport dev: start to the final table (tools built), first and resumed, vs the bare servers"
# make bench builds bin/countyreport first; the tools are built by make tools.
if [ -n "$quick" ]; then go run ./hack/bench/dev -runs 1; else go run ./hack/bench/dev -runs 3; fi

section "operator memory: the real manager after it has reconciled every county, cache label-filtered vs unfiltered"
# 2,844 is every county-level unit of China; each county also gets one
# unrelated ConfigMap, Secret and Deployment, which the filter keeps out.
if [ -n "$quick" ]; then sizes="50"; else sizes="500 2844"; fi
for n in $sizes; do go run ./hack/bench/operator -n "$n" -quiet 5s -manager-bin bin/countyreport; done
# The same at 2,844 with GOMEMLIMIT=150MiB, as a Deployment with a 200 MiB
# limit would set it: the Go heap is then the figure to compare.
if [ -z "$quick" ]; then go run ./hack/bench/operator -n 2844 -quiet 5s -manager-bin bin/countyreport -gomemlimit 150MiB; fi

section "report engine: countyreport vs warm Chromium (chromedp); whole generate process vs a cold Chromium process"
if [ -n "$quick" ]; then go run ./hack/bench/render -n 5 -process-n 3; else go run ./hack/bench/render -n 50 -process-n 10; fi

section "storage: render and publish into MinIO vs render only"
if [ -n "$quick" ]; then go run ./hack/bench/publish -counties 50; else go run ./hack/bench/publish -counties 1000; fi

section "storage, MinIO on its own core: render and publish on core 0 vs render only on core 0"
# In a deployment MinIO runs on its own machines; here it gets CPU 1 and the
# renderer CPU 0 in both phases, so the ratio is what publishing costs the renderer.
if [ -n "$quick" ]; then n=50; else n=1000; fi
go build -o bin/bench-publish ./hack/bench/publish
COUNTYREPORT_MINIO_CPUS=1 taskset -c 0 bin/bench-publish -counties "$n"

if [ -d hack/bench/runs ]; then
  section "automation: scheduled runs with the in-process executor vs render only"
  if [ -n "$quick" ]; then go run ./hack/bench/runs -n 20; else go run ./hack/bench/runs -n 200; fi
fi

if [ -d hack/bench/runs ]; then
  section "automation, servers on their own core: control plane and MinIO on CPU 1, manager and render only on CPU 0"
  # In a deployment the API server, etcd and the object store run on their own
  # machines; here they get CPU 1 and the manager (with the in-process
  # renderer) CPU 0, as does the render-only baseline of the same run. Read it
  # beside the shared-cores figure above, never instead of it.
  if [ -n "$quick" ]; then n=20; else n=200; fi
  go build -o bin/bench-runs ./hack/bench/runs
  taskset -c 0 bin/bench-runs -n "$n" -server-cpus 1
fi

if [ -d hack/bench/portal ]; then
  section "portal: signed-in dashboard at 64 connections vs a bare gin handler"
  if [ -n "$quick" ]; then go run ./hack/bench/portal -d 3s -warmup 1s; else go run ./hack/bench/portal -d 10s; fi
fi

section "signing: PAdES signature of one report (sign, verify, manifest) vs rendering it"
if [ -n "$quick" ]; then bt=10x; else bt=3s; fi
out=$(go test -run '^$' -bench 'RenderBaseline|SignReport|Verify' -benchmem -benchtime "$bt" ./internal/signing)
echo "$out" | grep '^Benchmark'
echo "$out" | awk '/^BenchmarkRenderBaseline/ {r=$3} /^BenchmarkSignReport/ {s=$3}
  END { if (r > 0) printf "signing %.2f ms per report, rendering %.2f ms: signing adds %.1f%%\n", s/1e6, r/1e6, 100*s/r }'

section "real node (hack/e2e): node Ready vs the control plane alone; tenants serving; a monthly run, Job pod vs in-process"
# Needs root, make e2e-tools and make image, and no node already running
# (make e2e-down). The node's own progress lines give its timings.
if [ "$(id -u)" = 0 ] && [ -x bin/node/kubelet ] && [ -s bin/countyreport-image.tar ] && [ -x hack/e2e/node.sh ]; then
  log=$(mktemp)
  trap 'hack/e2e/node.sh down >/dev/null 2>&1 || true; rm -f "$log"' EXIT
  hack/e2e/node.sh up >"$log" 2>&1 || { cat "$log"; exit 1; }
  # Lines look like "[  12.3s] kube-apiserver is ready".
  api=$(awk '/kube-apiserver is ready/ { gsub(/[][s]/, "", $1); print $1; exit }' "$log")
  node=$(awk '/node .* is Ready/ { gsub(/[][s]/, "", $1); print $1; exit }' "$log")
  awk -v n="$node" -v a="$api" 'BEGIN { printf "node Ready: %.1f s; control plane alone (API server ready): %.1f s; ratio %.2f\n", n, a, n / a }'
  ( set -a; source "${E2E_DIR:-.e2e}/env"; set +a
    go test -tags 'e2e e2ebench' -count=1 -timeout 60m -v -run '^TestBench$' ./test/e2e/ | grep '^bench:' )
else
  echo "not measured: needs root, make e2e-tools, make image and hack/e2e/node.sh"
fi
