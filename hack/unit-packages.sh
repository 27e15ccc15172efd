#!/usr/bin/env bash
# Prints the packages whose tests need no server, for `make test-unit`.
#
# A package needs servers when its test binary links one of the harnesses
# that start them: internal/testenv and controller-runtime's envtest
# (kube-apiserver and etcd), internal/storage/miniotest (MinIO),
# internal/dev (the whole dev platform) or chromedp (Chromium). The list is
# derived from the imports, not kept by hand, so a new package that starts a
# server is left out of the fast loop without anyone remembering to. Those
# tests still run in `make test`. Packages without tests are not printed.
set -euo pipefail
cd "$(dirname "$0")/.."
servers='^(github\.com/countyreport/countyreport/internal/(testenv|storage/miniotest|dev)|sigs\.k8s\.io/controller-runtime/pkg/envtest|github\.com/chromedp/chromedp)$'
go list -test -f '{{.ImportPath}} {{join .Deps " "}}' ./... |
  awk -v servers="$servers" '
    $1 ~ /\.test$/ {
      for (i = 2; i <= NF; i++) if ($i ~ servers) next
      sub(/\.test$/, "", $1); print $1
    }'
