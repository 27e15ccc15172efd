# countyreport — the commands users, scripts and CI rely on.
#   make demo       the whole platform on this machine (countyreport dev); Ctrl-C stops it
#   make tools      build bin/k8s/{kube-apiserver,etcd,kubectl}, bin/minio and bin/mailpit (no-op once built)
#   make build      build bin/countyreport
#   make test       everything CI checks: tools, formatting, vet, generated files, the test suite,
#                   and the date-dependent tests under a matrix of dates (make clock-matrix)
#   make manifests  regenerate CRDs, RBAC and deepcopy from the API markers
#   make bench      the benchmarks, each figure beside its baseline and their ratio
#   make run        the manager against the current kubeconfig

SHELL := /usr/bin/env bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN := $(ROOT)/bin
export KUBEBUILDER_ASSETS := $(BIN)/k8s
export COUNTYREPORT_MINIO_BIN := $(BIN)/minio
export COUNTYREPORT_MAILPIT_BIN := $(BIN)/mailpit
DEBIAN_PACKAGES := fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-dejavu-core fonts-dejavu-extra poppler-utils chromium
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/countyreport/countyreport/internal/version.Version=$(VERSION)
GO_TEST_FLAGS ?= -timeout 30m

.PHONY: all tools deps build test clock-matrix fmt-check vet manifests manifests-check chart-check chart-tools helm monitoring-crds bench run demo clean

all: build

tools: deps
	@hack/build-tools.sh

deps:
	@hack/debian-packages.sh $(DEBIAN_PACKAGES)

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/countyreport ./cmd/countyreport

manifests:
	go tool controller-gen object paths=./api/...
	go tool controller-gen crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	go tool controller-gen rbac:roleName=countyreport-manager paths=./controllers/... output:rbac:artifacts:config=config/rbac
	cp config/crd/bases/*.yaml charts/countyreport/crds/
	cp config/rbac/role.yaml charts/countyreport/files/manager-role.yaml

# CI fails when the generated files are not what the markers say.
manifests-check: manifests
	@git diff --exit-code -- config/crd/bases config/rbac api charts/countyreport || \
	  { echo "generated files are stale: run 'make manifests' and commit the result" >&2; exit 1; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed on: $$out" >&2; exit 1; }

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

chart-tools: helm monitoring-crds

# Lint and render with the defaults and with every switch on; the Go tests
# (internal/install) apply the rendered manifests to a real API server.
chart-check: chart-tools
	$(HELM) lint --strict charts/countyreport
	$(HELM) lint --strict charts/countyreport --values charts/countyreport/ci/full-values.yaml
	$(HELM) template t charts/countyreport >/dev/null
	$(HELM) template t charts/countyreport --values charts/countyreport/ci/full-values.yaml >/dev/null
	$(HELM) template t charts/countyreport --set storage.endpoint=minio:9000 | go run ./hack/chartcheck
	$(HELM) template t charts/countyreport --set 'watchNamespaces={county-a,county-b}' | go run ./hack/chartcheck -namespaces county-a,county-b

test: tools fmt-check vet manifests-check chart-check
	go test $(GO_TEST_FLAGS) ./...
	@$(MAKE) --no-print-directory clock-matrix

# The date-dependent tests again under the instants where a monthly
# deadline turns (the 1st, 5th, 6th and last day, 00:30 and 23:30 Shanghai,
# a leap February): the suite passes on any day it is run.
clock-matrix:
	@GO_TEST_FLAGS="$(GO_TEST_FLAGS)" hack/clock-matrix.sh

bench: tools build
	@hack/bench.sh

run: build
	$(BIN)/countyreport manager

# The whole platform on this machine: control plane, MinIO, operator, portals.
# DEMO_FLAGS=--reset starts clean.
demo: tools build
	$(BIN)/countyreport dev $(DEMO_FLAGS)

clean:
	rm -rf $(BIN)/countyreport out/
