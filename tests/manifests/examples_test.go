package manifests

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// requireStarts fails unless the filter's compiled module starts with the
// configuration an example carries: an example a user copies must work.
func requireStarts(t *testing.T, name string, configuration []byte) {
	t.Helper()
	opt := proxytest.NewEmulatorOption().
		WithVMContext(wasmtest.VM(t, filterDir(name))).
		WithPluginConfiguration(configuration)
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin(),
		"the example configuration must start the plugin: %v", host.GetErrorLogs())
	require.Empty(t, host.GetErrorLogs())
}
