# meshwasm: build, test, pack and push every proxy-wasm filter under filters/.
# Per-filter targets are generated from filters/*/ (a new filter needs no edit here).

FILTERS   := $(sort $(notdir $(patsubst %/main.go,%,$(wildcard filters/*/main.go))))
REGISTRY  ?= localhost:5000
TAG       ?= dev
TOOLCHAIN ?= go
INSECURE  ?=
VERSION   ?= $(TAG)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE    ?= https://github.com/meshwasm/meshwasm
BIN       := dist/bin/meshwasm
GO_PKGS   := github.com/meshwasm/meshwasm/...
SHELL     := /bin/bash
# go test -v shows every subtest, so the wasm-mode runs (".../wasm") are visible;
# the proxy log lines the test host prints and the RUN/PAUSE/CONT markers are dropped.
TEST_NOISE := ^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} proxy_|^\s*=== (RUN|PAUSE|CONT|NAME)

.DEFAULT_GOAL := all
.PHONY: all test vet clean tool images manifests push $(FILTERS)

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

## images: every filter's OCI image layout (dist/<filter>/image, dist/<filter>/image.digest)
images: $(addprefix image-,$(FILTERS))

## manifests: every filter's WasmPlugin (dist/<filter>/wasmplugin.yaml) for oci://$(REGISTRY)/meshwasm/<filter>:$(TAG)
manifests: $(addprefix manifest-,$(FILTERS))

## push: push every image to $(REGISTRY)/meshwasm/<filter>:$(TAG) (INSECURE=1 for plain HTTP) and pin the manifests
push: $(addprefix push-,$(FILTERS))

## new: scaffold filters/$(NAME)/ from build/scaffold's template and add it to go.work (make new NAME=demo)
.PHONY: new
new: tool
	@$(BIN) new -name "$(NAME)" -root .

## clean: remove dist/
clean:
	rm -rf dist

define FILTER_RULES
.PHONY: $(1) wasm-$(1) image-$(1) manifest-$(1) push-$(1)
## $(1): build filters/$(1): dist/$(1)/plugin.wasm, its image and its WasmPlugin
$(1): manifest-$(1)

wasm-$(1): tool
	@$(BIN) build filters/$(1) -o dist/$(1)/plugin.wasm -toolchain $(TOOLCHAIN)

image-$(1): wasm-$(1)
	@$(BIN) image dist/$(1)/plugin.wasm -name $(1) -o dist/$(1)/image -digest-file dist/$(1)/image.digest \
		-version "$(VERSION)" -revision "$(REVISION)" -source "$(SOURCE)" -description "meshwasm $(1) proxy-wasm filter"

manifest-$(1): image-$(1)
	@$(BIN) manifest -template filters/$(1)/wasmplugin.yaml -layout dist/$(1)/image \
		-url oci://$(REGISTRY)/meshwasm/$(1):$(TAG) -o dist/$(1)/wasmplugin.yaml

push-$(1): image-$(1)
	@$(BIN) push dist/$(1)/image -ref $(REGISTRY)/meshwasm/$(1):$(TAG) $(if $(filter 1 true yes,$(INSECURE)),-insecure) \
		-manifest-template filters/$(1)/wasmplugin.yaml -manifest-out dist/$(1)/wasmplugin.yaml
endef
$(foreach f,$(FILTERS),$(eval $(call FILTER_RULES,$(f))))
