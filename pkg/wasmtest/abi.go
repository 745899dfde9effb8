package wasmtest

import (
	"context"
	"sort"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/binding"
)

// EnvoyWASI lists the wasi_snapshot_preview1 functions Envoy's proxy-wasm
// host (proxy-wasm-cpp-host) provides from Envoy 1.33 on, the release that
// added sched_yield, poll_oneoff and fd_fdstat_set_flags for Go modules. A
// module importing anything else fails to load in Envoy.
var EnvoyWASI = []string{
	"args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
	"fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_dir_name", "fd_prestat_get",
	"fd_read", "fd_seek", "fd_write", "path_open", "poll_oneoff", "proc_exit", "random_get",
	"sched_yield",
}

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
// binding, "_initialize" and its memory, and imports only the SDK's host calls
// and the WASI functions Envoy provides.
func CheckABI(t testing.TB, module []byte) {
	t.Helper()
	iface := Inspect(t, module)
	exports := map[string]bool{}
	for _, e := range iface.Exports {
		exports[e] = true
	}
	want := append([]string{"_initialize", "memory"}, binding.Callbacks()...)
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
	for _, name := range binding.HostCalls() {
		allowed["env."+name] = true
	}
	for _, name := range EnvoyWASI {
		allowed["wasi_snapshot_preview1."+name] = true
	}
	for _, imp := range iface.Imports {
		if !allowed[imp] {
			t.Errorf("module imports %s, which Envoy (>= 1.33) does not provide", imp)
		}
	}
}
