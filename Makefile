# countyreport — the commands users, scripts and CI rely on.
#   make tools      build bin/k8s/{kube-apiserver,etcd,kubectl} and bin/minio (no-op once built)
#   make build      build bin/countyreport
#   make test       everything CI checks: tools, formatting, vet, generated files, the test suite
#   make manifests  regenerate CRDs, RBAC and deepcopy from the API markers
#   make bench      the benchmarks, each figure beside its baseline and their ratio
#   make run        the manager against the current kubeconfig

SHELL := /usr/bin/env bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN := $(ROOT)/bin
export KUBEBUILDER_ASSETS := $(BIN)/k8s
export COUNTYREPORT_MINIO_BIN := $(BIN)/minio
DEBIAN_PACKAGES := fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-dejavu-core fonts-dejavu-extra poppler-utils chromium
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/countyreport/countyreport/internal/version.Version=$(VERSION)
GO_TEST_FLAGS ?= -timeout 30m

.PHONY: all tools deps build test fmt-check vet manifests manifests-check chart-check bench run clean

all: build

tools: deps
	@hack/build-tools.sh

deps:
	@hack/debian-packages.sh $(DEBIAN_PACKAGES)

build:
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/countyreport ./cmd/countyreport

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

HELM := go run helm.sh/helm/v3/cmd/helm@v3.22.0

chart-check:
	$(HELM) lint --strict charts/countyreport
	$(HELM) template t charts/countyreport --set storage.endpoint=minio:9000 >/dev/null

test: tools fmt-check vet manifests-check chart-check
	go test $(GO_TEST_FLAGS) ./...

bench: tools build
	@hack/bench.sh

run: build
	$(BIN)/countyreport manager

clean:
	rm -rf $(BIN)/countyreport out/
