# countyreport — the commands users, scripts and CI rely on. `make help`
# lists them by group.
#
# Help comes from comment lines of the form `## target: what it does` just
# above each target, and `##@ Group` lines that open a group (as
# kubebuilder's Makefile groups its targets). The comment sits on a line of
# its own, not after the target's prerequisites, so a change to a target's
# prerequisites never touches its help line and the other way round.

SHELL := /usr/bin/env bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN := $(ROOT)/bin
export KUBEBUILDER_ASSETS := $(BIN)/k8s
export COUNTYREPORT_MINIO_BIN := $(BIN)/minio
export COUNTYREPORT_MAILPIT_BIN := $(BIN)/mailpit
DEBIAN_PACKAGES := fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-dejavu-core fonts-dejavu-extra poppler-utils qpdf libnss3-tools chromium tzdata ca-certificates
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/countyreport/countyreport/internal/version.Version=$(VERSION)
GO_TEST_FLAGS ?= -timeout 30m

.PHONY: all tools deps build image test clock-matrix fmt-check vet manifests manifests-check chart-check chart-tools helm monitoring-crds bench run demo clean
.PHONY: help lint test-unit e2e-tools e2e-up e2e-down e2e e2e-containment

all: build

##@ General

## help: this list
help:
	@awk '/^##@ / { printf "\n%s\n", substr($$0, 5); next } \
	  /^## [A-Za-z0-9_-]+: / { t = $$2; sub(/:$$/, "", t); d = $$0; sub(/^## [^:]*: /, "", d); printf "  make %-16s %s\n", t, d }' $(MAKEFILE_LIST)

##@ Build

## tools: build bin/k8s/{kube-apiserver,etcd,kubectl}, bin/minio and bin/mailpit from hack/tools, install axe-core in hack/axe with npm (no-op once done)
tools: deps
	@hack/build-tools.sh
	@hack/axe.sh

## deps: install the Debian packages the tests need (fonts, poppler-utils, qpdf, chromium) when missing
deps:
	@hack/debian-packages.sh $(DEBIAN_PACKAGES)

## build: a static bin/countyreport
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/countyreport ./cmd/countyreport

