GO        ?= go
# One program: every command, the bundled control plane and the self-test's gRPC client.
BIN       := bin/xdsctl
PKG       := github.com/xdsctl/xdsctl
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X $(PKG)/internal/cmd/version.Version=$(VERSION) -X $(PKG)/internal/cmd/version.Commit=$(COMMIT) -X $(PKG)/internal/cmd/version.Date=$(DATE)
export CGO_ENABLED ?= 0

.PHONY: deps build test unit golden bench fuzz lint docs demo clean

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/xdsctl

## test: every test (unit, golden, e2e with the real API server harness, the bundled control plane
## and the ui page in headless Chromium). hack/ui-e2e/ensure.sh installs Debian's chromium and the
## page's npm packages when they are missing.
## hack/kube-e2e/ensure.sh builds the harness binaries once into ~/.cache/xdsctl/kube-e2e/bin
## (8-17 min on a fresh 2-core machine; later runs skip it); XDSCTL_E2E=1 makes a missing harness
## fail the e2e tests instead of skipping them.
test: deps build
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal pkg)" || { echo "gofmt needed:"; gofmt -l cmd internal pkg; exit 1; }
	GO=$(GO) ./hack/kube-e2e/ensure.sh >/dev/null
	./hack/ui-e2e/ensure.sh
	XDSCTL_E2E=1 XDSCTL_ARTIFACTS=$${XDSCTL_ARTIFACTS:-$(CURDIR)/artifacts} $(GO) test -count=1 ./...

## deps: the Go modules, downloaded quietly (one line when there is something to fetch)
deps:
	@GOFLAGS=-mod=mod GOPROXY=off $(GO) list -deps -test ./... >/dev/null 2>&1 || { \
		echo "downloading Go modules (first run only, 1-3 min)"; $(GO) mod download; }

unit:
	$(GO) test ./...

golden:
	UPDATE_GOLDEN=1 $(GO) test ./...

## bench: Go benchmarks of the parsers and whole commands on the shared dumps and on the 100 MB
## dump and 98 MB /clusters file hack/bigdumps.sh generates into testdata/big (once, ~1 min), and
## the start-up of xdsctl and xdsctl-live as whole processes (cmd/xdsctl: BenchmarkStartup*);
## hack/perf.sh measures whole processes (wall time, peak RSS) for docs/performance.md.
bench:
	./hack/bigdumps.sh
	$(GO) test -run '^$$' -bench . -benchmem ./internal/jsonscan ./internal/envoydesc ./pkg/... ./internal/cmd/proxyconfig ./internal/cmd/analyze ./cmd/xdsctl

## fuzz: every fuzz target for 10 s each (hack/fuzz.sh); crashers land in the package's testdata/fuzz.
fuzz:
	./hack/fuzz.sh 10s

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal pkg)" || { gofmt -l cmd internal pkg; exit 1; }

## docs: the command reference (docs/cli); a test fails when it is stale.
docs:
	$(GO) run ./hack/gen-docs docs/cli

## demo: a short tour of proxy-config on the example sidecar built into xdsctl, then the selftest (hack/demo.sh).
demo: build
	@./hack/demo.sh ./$(BIN)

clean:
	rm -rf bin
