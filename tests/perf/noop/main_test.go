package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// BenchmarkNoop_Request is the floor of every filter's Benchmark*_Request:
// the same per-request path (new HTTP context, request headers, response
// headers, done) through a filter that does nothing.
func BenchmarkNoop_Request(b *testing.B) {
	run := func(b *testing.B, vm types.VMContext) {
		host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(vm))
		defer reset()
		if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
			b.Fatalf("plugin start: %v", st)
		}
		req, resp := workload.DefaultRequest, workload.DefaultResponse
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, req, false)
			host.CallOnResponseHeaders(id, resp, false)
			host.CompleteHttpContext(id)
		}
	}
	b.Run("native", func(b *testing.B) { run(b, &vm{}) })
	b.Run("wasm", func(b *testing.B) { run(b, wasmtest.VM(b, ".")) })
}

// TestNoop_ModuleABI checks the floor is built like a filter: the same
// exports and only the imports Envoy provides.
func TestNoop_ModuleABI(t *testing.T) {
	wasmtest.CheckABI(t, wasmtest.Module(t, "."))
}
