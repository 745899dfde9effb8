# meshwasm: build, test, pack and push every proxy-wasm filter under filters/.
# Per-filter targets are generated from filters/*/ (a new filter needs no edit here).

FILTERS   := $(sort $(notdir $(patsubst %/main.go,%,$(wildcard filters/*/main.go))))
REGISTRY  ?= localhost:5000
TAG       ?= dev
TOOLCHAIN ?= go
# TAGS: build tags for the filters' modules, comma-separated (make TAGS=a,b)
TAGS      ?=
# ENVOY_VERSION: the oldest Envoy the modules must load in (meshwasm build -envoy; empty: 1.33)
ENVOY_VERSION ?=
INSECURE  ?=
VERSION   ?= $(TAG)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE    ?= https://github.com/meshwasm/meshwasm
BIN       := dist/bin/meshwasm
OFFLINE_BIN := dist/bin/meshwasm-offline
GO_PKGS   := github.com/meshwasm/meshwasm/...
SHELL     := /bin/bash
# make test prints one line per package and every failure in full (gotestsum,
# pinned in tools/go.mod), then how many twin subtests ran natively and as wasm
# (the ".../native" and ".../wasm" halves of build/wasmtest.Twin) and gotestsum's
# DONE line. VERBOSE=1 prints the whole go test -v stream instead; the proxy log
# lines the test host prints and the RUN/PAUSE/CONT markers are dropped from it.
VERBOSE   ?=
TEST_NOISE := ^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} proxy_|^\s*=== (RUN|PAUSE|CONT|NAME)
GOTESTSUM := dist/bin/gotestsum
TEST_JSON := dist/test/go-test.json
# golangci-lint is pinned in tools/go.mod, a module outside go.work so that its
# dependencies never enter the filters' build list.
GOLANGCI  := dist/bin/golangci-lint

# TOOLCHAIN=tinygo is not exercised on meshwasm's machines (TinyGo cannot be
# installed there); without tinygo, stop before building anything.
ifeq ($(TOOLCHAIN),tinygo)
ifeq ($(shell command -v tinygo),)
$(error TOOLCHAIN=tinygo: tinygo is not on PATH (install TinyGo >= 0.28 from https://tinygo.org/getting-started/install/, or leave TOOLCHAIN unset for standard Go))
endif
endif

.DEFAULT_GOAL := all
.PHONY: all test vet clean tool offline-tool images manifests push $(FILTERS)

## all: build every filter: dist/<filter>/plugin.wasm, its OCI image and WasmPlugin manifest
all: $(FILTERS)

## tool: the meshwasm command (dist/bin/meshwasm), for push, run and users
tool:
	@mkdir -p dist/bin
	@go build -o $(BIN) ./cmd/meshwasm

# From an empty build cache, compiling the whole meshwasm command costs more
# than building every filter: most of it is the HTTP, TLS, registry and wazero
# code of push and run. Building, packing and describing need none of it, so
# those targets use meshwasm with its offline commands alone.
## offline-tool: meshwasm without push and run (dist/bin/meshwasm-offline; -tags meshwasm_offline), what make uses to build
offline-tool:
	@mkdir -p dist/bin
	@go build -tags meshwasm_offline -o $(OFFLINE_BIN) ./cmd/meshwasm

## test: every module's tests, natively and against the compiled .wasm modules (VERBOSE=1: the full -v stream)
test: $(GOTESTSUM)
	@mkdir -p $(dir $(TEST_JSON))
ifeq ($(VERBOSE),)
	@set -o pipefail; $(GOTESTSUM) --format pkgname --hide-summary skipped --jsonfile $(TEST_JSON) -- -count=1 $(GO_PKGS) | { \
		while IFS= read -r line; do case "$$line" in "DONE "*) done=$$line ;; *) printf '%s\n' "$$line" ;; esac; done; \
		twins() { grep -cE '"Action":"(pass|fail)","Package":"[^"]*","Test":"[^"]*/'"$$1"'"' $(TEST_JSON); }; \
		printf 'twin subtests: %s native, %s wasm\n%s\n' "$$(twins native)" "$$(twins wasm)" "$$done"; }
else
	@set -o pipefail; $(GOTESTSUM) --format standard-verbose --jsonfile $(TEST_JSON) -- -count=1 $(GO_PKGS) 2>&1 | grep -vE '$(TEST_NOISE)'
endif

## vet: go vet over every module
vet:
	go vet $(GO_PKGS)

## images: every filter's OCI image layout (dist/<filter>/image, dist/<filter>/image.digest)
images: $(addprefix image-,$(FILTERS))

## manifests: every filter's WasmPlugin (dist/<filter>/wasmplugin.yaml) for oci://$(REGISTRY)/meshwasm/<filter>:$(TAG)
manifests: $(addprefix manifest-,$(FILTERS))

## push: push every image to $(REGISTRY)/meshwasm/<filter>:$(TAG) (INSECURE=1 for plain HTTP) and pin the manifests
push: $(addprefix push-,$(FILTERS))

## new: scaffold filters/$(NAME)/ from build/scaffold's template and add it to go.work (make new NAME=demo)
.PHONY: new
new: offline-tool
	@$(OFFLINE_BIN) new -name "$(NAME)" -root .

## clean: remove dist/
clean:
	rm -rf dist

.PHONY: help lint fmt run

## help: list the targets, one line each
help:
	@sed -nE 's/^## ([^:]+): (.*)/\1\t\2/p' $(firstword $(MAKEFILE_LIST)) | sed 's/\$$(1)/<filter>/g' | \
		awk -F'\t' '{ printf "  %-22s %s\n", $$1, $$2 }'
	@echo "  (<filter> is one of: $(FILTERS))"

$(GOTESTSUM): tools/go.mod tools/go.sum
	@mkdir -p dist/bin
	@cd tools && GOWORK=off go build -o ../$(GOTESTSUM) gotest.tools/gotestsum

$(GOLANGCI): tools/go.mod tools/go.sum
	@mkdir -p dist/bin
	cd tools && GOWORK=off go build -o ../$(GOLANGCI) github.com/golangci/golangci-lint/v2/cmd/golangci-lint

## lint: golangci-lint (pinned in tools/go.mod, configured by .golangci.yml) over every module in go.work
lint: $(GOLANGCI)
	@$(GOLANGCI) run --config .golangci.yml $$(go list -m -f '{{.Dir}}/...')

## fmt: format every Go file (gofmt, goimports) with lint's formatters
fmt: $(GOLANGCI)
	@$(GOLANGCI) fmt --config .golangci.yml $$(go list -m -f '{{.Dir}}/...')

# make run without Envoy: where meshwasm run listens, what it proxies to (empty:
# its built-in echo upstream), the plugin configuration file (empty: the
# filter's wasmplugin.yaml pluginConfig) and the callout clusters (NAME=URL,...).
LISTEN    ?= 127.0.0.1:10000
UPSTREAM  ?=
CONFIG    ?=
CLUSTERS  ?=
# Under make -n the run recipe still runs (it calls $(MAKE)); it then prints
# the meshwasm run command rather than starting it.
DRYRUN    := $(findstring n,$(firstword -$(MAKEFLAGS)))

## run: try a filter (make run FILTER=addheader): in Envoy with filters/$(FILTER)/envoy.yaml when envoy or func-e is on PATH, else in meshwasm run (LISTEN, UPSTREAM, CONFIG, CLUSTERS)
run:
	@if [ -z "$(filter $(FILTER),$(FILTERS))" ]; then \
		echo "make run: FILTER must name a filter: $(FILTERS)" >&2; exit 2; fi
	@if command -v envoy >/dev/null 2>&1; then envoy=(envoy); \
	elif command -v func-e >/dev/null 2>&1; then envoy=(func-e run); \
	else \
		echo "make run: neither envoy nor func-e is on PATH: running the filter in meshwasm run (production is Envoy/Istio; see the README's Try it)" >&2; \
		$(MAKE) --no-print-directory tool && \
		$(if $(DRYRUN),echo )exec $(BIN) run filters/$(FILTER) -listen "$(LISTEN)" $(if $(UPSTREAM),-upstream "$(UPSTREAM)") \
			$(if $(CONFIG),-config "$(CONFIG)") $(if $(CLUSTERS),-cluster "$(CLUSTERS)"); \
		exit $$?; \
	fi; \
	$(MAKE) --no-print-directory wasm-$(FILTER) && \
	echo "Envoy on :10000, in front of an upstream on 127.0.0.1:8080 (filters/$(FILTER)/envoy.yaml)" && \
	exec "$${envoy[@]}" -c filters/$(FILTER)/envoy.yaml $(ENVOY_ARGS)

CONNECTIONS ?= 32
REQUESTS    ?= 20000
.PHONY: load
## load: a bounded load test over loopback (make load FILTER=addheader): REQUESTS=20000 over CONNECTIONS=32 through meshwasm run, and through it without a filter; fails on any error or lost request
load:
	@if [ -z "$(filter $(FILTER),$(FILTERS))" ]; then \
		echo "make load: FILTER must name a filter: $(FILTERS)" >&2; exit 2; fi
	@go run ./tests/perf/cmd/load -filter $(FILTER) -connections $(CONNECTIONS) -requests $(REQUESTS)

FUZZ      ?= ^Fuzz
FUZZTIME  ?= 10s
.PHONY: fuzz
## fuzz: run every fuzz target with the fuzzing engine for FUZZTIME=10s each (FUZZ=<regexp> picks targets)
fuzz:
	@set -eo pipefail; go test -list '$(FUZZ)' $(GO_PKGS) | \
	awk '/^Fuzz/ { t[n++] = $$1 } /^ok / { for (i = 0; i < n; i++) print $$2, t[i]; n = 0 }' | \
	while read -r pkg target; do \
		echo "== $$pkg $$target ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

.PHONY: bench soak gctrade rustcmp benchmarks
## bench: every filter's Benchmark<Name>_Request and the no-op module's, native and wasm, compared with benchstat
bench:
	@go run ./tests/perf/cmd/nativevswasm

## soak: 1,000,000 requests through each compiled module; linear memory sampled (tests/perf/results/soak.*); the interleaved memory test over 1,000,000 streams
soak:
	@go run ./tests/perf/cmd/soak
	@MESHWASM_MEMORY_STREAMS=1000000 go test -count=1 -run '^TestEnvoy_MemoryInterleaved$$' ./tests/perf/envoy

## rustcmp: the Go modules against their Rust twins in tests/perf/rust (needs Debian's cargo; results/rust.json)
rustcmp:
	@go run ./tests/perf/cmd/rustcmp

## gctrade: every module with its defaults against GOGC=25 alone (the binding's collector off): memory and CPU (results/gctrade.json)
gctrade:
	@go run ./tests/perf/cmd/gctrade

## benchmarks: regenerate BENCHMARKS.md and BENCHMARKS.json (bench, soak, gctrade, rustcmp, sizes, build times; ~5 min)
benchmarks:
	@$(MAKE) --no-print-directory bench
	@$(MAKE) --no-print-directory soak
	@$(MAKE) --no-print-directory gctrade
	@$(MAKE) --no-print-directory rustcmp
	@go run ./tests/perf/cmd/writebenchmarks

define FILTER_RULES
.PHONY: $(1) wasm-$(1) image-$(1) manifest-$(1) push-$(1) bench-$(1) soak-$(1)
## $(1): build filters/$(1): dist/$(1)/plugin.wasm, its image and its WasmPlugin
$(1): manifest-$(1)

## wasm-$(1): dist/$(1)/plugin.wasm only (TOOLCHAIN=go, or tinygo where installed)
wasm-$(1): offline-tool
	@$(OFFLINE_BIN) build filters/$(1) -o dist/$(1)/plugin.wasm -toolchain $(TOOLCHAIN) $(if $(TAGS),-tags $(TAGS)) $(if $(ENVOY_VERSION),-envoy $(ENVOY_VERSION))

## image-$(1): its OCI image layout only (dist/$(1)/image, dist/$(1)/image.digest)
image-$(1): wasm-$(1)
	@$(OFFLINE_BIN) image dist/$(1)/plugin.wasm -name $(1) -o dist/$(1)/image -digest-file dist/$(1)/image.digest \
		-version "$(VERSION)" -revision "$(REVISION)" -source "$(SOURCE)" -description "meshwasm $(1) proxy-wasm filter"

## manifest-$(1): its WasmPlugin (dist/$(1)/wasmplugin.yaml) for oci://$(REGISTRY)/meshwasm/$(1):$(TAG)
manifest-$(1): image-$(1)
	@$(OFFLINE_BIN) manifest -template filters/$(1)/wasmplugin.yaml -layout dist/$(1)/image \
		-url oci://$(REGISTRY)/meshwasm/$(1):$(TAG) -o dist/$(1)/wasmplugin.yaml

## push-$(1): push its image to $(REGISTRY)/meshwasm/$(1):$(TAG) and pin its WasmPlugin to the digest
push-$(1): image-$(1) tool
	@$(BIN) push dist/$(1)/image -ref $(REGISTRY)/meshwasm/$(1):$(TAG) $(if $(filter 1 true yes,$(INSECURE)),-insecure) \
		-manifest-template filters/$(1)/wasmplugin.yaml -manifest-out dist/$(1)/wasmplugin.yaml

## bench-$(1): its Benchmark<Name>_Request beside the no-op module's, native and wasm (results in dist/$(1)/perf)
bench-$(1):
	@go run ./tests/perf/cmd/nativevswasm -filters $(1),noop -out $(CURDIR)/dist/$(1)/perf

## soak-$(1): 1,000,000 requests through its module and the no-op module (results in dist/$(1)/perf)
soak-$(1):
	@go run ./tests/perf/cmd/soak -filters $(1),noop -out $(CURDIR)/dist/$(1)/perf
endef
$(foreach f,$(FILTERS),$(eval $(call FILTER_RULES,$(f))))
