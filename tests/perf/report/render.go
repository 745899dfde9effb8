package report

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/meshwasm/meshwasm/tests/perf/gctrade"
	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
)

// Machine is where the figures were measured.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryMB int    `json:"memory_mb"`
	Kernel   string `json:"kernel"`
	OS       string `json:"os"`
	Go       string `json:"go"`
	Wazero   string `json:"wazero"`
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute figures when the
	// report was written: other work on the machine.
	LoadAverage string `json:"load_average"`
}

// ThisMachine describes the machine the process runs on (Linux /proc).
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryMB = kb / 1024
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tetratelabs/wazero" {
				m.Wazero = d.Version
			}
		}
	}
	return m
}

// Soak is a filter's soak figures.
type Soak struct {
	WarmupRequests   int     `json:"warmup_requests"`
	Requests         int     `json:"requests"`
	BaselineRequests int     `json:"baseline_requests"`
	MemoryBaseline   uint64  `json:"memory_at_baseline_bytes"`
	MemoryEnd        uint64  `json:"memory_at_end_bytes"`
	GrowthBytes      int64   `json:"growth_bytes"`
	LimitBytes       int64   `json:"limit_bytes"`
	Pass             bool    `json:"pass"`
	GCCycles         int     `json:"gc_cycles"`
	NsPerRequest     float64 `json:"ns_per_request"`
	Callouts         int     `json:"callouts"`
}

// FromSoak keeps the figures of a soak result.
func FromSoak(r *soak.Result) *Soak {
	return &Soak{WarmupRequests: r.WarmupRequests, Requests: r.Requests, BaselineRequests: r.Baseline,
		MemoryBaseline: r.MemoryBaseline, MemoryEnd: r.MemoryEnd, GrowthBytes: r.GrowthBytes,
		LimitBytes: r.LimitBytes, Pass: r.Pass, GCCycles: r.GCCycles, NsPerRequest: r.NsPerRequest, Callouts: r.Callouts}
}

// Filter is one filter's figures: one object of BENCHMARKS.json.
type Filter struct {
	Filter string  `json:"filter"`
	Config string  `json:"config_source"`
	Bench  *Bench  `json:"benchmark"`
	Module *Module `json:"module"`
	Soak   *Soak   `json:"soak"`
	// WasmOverNative is wasm ns/op / native ns/op, of the fastest runs.
	WasmOverNative float64 `json:"wasm_over_native"`
	// WasmOverNoop is wasm ns/op / the no-op module's wasm ns/op (same
	// run), MarginalNs the difference, of the fastest runs.
	WasmOverNoop float64 `json:"wasm_over_noop"`
	MarginalNs   float64 `json:"marginal_ns_over_noop"`
	// SoakWasmOverNoop and SoakMarginalNs compare the soak's ns/request (a
	// lean host that logs nothing) with the no-op module's.
	SoakWasmOverNoop float64 `json:"soak_wasm_over_noop"`
	SoakMarginalNs   float64 `json:"soak_marginal_ns_over_noop"`
	// Size over the no-op module's.
	BytesOverNoop     int `json:"bytes_over_noop"`
	GzipBytesOverNoop int `json:"gzip_bytes_over_noop"`
}

// Report is BENCHMARKS.json.
type Report struct {
	Machine Machine   `json:"machine"`
	Date    string    `json:"date"`
	Noop    string    `json:"noop"`
	Filters []*Filter `json:"filters"`
	// Rust compares the Go modules with their Rust twins (cmd/rustcmp).
	Rust *rustcmp.Result `json:"rust,omitempty"`
	// GCTrade compares the modules' defaults with GOGC=25 alone (cmd/gctrade).
	GCTrade *gctrade.Result `json:"gc_trade,omitempty"`
}

// Derive fills in the ratios against native and the no-op module (the
// filter named noop).
func (r *Report) Derive(noop string) error {
	r.Noop = noop
	var floor *Filter
	for _, f := range r.Filters {
		if f.Filter == noop {
			floor = f
		}
	}
	if floor == nil || floor.Bench == nil || floor.Module == nil {
		return fmt.Errorf("no figures for the no-op module %q", noop)
	}
	for _, f := range r.Filters {
		if f.Bench != nil {
			f.WasmOverNative = f.Bench.Wasm.NsPerOp.Min / f.Bench.Native.NsPerOp.Min
			f.WasmOverNoop = f.Bench.Wasm.NsPerOp.Min / floor.Bench.Wasm.NsPerOp.Min
			f.MarginalNs = f.Bench.Wasm.NsPerOp.Min - floor.Bench.Wasm.NsPerOp.Min
		}
		if f.Soak != nil && floor.Soak != nil {
			f.SoakWasmOverNoop = f.Soak.NsPerRequest / floor.Soak.NsPerRequest
			f.SoakMarginalNs = f.Soak.NsPerRequest - floor.Soak.NsPerRequest
		}
		if f.Module != nil {
			f.BytesOverNoop = f.Module.Bytes - floor.Module.Bytes
			f.GzipBytesOverNoop = f.Module.GzipBytes - floor.Module.GzipBytes
		}
	}
	return nil
}

