// Package binding carries meshwasm's standard-Go ABI binding for the
// proxy-wasm Go SDK and the facts the build needs about it.
//
// The binding source lives in _abi/ so that `go build ./...` and `go vet ./...`
// never compile it as part of this module: it only makes sense inside the
// SDK's internal package, where the build injects it with -overlay.
package binding

import (
	_ "embed"
	"regexp"
)

// SDKModule is the module the binding is written for.
const SDKModule = "github.com/tetratelabs/proxy-wasm-go-sdk"

// SDKVersion is the only SDK version the binding matches: it calls the SDK's
// unexported callback handlers, whose names and signatures are not an API.
const SDKVersion = "v0.24.0"

// InternalPackageDir is the SDK directory the binding is added to.
const InternalPackageDir = "proxywasm/internal"

// ReplacedFile is the SDK file the binding replaces: it declares the host
// calls as Go functions backed by the test emulator, which the binding's
// //go:wasmimport declarations take the place of.
const ReplacedFile = "abi_hostcalls_mock.go"

// FileName is the name the binding gets inside the SDK package.
const FileName = "zz_meshwasm_abi_stdgo.go"

// Source is the binding's Go source.
//
//go:embed _abi/abi_stdgo.go
var Source []byte

var (
	importLine = regexp.MustCompile(`(?m)^//go:wasmimport env (\S+)$`)
	exportLine = regexp.MustCompile(`(?m)^//go:wasmexport (\S+)$`)
)

// HostCalls lists the env.proxy_* functions a built module may import: the
// ones the binding declares.
func HostCalls() []string { return matches(importLine) }

// Callbacks lists the functions the binding exports to the host.
func Callbacks() []string { return matches(exportLine) }

func matches(re *regexp.Regexp) []string {
	var names []string
	for _, m := range re.FindAllSubmatch(Source, -1) {
		names = append(names, string(m[1]))
	}
	return names
}
