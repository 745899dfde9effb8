// Command caller is the test module of build/proxyhost: a filter that does,
// on request, what the host's behaviours need exercising, and reports what
// the host answered in headers and log lines.
//
// Request headers it acts on:
//   - x-call: dispatch a callout to that cluster with the pseudo-headers
//     listed in x-call-headers (default ":method,:path,:authority") and the
//     timeout in x-call-timeout; pause until the answer, then copy the
//     answer's :status (or "reset") to the request as x-answer and resume.
//     A failed dispatch adds x-call-error and continues.
//   - x-pause: pause without a callout.
//   - x-local: answer locally with that status.
//
// Every stream adds x-config (the plugin configuration when the stream
// began) to its request and response, x-plugin-config (what reading the
// plugin configuration gives now) to its request, and x-request-read (what
// reading the request's :path gives in the response phase) to its response.
// Its access-log callback logs "log <id> <:path or error>".
package main

import (
	"strconv"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() { proxywasm.SetVMContext(&vm{}) }
func main() {}

type vm struct{ types.DefaultVMContext }

// OnVMStart implements types.VMContext.
func (*vm) OnVMStart(int) types.OnVMStartStatus {
	c, err := proxywasm.GetVMConfiguration()
	proxywasm.LogInfof("vm_start vm=%q/%v", c, err)
	_, err = proxywasm.GetPluginConfiguration()
	proxywasm.LogInfof("vm_start plugin=%v", err)
	return types.OnVMStartStatusOK
}

// NewPluginContext implements types.VMContext.
func (*vm) NewPluginContext(id uint32) types.PluginContext { return &plugin{id: id} }

type plugin struct {
	types.DefaultPluginContext
	id  uint32
	cfg string
}

// OnPluginStart implements types.PluginContext: "fail" is refused, and the
// configuration in force stays.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	c, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogErrorf("configure %d: %v", p.id, err)
		return types.OnPluginStartStatusFailed
	}
	if string(c) == "fail" {
		proxywasm.LogErrorf("configure %d: refused", p.id)
		return types.OnPluginStartStatusFailed
	}
	p.cfg = string(c)
	proxywasm.LogInfof("configure %d: %s", p.id, c)
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *plugin) NewHttpContext(id uint32) types.HttpContext {
	return &stream{id: id, cfg: p.cfg}
}

type stream struct {
	types.DefaultHttpContext
	id  uint32
	cfg string
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// OnHttpRequestHeaders implements types.HttpContext.
func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpRequestHeader("x-config", s.cfg)
	_, err := proxywasm.GetPluginConfiguration()
	_ = proxywasm.AddHttpRequestHeader("x-plugin-config", errString(err))
	if status, err := proxywasm.GetHttpRequestHeader("x-local"); err == nil {
		code, _ := strconv.Atoi(status)
		_ = proxywasm.SendHttpResponse(uint32(code), [][2]string{{"x-local-by", "caller"}}, []byte("local"), -1)
		return types.ActionPause
	}
	if _, err := proxywasm.GetHttpRequestHeader("x-pause"); err == nil {
		return types.ActionPause
	}
	cluster, err := proxywasm.GetHttpRequestHeader("x-call")
	if err != nil {
		return types.ActionContinue
	}
	names := ":method,:path,:authority"
	if v, err := proxywasm.GetHttpRequestHeader("x-call-headers"); err == nil {
		names = v
	}
	var hs [][2]string
	for _, n := range strings.Split(names, ",") {
		if n != "" {
			hs = append(hs, [2]string{n, "v" + n})
		}
	}
	timeout := 1000
	if v, err := proxywasm.GetHttpRequestHeader("x-call-timeout"); err == nil {
		timeout, _ = strconv.Atoi(v)
	}
	token, err := proxywasm.DispatchHttpCall(cluster, hs, nil, nil, uint32(timeout), s.answer)
	if err != nil {
		_ = proxywasm.AddHttpRequestHeader("x-call-error", err.Error())
		return types.ActionContinue
	}
	_ = proxywasm.AddHttpRequestHeader("x-token", strconv.Itoa(int(token)))
	return types.ActionPause
}

func (s *stream) answer(numHeaders, bodySize, _ int) {
	hs, err := proxywasm.GetHttpCallResponseHeaders()
	status := "reset"
	if err != nil {
		status = "headers " + err.Error()
	}
	for _, h := range hs {
		if h[0] == ":status" {
			status = h[1]
		}
	}
	if _, err := proxywasm.GetHttpCallResponseBody(0, bodySize); err != nil {
		status += " body " + err.Error()
	}
	_ = proxywasm.AddHttpRequestHeader("x-answer", status+" n="+strconv.Itoa(numHeaders)+" cfg="+s.cfg)
	if err := proxywasm.ResumeHttpRequest(); err != nil {
		proxywasm.LogErrorf("resume %d: %v", s.id, err)
	}
	// After the resume Envoy no longer holds the request headers.
	if err := proxywasm.AddHttpRequestHeader("x-after-resume", "1"); err != nil {
		proxywasm.LogInfof("after resume %d: %v", s.id, err)
	}
}

// OnHttpResponseHeaders implements types.HttpContext.
func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpResponseHeader("x-config", s.cfg)
	_, err := proxywasm.GetHttpRequestHeader(":path")
	_ = proxywasm.AddHttpResponseHeader("x-request-read", errString(err))
	return types.ActionContinue
}

// OnHttpStreamDone implements types.HttpContext (proxy_on_log).
func (s *stream) OnHttpStreamDone() {
	p, err := proxywasm.GetHttpRequestHeader(":path")
	if err != nil {
		p = err.Error()
	}
	proxywasm.LogInfof("log %d %s", s.id, p)
}
