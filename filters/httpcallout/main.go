// Command httpcallout is a proxy-wasm HTTP filter that asks another service
// whether a request may pass, in the manner of Envoy's ext_authz HTTP service
// or Traefik's ForwardAuth: on the request headers it calls an Envoy cluster,
// pauses the request, and on the answer resumes it or answers the client.
package main

import (
	"slices"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/valyala/fastjson"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// Metric names, as Envoy shows them in its stats.
const (
	metricAllowed = "httpcallout.allowed"
	metricDenied  = "httpcallout.denied"
	metricFailed  = "httpcallout.failed"
	metricSkipped = "httpcallout.skipped"
)

// Limits on what is read from a callout answer, so one answer cannot make a
// request's work unbounded.
const (
	// maxDenyBody is the most of a denying answer's body relayed to the client.
	maxDenyBody = 64 << 10
	// maxJSONBody is the largest body allow_json_path is evaluated on; a
	// larger one denies.
	maxJSONBody = 1 << 20
)

// dispatchHttpCall is proxywasm.DispatchHttpCall; tests replace it to reach
// the dispatch-error path, which the test host never takes.
var dispatchHttpCall = proxywasm.DispatchHttpCall

func init() { proxywasm.SetVMContext(&vm{}) }

// main is empty: the filter registers in init, which both standard Go and
// TinyGo run when the module is loaded.
func main() {}

type vm struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	cfg                              *Config
	allowed, denied, failed, skipped proxywasm.MetricCounter
	// json parses callout bodies for allow_json_path, reusing its memory
	// from one answer to the next (a VM runs one callback at a time).
	json fastjson.Parser
	// callout is where a request's callout headers are put together; the
	// SDK serializes them before DispatchHttpCall returns.
	callout [][2]string
}

// OnPluginStart implements types.PluginContext.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, ok := config.LoadAs("httpcallout", parseConfig)
	if !ok {
		return types.OnPluginStartStatusFailed
	}
	p.cfg = cfg
	p.allowed = proxywasm.DefineCounterMetric(metricAllowed)
	p.denied = proxywasm.DefineCounterMetric(metricDenied)
	p.failed = proxywasm.DefineCounterMetric(metricFailed)
	p.skipped = proxywasm.DefineCounterMetric(metricSkipped)
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext. The stream keeps the
// configuration current when it begins: proxy_on_configure may run again on
// this root context while a callout is in flight (Envoy calls it when the
// plugin's configuration changes), and a paused request must be decided by
// the rules it was sent under, not half by the old and half by the new.
func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	return &stream{plugin: p, cfg: p.cfg}
}

// stream is one request. A paused request ends exactly once: the callback
// resumes or answers it, unless the stream is already gone.
type stream struct {
	types.DefaultHttpContext
	plugin *plugin
	// cfg is the configuration the stream began under, used by every
	// callback of the stream; plugin.cfg may have changed since.
	cfg *Config
	// paused is true from a successful dispatch until the callback.
	paused bool
	// done is true once the host has finished with the stream; a late
	// answer must not touch it.
	done bool
}

// OnHttpRequestHeaders implements types.HttpContext: one callout per request.
func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	cfg := s.cfg
	// One read of the whole map: proxy_get_header_map_value answers only a
	// header's first value (Envoy's Context::getHeaderMapValue returns
	// result[0]), and a forwarded header must reach the callout with every
	// value the upstream will see.
	reqHeaders, err := headers.Request.All()
	if err != nil {
		return s.fail(false, "%v", err)
	}
	path, _ := first(reqHeaders, ":path")
	for _, prefix := range cfg.SkipPathPrefixes {
		if strings.HasPrefix(path, prefix) {
			s.plugin.skipped.Increment(1)
			proxywasm.LogDebugf("httpcallout: %q skipped (prefix %q)", path, prefix)
			return types.ActionContinue
		}
	}

	callout := append(s.plugin.callout[:0], cfg.calloutHeaders...)
	// Envoy hands the filter valid values; checking costs little and keeps a
	// value that could split a header out of the callout whatever the host.
	add := func(name, value string) {
		if headers.ValidValue(value) == nil {
			callout = append(callout, [2]string{name, value})
		}
	}
	// A header sent more than once is forwarded with every value, each as
	// its own entry in the client's order: the authorization service must
	// see each value the upstream may use, not only the first. Envoy hands
	// names lowercase, as forward_headers are; EqualFold keeps any other
	// host's casing from hiding a value.
	for _, name := range cfg.ForwardHeaders {
		for _, h := range reqHeaders {
			if strings.EqualFold(h[0], name) {
				add(name, h[1])
			}
		}
	}
	method, _ := first(reqHeaders, ":method")
	add(forwardedMethod, method)
	add(forwardedURI, path)

	s.plugin.callout = callout
	if _, err := dispatchHttpCall(cfg.Cluster, callout, nil, nil, cfg.TimeoutMs, s.onAnswer); err != nil {
		return s.fail(false, "dispatch to cluster %q failed: %v", cfg.Cluster, err)
	}
	s.paused = true
	return types.ActionPause
}

// OnHttpStreamDone implements types.HttpContext.
func (s *stream) OnHttpStreamDone() { s.done = true }

