// A filter written the way the public proxy-wasm Go tutorials teach it for
// TinyGo: registration in main, configuration parsed with fastjson, headers
// added in OnHttpResponseHeaders. meshwasm must build it unchanged.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/valyala/fastjson"
)

func main() {
	proxywasm.SetVMContext(&vmContext{})
}

type vmContext struct {
	types.DefaultVMContext
}

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{contextID: contextID}
}

type pluginContext struct {
	types.DefaultPluginContext
	contextID uint32
	headers   [][2]string
}

func (ctx *pluginContext) OnPluginStart(pluginConfigurationSize int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("error reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(data) == 0 {
		return types.OnPluginStartStatusOK
	}
	value, err := fastjson.ParseBytes(data)
	if err != nil {
		proxywasm.LogCriticalf("error parsing plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	object, err := value.Object()
	if err != nil {
		proxywasm.LogCriticalf("plugin configuration is not an object: %v", err)
		return types.OnPluginStartStatusFailed
	}
	object.Visit(func(key []byte, v *fastjson.Value) {
		ctx.headers = append(ctx.headers, [2]string{string(key), string(v.GetStringBytes())})
	})
	proxywasm.LogInfof("plugin %d will add %d headers", ctx.contextID, len(ctx.headers))
	return types.OnPluginStartStatusOK
}

func (ctx *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpHeaders{contextID: contextID, headers: ctx.headers}
}

type httpHeaders struct {
	types.DefaultHttpContext
	contextID uint32
	headers   [][2]string
}

func (ctx *httpHeaders) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	for _, h := range ctx.headers {
		if err := proxywasm.AddHttpResponseHeader(h[0], h[1]); err != nil {
			proxywasm.LogCriticalf("failed to add header %q: %v", h[0], err)
		}
	}
	return types.ActionContinue
}