## manifests: regenerate CRDs, RBAC and deepcopy from the API markers (CI fails on a diff)
manifests:
	go tool controller-gen object paths=./api/...
	go tool controller-gen crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	go tool controller-gen rbac:roleName=countyreport-manager paths=./controllers/... output:rbac:artifacts:config=config/rbac
	cp config/crd/bases/*.yaml charts/countyreport/crds/
	cp config/rbac/role.yaml charts/countyreport/files/manager-role.yaml

##@ Test

# CI fails when the generated files are not what the markers say.
## manifests-check: make manifests, then fail if the generated files changed
manifests-check: manifests
	@git diff --exit-code -- config/crd/bases config/rbac api charts/countyreport || \
	  { echo "generated files are stale: run 'make manifests' and commit the result" >&2; exit 1; }

## fmt-check: fail on files gofmt would change
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed on: $$out" >&2; exit 1; }

## vet: go vet ./...
vet:
	go vet ./...

HELM := $(BIN)/helm
HELM_VERSION := v3.22.0
# prometheus-operator's ServiceMonitor and PrometheusRule CRDs, fetched from
# the Go module proxy, so that the chart's objects of those kinds are checked
# by the API server against their real schemas.
PROMETHEUS_OPERATOR := github.com/prometheus-operator/prometheus-operator@v0.85.0
MONITORING_CRDS := $(BIN)/crds/monitoring

helm: $(HELM)
$(HELM):
	@echo "building helm $(HELM_VERSION) into bin/ (about a minute, once)"
	GOBIN=$(BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

monitoring-crds: $(MONITORING_CRDS)/monitoring.coreos.com_servicemonitors.yaml
$(MONITORING_CRDS)/monitoring.coreos.com_servicemonitors.yaml:
	@mkdir -p $(MONITORING_CRDS)
	@dir=$$(cd / && go mod download -json $(PROMETHEUS_OPERATOR) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	  test -n "$$dir" || { echo "go mod download $(PROMETHEUS_OPERATOR) failed" >&2; exit 1; }; \
	  install -m 0644 $$dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml \
	    $$dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml $(MONITORING_CRDS)/

## chart-tools: bin/helm and prometheus-operator's CRDs in bin/crds, for chart-check
chart-tools: helm monitoring-crds

# Lint and render with the defaults and with every switch on; the Go tests
# (internal/install) apply the rendered manifests to a real API server.
## chart-check: helm lint and render the chart, with the defaults and with every value set
chart-check: chart-tools
	$(HELM) lint --strict charts/countyreport
	$(HELM) lint --strict charts/countyreport --values charts/countyreport/ci/full-values.yaml
	$(HELM) template t charts/countyreport >/dev/null
	$(HELM) template t charts/countyreport --values charts/countyreport/ci/full-values.yaml >/dev/null
	$(HELM) template t charts/countyreport --set storage.endpoint=minio:9000 | go run ./hack/chartcheck
	$(HELM) template t charts/countyreport --set 'watchNamespaces={county-a,county-b}' | go run ./hack/chartcheck -namespaces county-a,county-b

# The real node last: it needs root, and the rest tells more, sooner.
## test: everything CI checks: tools, gofmt, vet, generated files, the chart, go test ./... (and hack/image), make clock-matrix, make e2e (root)
test: tools fmt-check vet manifests-check chart-check
	go test $(GO_TEST_FLAGS) ./...
	cd hack/image && go vet ./... && go test $(GO_TEST_FLAGS) ./...
	@$(MAKE) --no-print-directory clock-matrix
	@$(MAKE) --no-print-directory e2e

# The date-dependent tests again under the instants where a monthly
# deadline turns (the 1st, 5th, 6th and last day, 00:30 and 23:30 Shanghai,
# a leap February): the suite passes on any day it is run.
## clock-matrix: the date-dependent tests (hack/clock-matrix.sh) again under ten instants; part of make test
clock-matrix:
	@GO_TEST_FLAGS="$(GO_TEST_FLAGS)" hack/clock-matrix.sh

# The packages whose tests start no server (no kube-apiserver, etcd, MinIO or
# Chromium), found from their imports by hack/unit-packages.sh; they still
# need the Debian fonts, poppler-utils and qpdf (make deps). docs/development.md.
## test-unit: the fast loop: the tests that need no server
test-unit:
	go test $(GO_TEST_FLAGS) $$(hack/unit-packages.sh)

# staticcheck, pinned in its own module (hack/tools/lint) so that it never
# moves the main module's dependencies, built into bin/ once. Not part of
# `make test`: it type-checks the whole tree, minutes on a busy 2-core
# machine. Findings are fixed, or silenced on their line with
# //lint:ignore and the reason.
STATICCHECK := $(BIN)/staticcheck
## lint: staticcheck ./... (built into bin/ from hack/tools/lint on first use)
lint: $(STATICCHECK)
	$(STATICCHECK) ./...
$(STATICCHECK): hack/tools/lint/go.mod
	cd hack/tools/lint && CGO_ENABLED=0 go build -trimpath -o $(STATICCHECK) honnef.co/go/tools/cmd/staticcheck

##@ Package

# The project's OCI image archive, without Docker: the Dockerfile's final
# stage (read by hack/image) with the binary built static and stripped.
IMAGE_TAG ?= $(VERSION)
## image: bin/countyreport-image.tar, the OCI image archive, without Docker
image: deps
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(BIN)/image/countyreport ./cmd/countyreport
	cd hack/image && go run . -dockerfile $(ROOT)/Dockerfile -binary $(BIN)/image/countyreport \
	  -out $(BIN)/countyreport-image.tar -tag countyreport:$(IMAGE_TAG)

##@ Benchmarks

## bench: the benchmarks, each figure beside its baseline and their ratio (BENCH_QUICK=1: a short run)
bench: tools build
	@hack/bench.sh

##@ End-to-end (a real single-node cluster; runs as root; docs/install-e2e.md)

## e2e-tools: make tools, then bin/node (kubelet, containerd, kube-proxy, ...) and runc, CNI plugins, nftables (no-op once built)
e2e-tools: tools
	@hack/e2e/tools.sh

## e2e-up: start the node (hack/e2e/node.sh up) under .e2e (E2E_DIR); prints KUBECONFIG=<path>
e2e-up:
	@hack/e2e/node.sh up

## e2e-down: stop the node and remove all it made (processes, mounts, bridge, nftables, cgroups)
e2e-down:
	@hack/e2e/node.sh down

# Part of `make test` (its last step); it needs root and takes minutes.
## e2e: e2e-tools, image, e2e-up, go test -tags e2e ./test/e2e/..., e2e-down (E2E_KEEP=1: leave the node up)
e2e: e2e-tools image
	@hack/e2e/run.sh

## e2e-containment: node.sh up/down 3 times, an up killed and one interrupted: nothing of the node may remain
e2e-containment: e2e-tools
	@test/e2e/containment.sh 3

##@ Run

## run: the manager against the cluster of the current kubeconfig
run: build
	$(BIN)/countyreport manager

# The whole platform on this machine: control plane, MinIO, operator, portals.
# DEMO_FLAGS=--reset starts clean.
## demo: the whole platform on this machine (countyreport dev); Ctrl-C stops it, DEMO_FLAGS=--reset starts clean
demo: tools build
	$(BIN)/countyreport dev $(DEMO_FLAGS)

## clean: remove bin/countyreport and out/
clean:
	rm -rf $(BIN)/countyreport out/
