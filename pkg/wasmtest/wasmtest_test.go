package wasmtest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

const probe = "testdata/probe"

func TestWithStart(t *testing.T) {
	module := Module(t, probe)
	withStart, err := WithStart(module)
	require.NoError(t, err)
	iface := Inspect(t, withStart)
	require.Contains(t, iface.Exports, "_start")
	require.Contains(t, iface.Exports, "_initialize")
	require.Len(t, iface.Exports, len(Inspect(t, module).Exports)+1)

	_, err = WithStart(withStart)
	require.ErrorContains(t, err, "already exports _start")
	_, err = WithStart([]byte("not wasm"))
	require.Error(t, err)
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
