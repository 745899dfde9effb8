// Command probe is a test filter for the ABI binding: it registers in main
// (as TinyGo-era filters do), tags responses, and panics on demand.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func main() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

type plugin struct{ types.DefaultPluginContext }

type stream struct{ types.DefaultHttpContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

// OnHttpRequestHeaders implements types.HttpContext.
func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	if v, err := proxywasm.GetHttpRequestHeader("x-panic"); err == nil {
		panic("asked to panic: " + v)
	}
	return types.ActionContinue
}

// OnHttpResponseHeaders implements types.HttpContext.
func (*stream) OnHttpResponseHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpResponseHeader("x-probe", "seen")
	return types.ActionContinue
}
