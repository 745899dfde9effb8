package wasmtest

import (
	"context"
	"sort"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/binding"
	"github.com/meshwasm/meshwasm/build/envoyabi"
)

// Interface is what a module imports and exports, as "module.name" imports
// and export names, each sorted.
type Interface struct {
	Imports []string
	Exports []string
}

// Inspect reads a module's imports and exports.
func Inspect(t testing.TB, module []byte) Interface {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		t.Fatalf("compiling module: %v", err)
	}
	var iface Interface
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		iface.Imports = append(iface.Imports, mod+"."+name)
	}
	for name := range compiled.ExportedFunctions() {
		iface.Exports = append(iface.Exports, name)
	}
	for name := range compiled.ExportedMemories() {
		iface.Exports = append(iface.Exports, name)
	}
	sort.Strings(iface.Imports)
	sort.Strings(iface.Exports)
	return iface
}

// CheckABI fails t unless the module exports every proxy-wasm callback of the
// binding, "_initialize", "_start" and its memory, and imports only what the
// oldest supported Envoy provides (the SDK's host calls and its WASI
// functions: envoyabi's list, the one the build checks against).
func CheckABI(t testing.TB, module []byte) {
	t.Helper()
	iface := Inspect(t, module)
	exports := map[string]bool{}
	for _, e := range iface.Exports {
		exports[e] = true
	}
	want := append([]string{"_initialize", "_start", "memory"}, binding.Callbacks()...)
	for _, name := range want {
		// A module exports an optional callback only when the filter
		// implements it (binding.Optional).
		if _, optional := binding.Optional[name]; optional {
			continue
		}
		if !exports[name] {
			t.Errorf("module does not export %s", name)
		}
	}
	allowed := map[string]bool{}
	for _, name := range envoyabi.Imports(envoyabi.MustParse(envoyabi.Oldest)) {
		allowed[name] = true
	}
	for _, imp := range iface.Imports {
		if !allowed[imp] {
			t.Errorf("module imports %s, which Envoy %s does not provide", imp, envoyabi.Oldest)
		}
	}
}
