// Command regexrepl is a proxy-wasm HTTP filter that rewrites request headers
// (by default :path) with regular-expression rules before routing, as Envoy's
// route regex_rewrite does, for any workload a WasmPlugin selects.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// Metric names, as Envoy shows them in its stats.
const (
	metricRewritten = "regexrepl.rewritten"
	metricDropped   = "regexrepl.dropped"
)

// maxValueLen bounds the regex work one header costs: longer values are left
// as they are, and a longer result is dropped.
const maxValueLen = 8192

func init() { proxywasm.SetVMContext(&vm{}) }

// main is empty: the filter registers in init, which both standard Go and
// TinyGo run when the module is loaded.
func main() {}

type vm struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(uint32) types.PluginContext {
	p := &plugin{}
	p.stream.plugin = p
	return p
}

type plugin struct {
	types.DefaultPluginContext
	cfg       *Config
	rewritten proxywasm.MetricCounter
	dropped   proxywasm.MetricCounter
	// scratch is where the rules build their results, two buffers for each
	// header they rewrite: a rule reads the header's current value from one
	// and writes into the other, so every result stays put, uncopied, until
	// it is written to the proxy. A VM runs one callback at a time.
	scratch [][2][]byte
	// stream serves every HTTP stream: a stream of this filter keeps no
	// state of its own, so one value saves an allocation per request.
	stream stream
}

// OnPluginStart implements types.PluginContext.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, ok := config.LoadAs("regexrepl", parseConfig)
	if !ok {
		return types.OnPluginStartStatusFailed
	}
	if cfg.Empty() {
		proxywasm.LogInfo("regexrepl: empty configuration: no request will be rewritten")
	}
	p.cfg = cfg
	p.scratch = make([][2][]byte, len(cfg.Headers))
	p.rewritten = proxywasm.DefineCounterMetric(metricRewritten)
	p.dropped = proxywasm.DefineCounterMetric(metricDropped)
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &p.stream }

type stream struct {
	types.DefaultHttpContext
	plugin *plugin
}

// value is one rewritten header during a request: read on first use, written
// back once at the end if the rules changed it.
type value struct {
	loaded   bool
	skip     bool // absent, unreadable or too long: the rules leave it alone
	original string
	current  string
	next     uint8 // the scratch buffer of this header the next rule writes
}

// OnHttpRequestHeaders implements types.HttpContext.
func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	cfg := s.plugin.cfg
	if cfg.Empty() {
		return types.ActionContinue
	}
	// Most configurations rewrite one or two headers: their values live on
	// the stack, so a request no rule matches allocates nothing.
	var onStack [4]value
	var values []value
	if len(cfg.Headers) <= len(onStack) {
		values = onStack[:len(cfg.Headers)]
	} else {
		values = make([]value, len(cfg.Headers))
	}
	dropped := false
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		v := &values[r.slot]
		if !v.loaded {
			load(v, r.Header)
		}
		if v.skip {
			continue
		}
		out, changed := r.match.apply(v.current, &s.plugin.scratch[r.slot][v.next])
		if !changed {
			continue
		}
		if reason := badResult(r.Header, out); reason != "" {
			proxywasm.LogWarnf("regexrepl: rule %d: result for %s dropped (%s): kept %q, not %q",
				i, r.Header, reason, clip(v.current, 128), clip(out, 128))
			dropped = true
			continue
		}
		v.current = out
		v.next ^= 1
	}

	rewritten := false
	for slot := range values {
		v := &values[slot]
		if v.skip || v.current == v.original {
			continue
		}
		if err := headers.Request.Set(cfg.Headers[slot], v.current); err != nil {
			proxywasm.LogWarnf("regexrepl: %v", err)
			continue
		}
		rewritten = true
	}
	if rewritten {
		s.plugin.rewritten.Increment(1)
	}
	if dropped {
		s.plugin.dropped.Increment(1)
	}
	return types.ActionContinue
}

// load reads a header for the rules. An absent header (an HTTP/1.0 request
// without Host has no :authority) is skipped without a word.
func load(v *value, name string) {
	v.loaded = true
	got, present, err := headers.Request.Get(name)
	switch {
	case err != nil:
		proxywasm.LogWarnf("regexrepl: %v", err)
		v.skip = true
	case !present:
		v.skip = true
	case len(got) > maxValueLen:
		proxywasm.LogWarnf("regexrepl: %s is %d bytes, over the %d-byte limit: left unchanged", name, len(got), maxValueLen)
		v.skip = true
	}
	v.original, v.current = got, got
}

// badResult says why a rule's result must not be written, or "" when it may.
func badResult(header, out string) string {
	switch {
	case out == "":
		return "empty"
	case len(out) > maxValueLen:
		return "over the 8192-byte limit"
	case header == ":path" && out[0] != '/':
		return `does not start with "/"`
	case hasCRLFNUL(out):
		return "contains CR, LF or NUL"
	}
	return ""
}

// hasCRLFNUL says whether s holds CR, LF or NUL (strings.ContainsAny builds
// a character set on every call, a cost per rewrite in a module).
func hasCRLFNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
			return true
		}
	}
	return false
}
