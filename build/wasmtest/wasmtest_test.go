package wasmtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

const probe = "testdata/probe"

// The built module starts as it is in the SDK's test host, which calls only
// "_start" (wazero's default), with no wrapper.
func TestModule_StartsInProxytest(t *testing.T) {
	iface := Inspect(t, Module(t, probe))
	require.Contains(t, iface.Exports, "_start")
	require.Contains(t, iface.Exports, "_initialize")

	vm, err := proxytest.NewWasmVMContext(Module(t, probe))
	require.NoError(t, err)
	defer vm.Close()
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(vm))
	defer reset()
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())
	id := host.InitializeHttpContext()
	require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, nil, false))
	require.Contains(t, host.GetCurrentResponseHeaders(id), [2]string{"x-probe", "seen"})
}

// A host may call "_initialize" (Envoy), "_start" (proxytest), both, or
// either twice: the Go runtime starts once and the callbacks work.
func TestModule_StartsOnceWhateverTheHostCalls(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, Module(t, probe))
	require.NoError(t, err)
	env := r.NewHostModuleBuilder("env")
	for _, f := range compiled.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod == "env" {
			// Every host call answers OK with zeroes: the callbacks
			// called below do not depend on what the host returns.
			env.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
				clear(stack)
			}), f.ParamTypes(), f.ResultTypes()).Export(name)
		}
	}
	_, err = env.Instantiate(ctx)
	require.NoError(t, err)
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)

	for _, name := range []string{"_initialize", "_start", "_start", "_initialize"} {
		_, err := mod.ExportedFunction(name).Call(ctx)
		require.NoError(t, err, name)
	}
	ptr, err := mod.ExportedFunction("proxy_on_memory_allocate").Call(ctx, 16)
	require.NoError(t, err)
	require.NotZero(t, ptr[0], "the Go runtime allocates")
	_, err = mod.ExportedFunction("proxy_on_context_create").Call(ctx, 1, 0)
	require.NoError(t, err)
}

func TestCheckABI(t *testing.T) {
	CheckABI(t, Module(t, probe))
}

// The probe registers its VM context in main, which a c-shared module never
// runs by itself: the binding must run it before the first callback.
func TestBinding_RegistrationInMain(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(VM(t, probe)))
	defer reset()
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())
	id := host.InitializeHttpContext()
	require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false))
	require.Contains(t, host.GetCurrentResponseHeaders(id), [2]string{"x-probe", "seen"})
}

// A panic in filter code ends that stream with a 500 and is logged with its
// stack; the VM goes on serving the next stream.
func TestBinding_PanicIsContained(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(VM(t, probe)))
	defer reset()
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())

	id := host.InitializeHttpContext()
	action := host.CallOnRequestHeaders(id, [][2]string{{":path", "/"}, {"x-panic", "boom"}}, false)
	require.Equal(t, types.ActionPause, action)
	reply := host.GetSentLocalResponse(id)
	require.NotNil(t, reply)
	require.Equal(t, uint32(500), reply.StatusCode)
	logs := host.GetErrorLogs()
	require.NotEmpty(t, logs)
	require.Contains(t, logs[len(logs)-1], "panic in proxy_on_request_headers")
	require.Contains(t, logs[len(logs)-1], "asked to panic: boom")
	require.Contains(t, logs[len(logs)-1], "goroutine")

	next := host.InitializeHttpContext()
	require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(next, [][2]string{{":path", "/"}}, false))
	require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(next, nil, false))
	require.Contains(t, host.GetCurrentResponseHeaders(next), [2]string{"x-probe", "seen"})
}