// runs is how many runs the benchmarks had (the fewest of any).
func (r *Report) runs() int {
	n := 0
	for _, f := range r.Filters {
		if f.Bench != nil {
			for _, m := range []*Mode{f.Bench.Native, f.Bench.Wasm} {
				if n == 0 || m.Runs < n {
					n = m.Runs
				}
			}
		}
	}
	return n
}

// JSON is BENCHMARKS.json.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

func mib(b uint64) string   { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
func kb(b int) string       { return fmt.Sprintf("%d KiB", (b+512)/1024) }
func signedKB(b int) string { return fmt.Sprintf("%+d KiB", b/1024) }

func ns(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.1f µs", v/1000)
	}
	return fmt.Sprintf("%.0f ns", v)
}

// Markdown is BENCHMARKS.md; benchstat is the benchstat table of the run.
func (r *Report) Markdown(benchstat string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Benchmarks\n\n")
	p("Generated by `make benchmarks` on %s; do not edit by hand. The same figures, one object per filter, are in\n", r.Date)
	p("[BENCHMARKS.json](BENCHMARKS.json); the raw runs in [tests/perf/results](tests/perf/results).\n\n")
	p("**How filters are found.** Every `filters/<name>/` with a `main.go` is measured, plus the no-op module\n")
	p("(`tests/perf/noop`, the floor: a filter whose callbacks are all the SDK's defaults, built like the others).\n")
	p("A filter's per-request benchmark is the one function `Benchmark<Name>_Request(b *testing.B)` in its\n")
	p("`_test.go` files, with sub-benchmarks `native` and `wasm` (new HTTP context, request headers, response\n")
	p("headers, done, on proxytest's host; `wasm` runs the compiled module). The soak's workload is the filter's\n")
	p("`wasmplugin.yaml` `pluginConfig`, unless `tests/perf/workload/filters/<name>.yaml` gives another\n")
	p("configuration and the answer to its callouts. A new filter needs no code edit; one without a\n")
	p("`Benchmark<Name>_Request` makes `make bench` fail.\n\n")
	m := r.Machine
	p("**Machine.** %s, %d cores, %d MiB RAM, Linux %s, %s, %s, wazero %s (the soak's host; proxytest's wasm runner\n", m.CPU, m.Cores, m.MemoryMB, m.Kernel, m.OS, m.Go, m.Wazero)
	p("uses the same). Other builds may have shared the machine: compare figures of one run, not across runs.\n\n")

	p("## Per-request cost\n\n")
	p("The fastest of %d runs, median in brackets (medians and 95%% confidence intervals are also in\n", r.runs())
	p("BENCHMARKS.json and in the benchstat table below). The runs go in rounds, every benchmark once a round, so a\n")
	p("busy spell on the machine (load average %s when the report was written) slows all alike; the fastest run is\n", r.Machine.LoadAverage)
	p("the closest to the cost without contention, and the ratios use it. *over no-op* compares the wasm run with\n")
	p("the no-op module's wasm run of the same `make bench`: the marginal cost of the filter's own work. Allocations are\n")
	p("counted by the Go benchmark, so in wasm mode they are the host's (proxytest, wazero), not the module's.\n")
	p("Every run is a fixed 20,000 requests: proxytest's host emulator keeps every stream it has seen, so its own\n")
	p("cost per request grows with the run's length, and only runs of one length compare.\n\n")
	p("The last column is the soak's figure (below): the module alone in a lean wazero host that logs nothing, against\n")
	p("the no-op module in the same host; proxytest's emulator, in the other columns, prints every callout it dispatches.\n\n")
	p("| filter | native | wasm | wasm/native | wasm over no-op | native allocs/op | wasm allocs/op (host) | soak host: wasm over no-op |\n")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, f := range r.Filters {
		if f.Bench == nil {
			continue
		}
		soakCol := "-"
		if f.Soak != nil && f.SoakWasmOverNoop > 0 {
			soakCol = fmt.Sprintf("%.2f× (%+.0f ns)", f.SoakWasmOverNoop, f.SoakMarginalNs)
		}
		p("| %s | %s (%s) | %s (%s) | %.2f× | %.2f× (%+.0f ns) | %.0f | %.0f | %s |\n", f.Filter,
			ns(f.Bench.Native.NsPerOp.Min), ns(f.Bench.Native.NsPerOp.Median),
			ns(f.Bench.Wasm.NsPerOp.Min), ns(f.Bench.Wasm.NsPerOp.Median), f.WasmOverNative, f.WasmOverNoop, f.MarginalNs,
			f.Bench.Native.AllocsPerOp.Median, f.Bench.Wasm.AllocsPerOp.Median, soakCol)
	}

	p("\n## Module size and build time\n\n")
	p("The default build strips DWARF and the symbol table (`-ldflags=\"-s -w\"`): Envoy uses neither, and a\n")
	p("panic's traceback still names functions (Go keeps its own function table), so stripping costs nothing.\n")
	p("*Cold* builds with an empty Go build cache (modules already downloaded), *warm* builds again at once.\n\n")
	p("*Heavy packages* are those of %s linked into the module: filters keep them out.\n\n", strings.Join(HeavyPackages, ", "))
	p("| filter | module | gzipped | over no-op (gzipped) | without -s -w (gzipped) | cold build | warm build | heavy packages |\n")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, f := range r.Filters {
		mo := f.Module
		if mo == nil {
			continue
		}
		heavy := "none"
		if len(mo.Heavy) > 0 {
			heavy = "**" + strings.Join(mo.Heavy, ", ") + "**"
		}
		p("| %s | %s | %s | %s (%s) | %s (%s) | %.1f s | %.1f s | %s |\n", f.Filter, kb(mo.Bytes), kb(mo.GzipBytes),
			signedKB(f.BytesOverNoop), signedKB(f.GzipBytesOverNoop), kb(mo.DebugBytes), kb(mo.DebugGzipBytes),
			mo.BuildColdSeconds, mo.BuildWarmSeconds, heavy)
	}
	var opt *WasmOpt
	for _, f := range r.Filters {
		if f.Module != nil && f.Module.WasmOpt != nil {
			opt = f.Module.WasmOpt
		}
	}
	if opt != nil {
		p("\n### Experiment: binaryen's wasm-opt (not part of the build)\n\n")
		p("`wasm-opt %s` (%s, Debian's `binaryen`) over the default module. *Works* means the optimised module\n", opt.Args, opt.Version)
		p("started and served one request of its workload in the soak's host.\n\n")
		p("| filter | module | after wasm-opt | gzipped | after wasm-opt, gzipped | time | works |\n")
		p("| --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
		for _, f := range r.Filters {
			if f.Module == nil || f.Module.WasmOpt == nil {
				continue
			}
			w := f.Module.WasmOpt
			works := "yes"
			if !w.Works {
				works = "no: " + strings.ReplaceAll(firstLine(w.Error), "|", "\\|")
			}
			p("| %s | %s | %s | %s | %s | %.1f s | %s |\n", f.Filter, kb(f.Module.Bytes), kb(w.Bytes), kb(f.Module.GzipBytes),
				kb(w.GzipBytes), w.Seconds, works)
		}
	}

	p("\n## Memory over a million requests (`make soak`)\n\n")
	p("Each compiled module runs in a wazero host that, as Envoy does, calls `proxy_on_done`, `proxy_on_log` and\n")
	p("`proxy_on_delete` for every stream and answers callouts after the request callback returns. A warm-up runs\n")
	p("until the module's Go runtime has collected twice (at most a million requests), then the measured run;\n")
	p("linear memory is sampled every 50,000 requests. Linear memory never shrinks, so the check is: memory after\n")
	p("the last request exceeds memory at the baseline by at most 1 MiB.\n\n")
	p("| filter | warm-up | memory at baseline | memory at end | growth | GC cycles | ns/request (soak host) | check |\n")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, f := range r.Filters {
		s := f.Soak
		if s == nil {
			continue
		}
		check := "pass"
		if !s.Pass {
			check = "**FAIL**"
		}
		p("| %s | %s | %s at %s | %s at %s | %+.2f MiB | %d | %.0f | %s |\n", f.Filter, soak.Count(s.WarmupRequests),
			mib(s.MemoryBaseline), soak.Count(s.BaselineRequests), mib(s.MemoryEnd), soak.Count(s.Requests),
			float64(s.GrowthBytes)/(1<<20), s.GCCycles, s.NsPerRequest, check)
	}
	p("\n![Linear memory of each module](tests/perf/results/soak.png)\n\n")
	p("Series: [tests/perf/results/soak.csv](tests/perf/results/soak.csv). Operators bound a module's memory with\n")
	p("`GOGC` in the WasmPlugin's `vmConfig.env` (see the README, Deploy); `go run ./tests/perf/cmd/soak -env GOGC=50`\n")
	p("shows its effect.\n")
	b.WriteString(gcTradeMarkdown(r.GCTrade))
	b.WriteString(rustMarkdown(r.Rust))

	if benchstat != "" {
		p("\n## benchstat: wasm against native\n\n```\n%s```\n", benchstat)
	}
	return b.String()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 120 {
		l = l[:120] + "…"
	}
	return l
}
