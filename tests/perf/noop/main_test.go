package main

import (
	"testing"

	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// BenchmarkNoop_Request is the floor of every filter's Benchmark*_Request:
// the same per-request path (new HTTP context, request headers, response
// headers, done) through a filter that does nothing.
func BenchmarkNoop_Request(b *testing.B) {
	wasmtest.Requests(b, &vm{}, ".", "", workload.DefaultRequest, workload.DefaultResponse, nil)
}

// TestNoop_ModuleABI checks the floor is built like a filter: the same
// exports and only the imports Envoy provides.
func TestNoop_ModuleABI(t *testing.T) {
	wasmtest.CheckABI(t, wasmtest.Module(t, "."))
}
