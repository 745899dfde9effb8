package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClean(t *testing.T) {
	in := "pkg: x\n" +
		"BenchmarkA_Request/native-2         \t2026/12/01 22:44:42 [http callout to c] timeout: 500\n" +
		"2026/12/01 22:44:42 proxy_debug_log: allowed\n" +
		"   20000\t     69128 ns/op\t    2541 B/op\t      56 allocs/op\n" +
		"BenchmarkA_Request/wasm-2 \t   20000\t 100 ns/op\n" +
		"PASS\n"
	want := "pkg: x\n" +
		"BenchmarkA_Request/native-2         \t20000\t     69128 ns/op\t    2541 B/op\t      56 allocs/op\n" +
		"BenchmarkA_Request/wasm-2 \t   20000\t 100 ns/op\n" +
		"PASS\n"
	require.Equal(t, want, string(Clean([]byte(in))))
	require.Equal(t, "BenchmarkA_Request/mode=wasm-2 \t1", string(mode.ReplaceAll([]byte("BenchmarkA_Request/wasm-2 \t1"), []byte("$1/mode=$2$3 "))))
}
