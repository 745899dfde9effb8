// Package main is a small request-inspecting filter in the shape of the
// public WAF filters for the proxy-wasm Go SDK.
package main

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"example.com/wafish/internal/rules"
)

func main() {
	proxywasm.SetVMContext(&vmContext{})
}

type vmContext struct {
	types.DefaultVMContext
}

// NewPluginContext implements types.VMContext.
func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{}
}

type pluginContext struct {
	types.DefaultPluginContext
	rules *rules.Set
}

// OnPluginStart implements types.PluginContext.
func (ctx *pluginContext) OnPluginStart(pluginConfigurationSize int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("error reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	set, err := rules.Parse(string(data))
	if err != nil {
		proxywasm.LogCriticalf("invalid rules: %v", err)
		return types.OnPluginStartStatusFailed
	}
	ctx.rules = set
	proxywasm.LogInfof("wafish: %d rules, mode %s", set.Len(), mode)
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (ctx *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{rules: ctx.rules}
}

type httpContext struct {
	types.DefaultHttpContext
	rules *rules.Set
}

// OnHttpRequestHeaders implements types.HttpContext.
func (ctx *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	path, err := proxywasm.GetHttpRequestHeader(":path")
	if err != nil {
		proxywasm.LogErrorf("failed to get :path: %v", err)
		return types.ActionContinue
	}
	id, matched := ctx.rules.Match(strings.ToLower(path))
	if !matched {
		return types.ActionContinue
	}
	proxywasm.LogWarnf("wafish: rule %d matched %q (%s)", id, path, mode)
	if !blocking {
		return types.ActionContinue
	}
	status := rules.DenyStatus
	headers := [][2]string{{rules.HeaderKey("x-wafish-rule"), rules.Itoa(id)}}
	if err := proxywasm.SendHttpResponse(uint32(status), headers, []byte(rules.Reason(status)), -1); err != nil {
		proxywasm.LogErrorf("failed to send the denial: %v", err)
	}
	return types.ActionPause
}
