package wasmtest

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Start creates a proxytest host for vm with the plugin configuration (none
// when empty), starts the plugin and returns the host and the start status.
// The host is reset when the test ends. Log lines past 4 KiB are shortened
// (limitLog).
func Start(t testing.TB, vm types.VMContext, configuration string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	limitLog()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm)
	if configuration != "" {
		opt = opt.WithPluginConfiguration([]byte(configuration))
	}
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	return host, host.StartPlugin()
}

// Header returns the first value of the header name in hs (names as the
// host holds them: lowercase), and whether there is one.
func Header(hs [][2]string, name string) (string, bool) {
	for _, h := range hs {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}
