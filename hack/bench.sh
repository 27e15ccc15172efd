#!/usr/bin/env bash
# make bench: every benchmark prints our figure beside a baseline measured in
# the same run, and their ratio. Machines here are noisy: read the ratios.
# Set BENCH_QUICK=1 for a short smoke run with smaller sizes.
#
# BENCH_ONLY=<names> runs only the named sections (space- or
# comma-separated), e.g. BENCH_ONLY=e2e hack/bench.sh. The names:
#   operator dev memory render publish publish-core runs runs-core portal
#   signing e2e
# e2e starts a real node (hack/e2e/node.sh): root, make e2e-tools and make
# image first, no node already up (one runs on a machine at a time):
#   make image && BENCH_ONLY=e2e hack/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-}
only=" ${BENCH_ONLY//,/ } "

# section <name> <title>: prints the title and succeeds when the section
# is to run (every section unless BENCH_ONLY names others).
section() {
  if [ -n "${BENCH_ONLY:-}" ] && [[ $only != *" $1 "* ]]; then return 1; fi
  printf '\n== %s ==\n' "$2"
}


if section operator "operator: CountyReports to Ready against a real control plane"; then
  if [ -n "$quick" ]; then go run ./hack/bench/operator -n 50 -quiet 5s; else go run ./hack/bench/operator -n 500 -quiet 60s; fi
fi

if section dev "countyreport dev: start to the final table (tools built), first and resumed, vs the bare servers"; then
  # make bench builds bin/countyreport first; the tools are built by make tools.
  if [ -n "$quick" ]; then go run ./hack/bench/dev -runs 1; else go run ./hack/bench/dev -runs 3; fi
fi

if section memory "operator memory: the real manager after it has reconciled every county, cache label-filtered vs unfiltered"; then
  # 2,844 is every county-level unit of China; each county also gets one
  # unrelated ConfigMap, Secret and Deployment, which the filter keeps out.
  if [ -n "$quick" ]; then sizes="50"; else sizes="500 2844"; fi
  for n in $sizes; do go run ./hack/bench/operator -n "$n" -quiet 5s -manager-bin bin/countyreport; done
  # The same at 2,844 with GOMEMLIMIT=150MiB, as a Deployment with a 200 MiB
  # limit would set it: the Go heap is then the figure to compare.
  if [ -z "$quick" ]; then go run ./hack/bench/operator -n 2844 -quiet 5s -manager-bin bin/countyreport -gomemlimit 150MiB; fi
fi

if section render "report engine: countyreport vs warm Chromium (chromedp); whole generate process vs a cold Chromium process"; then
  if [ -n "$quick" ]; then go run ./hack/bench/render -n 5 -process-n 3; else go run ./hack/bench/render -n 50 -process-n 10; fi
fi

if section publish "storage: render and publish into MinIO vs render only"; then
  if [ -n "$quick" ]; then go run ./hack/bench/publish -counties 50; else go run ./hack/bench/publish -counties 1000; fi
fi

if section publish-core "storage, MinIO on its own core: render and publish on core 0 vs render only on core 0"; then
  # In a deployment MinIO runs on its own machines; here it gets CPU 1 and the
  # renderer CPU 0 in both phases, so the ratio is what publishing costs the renderer.
  if [ -n "$quick" ]; then n=50; else n=1000; fi
  go build -o bin/bench-publish ./hack/bench/publish
  COUNTYREPORT_MINIO_CPUS=1 taskset -c 0 bin/bench-publish -counties "$n"
fi

if [ -d hack/bench/runs ] && section runs "automation: scheduled runs with the in-process executor vs render only"; then
  if [ -n "$quick" ]; then go run ./hack/bench/runs -n 20; else go run ./hack/bench/runs -n 200; fi
fi

if [ -d hack/bench/runs ] && section runs-core "automation, servers on their own core: control plane and MinIO on CPU 1, manager and render only on CPU 0"; then
  # In a deployment the API server, etcd and the object store run on their own
  # machines; here they get CPU 1 and the manager (with the in-process
  # renderer) CPU 0, as does the render-only baseline of the same run. Read it
  # beside the shared-cores figure above, never instead of it.
  if [ -n "$quick" ]; then n=20; else n=200; fi
  go build -o bin/bench-runs ./hack/bench/runs
  taskset -c 0 bin/bench-runs -n "$n" -server-cpus 1
fi

if [ -d hack/bench/portal ] && section portal "portal: signed-in dashboard at 64 connections vs a bare gin handler"; then
  if [ -n "$quick" ]; then go run ./hack/bench/portal -d 3s -warmup 1s; else go run ./hack/bench/portal -d 10s; fi
fi

if section signing "signing: PAdES signature of one report (sign, verify, manifest) vs rendering it"; then
  if [ -n "$quick" ]; then bt=10x; else bt=3s; fi
  out=$(go test -run '^$' -bench 'RenderBaseline|SignReport|Verify' -benchmem -benchtime "$bt" ./internal/signing)
  echo "$out" | grep '^Benchmark'
  echo "$out" | awk '/^BenchmarkRenderBaseline/ {r=$3} /^BenchmarkSignReport/ {s=$3}
    END { if (r > 0) printf "signing %.2f ms per report, rendering %.2f ms: signing adds %.1f%%\n", s/1e6, r/1e6, 100*s/r }'
fi

if section e2e "real node (hack/e2e): node Ready vs the control plane alone; tenants serving; a monthly run, Job pod vs in-process; 50 counties"; then
  hack/bench/e2e.sh
fi
