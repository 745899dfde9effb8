// Command noop is a proxy-wasm HTTP filter that does nothing: every callback
// is the SDK's default. Built exactly like the filters under filters/, it is
// the floor of the benchmarks and the soak: what the ABI round trip alone
// costs. It lives outside filters/ so no image or release is made of it.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() { proxywasm.SetVMContext(&vm{}) }

// main is empty: the filter registers in init, as every meshwasm filter does.
func main() {}

type vm struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

// NewHttpContext implements types.PluginContext.
func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

// stream keeps every HTTP callback's default: continue.
type stream struct{ types.DefaultHttpContext }
