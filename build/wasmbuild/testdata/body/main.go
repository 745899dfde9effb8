// Command body is a test filter whose HTTP context, declared in another
// package of its module, implements two of the optional callbacks.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"example.com/body/streams"
)

func init() { proxywasm.SetVMContext(&vm{}) }

func main() {}

type vm struct{ types.DefaultVMContext }

type plugin struct{ types.DefaultPluginContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

// NewHttpContext hands out the context as an interface value, wrapped: the
// build must find the methods wherever they are declared.
func (*plugin) NewHttpContext(uint32) types.HttpContext { return wrapper{streams.New()} }

type wrapper struct{ types.HttpContext }
