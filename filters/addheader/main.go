// Command addheader is a proxy-wasm HTTP filter that adds, sets and removes
// request and response headers from its plugin configuration.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// Metric names, as Envoy shows them in its stats.
const (
	metricRequestsChanged  = "addheader.requests_changed"
	metricResponsesChanged = "addheader.responses_changed"
)

func init() { proxywasm.SetVMContext(&vm{}) }

// main is empty: the filter registers in init, which both standard Go and
// TinyGo run when the module is loaded.
func main() {}

type vm struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	cfg              *Config
	requestsChanged  proxywasm.MetricCounter
	responsesChanged proxywasm.MetricCounter
}

// OnPluginStart implements types.PluginContext.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, ok := config.LoadAs("addheader", parseConfig)
	if !ok {
		return types.OnPluginStartStatusFailed
	}
	if cfg.Empty() {
		proxywasm.LogInfo("addheader: empty configuration: no header will be changed")
	}
	p.cfg = cfg
	p.requestsChanged = proxywasm.DefineCounterMetric(metricRequestsChanged)
	p.responsesChanged = proxywasm.DefineCounterMetric(metricResponsesChanged)
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
// The stream keeps the configuration current when it began: a
// proxy_on_configure while its response is still to come must not change
// what happens to it.
func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{plugin: p, cfg: p.cfg} }

type stream struct {
	types.DefaultHttpContext
	plugin *plugin
	cfg    *Config
}

// OnHttpRequestHeaders implements types.HttpContext.
func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	if s.cfg.Request.Empty() {
		return types.ActionContinue
	}
	if err := apply(headers.Request, s.cfg.Request); err != nil {
		proxywasm.LogWarnf("addheader: request headers: %v", err)
	}
	s.plugin.requestsChanged.Increment(1)
	return types.ActionContinue
}

// OnHttpResponseHeaders implements types.HttpContext.
func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	if s.cfg.Response.Empty() {
		return types.ActionContinue
	}
	if err := apply(headers.Response, s.cfg.Response); err != nil {
		proxywasm.LogWarnf("addheader: response headers: %v", err)
	}
	s.plugin.responsesChanged.Increment(1)
	return types.ActionContinue
}

// apply makes the edits in their fixed order: remove, set, add_if_absent, add.
// It goes on after a failed host call so one bad header cannot stop the rest.
func apply(m headers.Map, e Edits) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for _, name := range e.Remove {
		keep(m.Remove(name))
	}
	for _, p := range e.Set {
		keep(m.Set(p.Key, p.Value))
	}
	for _, p := range e.AddIfAbsent {
		_, err := m.AddIfAbsent(p.Key, p.Value)
		keep(err)
	}
	for _, p := range e.Add {
		keep(m.Add(p.Key, p.Value))
	}
	return first
}
