// Command tagged is a test filter that builds only with the tag
// meshwasm_test_tag and reads a file at plugin start, which links the WASI
// functions Go's os package uses to stat a file.
package main

import (
	"os"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func main() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

type plugin struct{ types.DefaultPluginContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

// OnPluginStart implements types.PluginContext.
func (*plugin) OnPluginStart(int) types.OnPluginStartStatus {
	if _, err := os.ReadFile("/etc/" + mode); err != nil {
		proxywasm.LogInfof("no %s: %v", mode, err)
	}
	return types.OnPluginStartStatusOK
}
