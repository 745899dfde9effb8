// Package wasmtest runs a filter's proxytest tests twice: against the Go
// code natively, and against the filter compiled to a proxy-wasm module and
// run by proxytest's wasm runner (wazero), with the same assertions.
//
// The module is built from source on first use in a test binary, so `go test`
// alone tests what is in the tree; there is no skip: a module that does not
// build fails the test.
package wasmtest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

type built struct {
	once   sync.Once
	module []byte
	err    error
}

type loaded struct {
	once sync.Once
	vm   proxytest.WasmVMContext
	err  error
}

var (
	mu      sync.Mutex
	modules = map[string]*built{}
	vms     = map[string]*loaded{}
)

// Module returns the proxy-wasm module built from the filter in dir, exactly
// as `make` builds it (standard Go, meshwasm's ABI binding). It is built once
// per test binary, and once per run across binaries: see CacheEnv.
func Module(t testing.TB, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	b := modules[abs]
	if b == nil {
		b = &built{}
		modules[abs] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.module, b.err = cachedBuild(context.Background(), abs) })
	if b.err != nil {
		t.Fatalf("building the wasm module of %s: %v", dir, b.err)
	}
	return b.module
}

// VM returns a wasm VM running the filter in dir. Creating one compiles the
// module (about two seconds), so one VM is shared by every test in the
// binary; proxytest starts a fresh plugin context on it for each emulator.
func VM(t testing.TB, dir string) types.VMContext {
	t.Helper()
	module := Module(t, dir)
	abs, _ := filepath.Abs(dir)
	mu.Lock()
	l := vms[abs]
	if l == nil {
		l = &loaded{}
		vms[abs] = l
	}
	mu.Unlock()
	l.once.Do(func() { l.vm, l.err = NewVM(module) })
	if l.err != nil {
		t.Fatalf("starting the wasm VM of %s: %v", dir, l.err)
	}
	return l.vm
}

// NewVM starts a fresh wasm VM for a module, as the SDK's own tests do
// (the built module starts in proxytest as it is); the caller closes it.
func NewVM(module []byte) (proxytest.WasmVMContext, error) {
	return proxytest.NewWasmVMContext(module)
}

// Twin runs fn as two subtests, "native" with the filter's own VM context
// and "wasm" with the filter in dir compiled to a module.
func Twin(t *testing.T, native types.VMContext, dir string, fn func(t *testing.T, vm types.VMContext)) {
	t.Helper()
	t.Run("native", func(t *testing.T) { fn(t, native) })
	t.Run("wasm", func(t *testing.T) { fn(t, VM(t, dir)) })
}
