package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/tests/perf/gctrade"
	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func TestRequestBenchmark(t *testing.T) {
	const one = "package x\n\nimport \"testing\"\n\nfunc BenchmarkFoo_Request(b *testing.B) {}\n\nfunc BenchmarkFoo_Other(b *testing.B) {}\n"
	const two = "package x\n\nimport \"testing\"\n\nfunc BenchmarkBar_Request(b *testing.B) {}\n"
	cases := []struct {
		name    string
		files   map[string]string
		want    string
		wantErr string
	}{
		{"one", map[string]string{"main_test.go": one}, "BenchmarkFoo_Request", ""},
		{"none", map[string]string{"main_test.go": "package x\n", "main.go": two}, "", "no func Benchmark<Name>_Request"},
		{"two", map[string]string{"main_test.go": one, "more_test.go": two}, "", "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
			}
			got, err := RequestBenchmark(dir)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// Every module bench and soak measure has its per-request benchmark, so a
// filter added without one fails here, in make test, not only in make bench.
func TestRequestBenchmark_EveryFilter(t *testing.T) {
	root, err := workload.Root()
	require.NoError(t, err)
	filters, err := workload.Filters(root)
	require.NoError(t, err)
	require.Greater(t, len(filters), 1)
	for _, f := range filters {
		name, err := RequestBenchmark(f.Dir)
		require.NoError(t, err, f.Name)
		require.True(t, strings.HasSuffix(name, "_Request"), name)
	}
}

func TestReadBench(t *testing.T) {
	f, err := os.Open("testdata/bench.txt")
	require.NoError(t, err)
	defer f.Close()
	got, err := ReadBench(f)
	require.NoError(t, err)
	require.Len(t, got, 2)
	a := got["addheader"]
	require.Equal(t, "BenchmarkAddHeader_Request", a.Name)
	require.InDelta(t, 3100, a.Native.NsPerOp.Median, 0.01)
	require.InDelta(t, 12000, a.Wasm.NsPerOp.Median, 0.01)
	require.InDelta(t, 58, a.Wasm.AllocsPerOp.Median, 0.01)
	require.InDelta(t, 578, a.Native.BytesPerOp.Median, 0.01)
	require.Equal(t, 3, a.Wasm.Runs)
	require.InDelta(t, 11000, a.Wasm.NsPerOp.Min, 0.01)
	require.Nil(t, got["noop"].Wasm.NsPerOp.Lo, "one run has no confidence interval")

	rep := &Report{Machine: Machine{CPU: "Test CPU", Cores: 2}, Filters: []*Filter{
		{Filter: "addheader", Bench: a, Module: &Module{Bytes: 3 << 20, GzipBytes: 900 << 10}},
		{Filter: "noop", Bench: got["noop"], Module: &Module{Bytes: 2 << 20, GzipBytes: 700 << 10}},
	}}
	require.NoError(t, rep.Derive("noop"))
	require.InDelta(t, 11000.0/3000, rep.Filters[0].WasmOverNative, 1e-9, "fastest runs")
	require.InDelta(t, 11000.0/4000, rep.Filters[0].WasmOverNoop, 1e-9)
	require.InDelta(t, 7000, rep.Filters[0].MarginalNs, 1e-9)
	require.Equal(t, 1<<20, rep.Filters[0].BytesOverNoop)
	require.Equal(t, 200<<10, rep.Filters[0].GzipBytesOverNoop)
	md := rep.Markdown("")
	require.Contains(t, md, "| addheader | 3000 ns (3100 ns) | 11.0 µs (12.0 µs) | 3.67× | 2.75× (+7000 ns) | 4 | 58 | - |")
	_, err = rep.JSON()
	require.NoError(t, err)

	require.Error(t, (&Report{Filters: rep.Filters[:1]}).Derive("noop"), "no floor")
}

func TestHeavy(t *testing.T) {
	require.Equal(t, []string{}, Heavy([]byte("\x00runtime.main\x00fmt.Sprintf\x00")))
	require.Equal(t, []string{"encoding/json"}, Heavy([]byte("\x00encoding/json.Unmarshal\x00")))
}

// The Rust section renders rust.json's figures with the ratios Derive
// computes, and is absent without a comparison.
func TestRustMarkdown(t *testing.T) {
	data, err := os.ReadFile("testdata/rust.json")
	require.NoError(t, err)
	var c rustcmp.Result
	require.NoError(t, json.Unmarshal(data, &c))
	require.NoError(t, c.Derive("noop"))
	md := rustMarkdown(&c)
	require.Contains(t, md, "## Against the same filters in Rust")
	require.Contains(t, md, "3 interleaved rounds of 20k requests each (load average 1.10 1.20 1.30\nbefore, 1.40 1.50 1.60 after)")
	require.Contains(t, md, "a soak of 1M\nrequests")
	require.Contains(t, md, "| addheader | 6000 ns / 2000 ns = **3.00×** (2.90×) | 4300 ns / 1600 ns = **2.69×** (2.54×) | 2909 KiB / 110 KiB = 26.35× | 829 KiB / 48 KiB = **17.22×** | 8.00 MiB / 1.12 MiB = **7.11×** |")
	require.Contains(t, md, "| noop | 1700 ns / 400 ns = **4.25×** (4.39×) | - (the floor) |")

	rep := &Report{Rust: &c}
	require.Contains(t, rep.Markdown(""), "| noop | 1700 ns / 400 ns = **4.25×** (4.39×)")
	js, err := rep.JSON()
	require.NoError(t, err)
	require.Contains(t, string(js), `"go_over_rust_per_request": 3`)
	require.Empty(t, rustMarkdown(nil))
	require.NotContains(t, (&Report{}).Markdown(""), "Against the same filters in Rust")
}

func TestGCTradeMarkdown(t *testing.T) {
	tr := &gctrade.Result{Rounds: 10, Requests: 20_000, SoakRequests: 1_000_000, LoadBefore: "1.00 1.00 1.00", LoadAfter: "2.00 2.00 2.00",
		Filters: []*gctrade.Filter{{Filter: "addheader", CPU: 1.012,
			Default:  gctrade.Setting{NsPerRequest: rustcmp.Stat{Median: 4216}, MemoryBytes: 4 << 20, GCCycles: 63},
			Operator: gctrade.Setting{NsPerRequest: rustcmp.Stat{Median: 4166}, MemoryBytes: 9 << 19, GCCycles: 17}}}}
	md := gcTradeMarkdown(tr)
	require.Contains(t, md, "## Memory against CPU: the module's own collector")
	require.Contains(t, md, "10 interleaved rounds of 20k requests each (load average 1.00 1.00 1.00 before, 2.00 2.00 2.00 after)")
	require.Contains(t, md, "| addheader | **4.00 MiB** | 4.50 MiB | 63 / 17 | 4216 ns / 4166 ns = **1.01×** |")
	require.Contains(t, (&Report{GCTrade: tr}).Markdown(""), "own collector")
	require.Empty(t, gcTradeMarkdown(nil))
}
