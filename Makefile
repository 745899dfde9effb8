# meshwasm: build, test, pack and push every proxy-wasm filter under filters/.
# Per-filter targets are generated from filters/*/ (a new filter needs no edit here).

FILTERS   := $(sort $(notdir $(patsubst %/go.mod,%,$(wildcard filters/*/go.mod))))
REGISTRY  ?= localhost:5000
TAG       ?= dev
TOOLCHAIN ?= go
INSECURE  ?=
BIN       := dist/bin/meshwasm
GO_PKGS   := github.com/meshwasm/meshwasm/...
SHELL     := /bin/bash
# go test -v shows every subtest, so the wasm-mode runs (".../wasm") are visible;
# the proxy log lines the test host prints and the RUN/PAUSE/CONT markers are dropped.
TEST_NOISE := ^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} proxy_|^\s*=== (RUN|PAUSE|CONT|NAME)

.DEFAULT_GOAL := all
.PHONY: all test vet clean tool manifests push images $(FILTERS)

## all: build every filter: dist/<filter>/plugin.wasm, its OCI image and WasmPlugin manifest
all: $(FILTERS)

## tool: the meshwasm command the other targets use (dist/bin/meshwasm)
tool:
	@mkdir -p dist/bin
	@go build -o $(BIN) ./build/cmd/meshwasm

## test: every module's tests, natively and against the compiled .wasm modules
test:
	@set -o pipefail; go test -count=1 -v $(GO_PKGS) 2>&1 | grep -vE '$(TEST_NOISE)'


## vet: go vet over every module
vet:
	go vet $(GO_PKGS)

## clean: remove dist/
clean:
	rm -rf dist

define FILTER_RULES
.PHONY: $(1) wasm-$(1)
## $(1): build filters/$(1) to dist/$(1)/plugin.wasm
$(1): wasm-$(1)

wasm-$(1): tool
	@$(BIN) build filters/$(1) -o dist/$(1)/plugin.wasm -toolchain $(TOOLCHAIN)
endef
$(foreach f,$(FILTERS),$(eval $(call FILTER_RULES,$(f))))
