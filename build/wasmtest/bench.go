package wasmtest

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Requests is a filter's per-request benchmark, Benchmark<Name>_Request: the
// sub-benchmarks "native" and "wasm" (the names `make bench` reads) each start
// the plugin with the configuration and time b.N requests through it (new
// HTTP context, request headers, response headers, done). check, when not
// nil, runs after the timed loop, e.g. to require that a counter moved once
// per request, so a benchmark of a filter that did nothing fails.
func Requests(b *testing.B, native types.VMContext, dir, configuration string, request, response [][2]string,
	check func(b *testing.B, host proxytest.HostEmulator)) {
	b.Helper()
	run := func(b *testing.B, vm types.VMContext) {
		host, status := Start(b, vm, configuration)
		if status != types.OnPluginStartStatusOK {
			b.Fatalf("the plugin refused its configuration: %v", host.GetErrorLogs())
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, request, false)
			host.CallOnResponseHeaders(id, response, false)
			host.CompleteHttpContext(id)
		}
		b.StopTimer()
		if check != nil {
			check(b, host)
		}
	}
	b.Run("native", func(b *testing.B) { run(b, native) })
	b.Run("wasm", func(b *testing.B) { run(b, VM(b, dir)) })
}
