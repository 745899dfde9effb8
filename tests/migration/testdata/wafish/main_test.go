package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func TestOnPluginStart(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		opt := proxytest.NewEmulatorOption().WithVMContext(vm)
		host, reset := proxytest.NewHostEmulator(opt)
		defer reset()

		require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())
		require.Contains(t, host.GetInfoLogs(), "wafish: 3 rules, mode blocking")
	})
}

func TestInvalidRules(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte("<script\nx\n"))
		host, reset := proxytest.NewHostEmulator(opt)
		defer reset()

		require.Equal(t, types.OnPluginStartStatusFailed, host.StartPlugin())
		require.Contains(t, host.GetCriticalLogs(), `invalid rules: line 2: rule "x" is shorter than 2 bytes`)
	})
}

// The proxy gives a filter no file system: an included rule file cannot be
// read, and the plugin refuses to start.
func TestIncludeUnavailable(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte("@include /nonexistent/wafish.conf\n"))
		host, reset := proxytest.NewHostEmulator(opt)
		defer reset()

		require.Equal(t, types.OnPluginStartStatusFailed, host.StartPlugin())
		logs := host.GetCriticalLogs()
		require.Len(t, logs, 1)
		require.Contains(t, logs[0], "invalid rules: line 1: @include: open /nonexistent/wafish.conf: ")
	})
}

func TestOnHttpRequestHeaders(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		opt := proxytest.NewEmulatorOption().WithVMContext(vm)
		host, reset := proxytest.NewHostEmulator(opt)
		defer reset()
		require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())

		t.Run("benign request passes", func(t *testing.T) {
			id := host.InitializeHttpContext()
			action := host.CallOnRequestHeaders(id, [][2]string{{":path", "/search?q=envoy"}}, false)
			require.Equal(t, types.ActionContinue, action)
			require.Nil(t, host.GetSentLocalResponse(id))
		})

		t.Run("attack is denied", func(t *testing.T) {
			id := host.InitializeHttpContext()
			action := host.CallOnRequestHeaders(id, [][2]string{{":path", "/search?q=%3C<SCRIPT>alert(1)"}}, false)
			require.Equal(t, types.ActionPause, action)
			resp := host.GetSentLocalResponse(id)
			require.NotNil(t, resp)
			require.Equal(t, uint32(403), resp.StatusCode)
			require.Equal(t, "403 Forbidden", string(resp.Data))
			require.Contains(t, resp.Headers, [2]string{"X-Wafish-Rule", "1"})
			require.Contains(t, host.GetWarnLogs(), `wafish: rule 1 matched "/search?q=%3C<SCRIPT>alert(1)" (blocking)`)
		})
	})
}

// vmTest runs f natively and, when the module has been built, against
// build/main.wasm in the SDK's wasm test host.
func vmTest(t *testing.T, f func(*testing.T, types.VMContext)) {
	t.Helper()

	t.Run("go", func(t *testing.T) {
		f(t, &vmContext{})
	})

	t.Run("wasm", func(t *testing.T) {
		wasm, err := os.ReadFile(filepath.Join("build", "main.wasm"))
		if err != nil {
			t.Skip("wasm not found")
		}
		v, err := proxytest.NewWasmVMContext(wasm)
		require.NoError(t, err)
		defer v.Close()
		f(t, v)
	})
}
