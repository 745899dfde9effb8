// Command fullheap is a test filter whose live heap fills its first heap
// arena: at plugin start it keeps 8 KiB buffers until at most 88 KiB of the
// heap's pages are free (under the binding's idle floor, 96 KiB), and each
// request then allocates 16 bytes that die with it. A collection cannot lift
// the free pages over the floor, so the binding's idle trigger must stop.
package main

import (
	"runtime"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() { proxywasm.SetVMContext(&vm{}) }

func main() {}

type vm struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	kept [][]byte
}

// OnPluginStart implements types.PluginContext.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	var m runtime.MemStats
	for runtime.ReadMemStats(&m); m.HeapIdle > 88<<10; runtime.ReadMemStats(&m) {
		p.kept = append(p.kept, make([]byte, 8<<10))
	}
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

type stream struct{ types.DefaultHttpContext }

var sink []byte

// OnHttpRequestHeaders implements types.HttpContext.
func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	sink = make([]byte, 16)
	return types.ActionContinue
}