// onAnswer is the callout's callback: it decides and ends the paused request.
func (s *stream) onAnswer(_, bodySize, _ int) {
	if !s.paused || s.done {
		proxywasm.LogDebug("httpcallout: answer for a request that is no longer waiting: ignored")
		return
	}
	s.paused = false
	cfg := s.cfg

	answer, _ := proxywasm.GetHttpCallResponseHeaders()
	status, ok := statusOf(answer)
	switch {
	case !ok:
		s.fail(true, "callout to %q got no valid :status (timeout or reset)", cfg.Cluster)
		return
	case status >= 500:
		s.fail(true, "callout to %q answered %d", cfg.Cluster, status)
		return
	}

	if cfg.Allow[status] {
		if cfg.AllowJSONPath == "" || s.plugin.jsonAllows(cfg.allowPath, bodySize) {
			s.allow(answer)
			return
		}
		proxywasm.LogDebugf("httpcallout: %q does not hold true in the answer", cfg.AllowJSONPath)
	}
	s.deny(answer, status, bodySize)
}

// allow copies the configured answer headers onto the request and resumes it.
func (s *stream) allow(answer [][2]string) {
	for _, name := range s.cfg.CopyResponseHeaders {
		v, ok := first(answer, name)
		if !ok {
			continue
		}
		if err := headers.ValidValue(v); err != nil {
			proxywasm.LogWarnf("httpcallout: answer header %q not copied: %v", name, err)
			continue
		}
		if err := headers.Request.Set(name, v); err != nil {
			proxywasm.LogWarnf("httpcallout: %v", err)
		}
	}
	s.plugin.allowed.Increment(1)
	// A fixed message: the SDK formats a message before the host drops it
	// below its log level, and this line is logged for every request.
	proxywasm.LogDebug("httpcallout: allowed")
	if err := proxywasm.ResumeHttpRequest(); err != nil {
		proxywasm.LogWarnf("httpcallout: resuming the request: %v", err)
	}
}

// deny answers the client: the configured or the callout's status, body and
// headers.
func (s *stream) deny(answer [][2]string, status, bodySize int) {
	cfg := s.cfg
	code := cfg.DenyStatus
	if code == 0 {
		code = 403
		if status >= 400 && status < 500 {
			code = status
		}
	}
	reply := make([][2]string, 0, len(cfg.DenyResponseHeaders)+1)
	for _, pair := range answer {
		if slices.Contains(cfg.DenyResponseHeaders, pair[0]) && headers.ValidValue(pair[1]) == nil {
			reply = append(reply, pair)
		}
	}
	var body []byte
	if cfg.HasDenyBody {
		body = cfg.DenyBody
		reply = append(reply, [2]string{"content-type", "text/plain"})
	} else if bodySize > 0 {
		body, _ = proxywasm.GetHttpCallResponseBody(0, min(bodySize, maxDenyBody))
		if ct, ok := first(answer, "content-type"); ok && headers.ValidValue(ct) == nil {
			reply = append(reply, [2]string{"content-type", ct})
		}
	}
	s.plugin.denied.Increment(1)
	proxywasm.LogInfof("httpcallout: denied with %d (callout status %d)", code, status)
	if err := proxywasm.SendHttpResponse(uint32(code), reply, body, -1); err != nil {
		proxywasm.LogWarnf("httpcallout: sending the denial: %v", err)
	}
}

// fail applies the failure policy: fail open continues the request, fail
// closed answers failure_status. resume says whether the request is paused
// (in the callback) or still in its request-headers callback. It returns the
// action for the latter.
func (s *stream) fail(resume bool, format string, args ...any) types.Action {
	cfg := s.cfg
	s.plugin.failed.Increment(1)
	if cfg.FailOpen {
		proxywasm.LogWarnf("httpcallout: "+format+"; failing open", args...)
		if resume {
			if err := proxywasm.ResumeHttpRequest(); err != nil {
				proxywasm.LogWarnf("httpcallout: resuming the request: %v", err)
			}
		}
		return types.ActionContinue
	}
	proxywasm.LogWarnf("httpcallout: "+format+"; answering %d", append(args, cfg.FailureStatus)...)
	reply := [][2]string{{"content-type", "text/plain"}}
	if err := proxywasm.SendHttpResponse(uint32(cfg.FailureStatus), reply, cfg.FailureBody, -1); err != nil {
		proxywasm.LogWarnf("httpcallout: sending the failure answer: %v", err)
	}
	return types.ActionPause
}

// jsonAllows reports whether path holds true in the callout's JSON body.
// A body that is missing or not JSON denies. A body past a bound, larger
// than maxJSONBody or nested deeper than maxJSONDepth, denies with a
// warning before any recursive parse sees it: the work per answer stays
// bounded, and an authorization service that answers so is worth a look.
func (p *plugin) jsonAllows(path jsonPath, bodySize int) bool {
	if bodySize <= 0 {
		return false
	}
	if bodySize > maxJSONBody {
		proxywasm.LogWarnf("httpcallout: callout answer body of %d bytes is larger than %d, not evaluated; denying", bodySize, maxJSONBody)
		return false
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		return false
	}
	if !nestingWithin(body, maxJSONDepth) {
		proxywasm.LogWarnf("httpcallout: callout answer body nests arrays or objects deeper than %d, not evaluated; denying", maxJSONDepth)
		return false
	}
	if !validJSON(body) {
		return false
	}
	v, err := p.json.ParseBytes(body)
	if err != nil {
		return false
	}
	return path.holdsTrue(v)
}

// statusOf reads :status strictly: three digits, 100–599.
func statusOf(answer [][2]string) (int, bool) {
	v, ok := first(answer, ":status")
	if !ok || len(v) != 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < 3; i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 100 && n <= 599
}

// first returns the first value of a header in a list of pairs.
func first(pairs [][2]string, name string) (string, bool) {
	for _, p := range pairs {
		if p[0] == name {
			return p[1], true
		}
	}
	return "", false
}
