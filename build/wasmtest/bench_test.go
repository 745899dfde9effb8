package wasmtest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Requests runs both sub-benchmarks and hands each host, after its requests,
// to the check.
func TestRequests(t *testing.T) {
	var checked []int
	request := [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "a"}}
	response := [][2]string{{":status", "200"}}
	result := testing.Benchmark(func(b *testing.B) {
		Requests(b, &nopVM{}, probe, "", request, response, func(b *testing.B, host proxytest.HostEmulator) {
			checked = append(checked, b.N)
		})
	})
	require.Positive(t, result.N)
	require.GreaterOrEqual(t, len(checked), 2, "native and wasm each checked")
	for _, n := range checked {
		require.Positive(t, n)
	}
}

// nopVM is a native filter that continues everything.
type nopVM struct{ types.DefaultVMContext }

func (*nopVM) NewPluginContext(uint32) types.PluginContext { return &nopPlugin{} }

type nopPlugin struct{ types.DefaultPluginContext }

func (*nopPlugin) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }
