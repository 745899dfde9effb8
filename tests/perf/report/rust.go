package report

import (
	"fmt"
	"strings"

	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
)

// rustMarkdown is the section comparing the Go modules with their Rust
// twins (cmd/rustcmp's rust.json); empty without one.
func rustMarkdown(c *rustcmp.Result) string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	soakN := 0
	for _, t := range c.Twins {
		soakN = max(soakN, t.Rust.SoakRequests)
	}
	p("\n## Against the same filters in Rust (`make rustcmp`)\n\n")
	p("`tests/perf/rust` holds the no-op module, addheader and regexrepl written in Rust against the proxy-wasm ABI\n")
	p("(a binding shaped like the proxy-wasm Rust SDK: a context per stream in a hash map, boxed trait objects; %s,\n", c.Rustc)
	p("`wasm32-unknown-unknown`, release, opt-level 3, LTO, symbols stripped; the regex and serde_json crates Debian\n")
	p("packages). Before any figure is taken, each twin is checked to behave like its Go module on the same %d\n", c.Checked)
	p("requests (request and response headers, actions, counters, number of warnings). Both modules of every twin then\n")
	p("run the filter's workload in the soak's host, in %d interleaved rounds of %s requests each (load average %s\n",
		c.Rounds, soak.Count(c.Requests), c.LoadBefore)
	p("before, %s after); the ratios use each module's fastest round, the ratio of the median rounds in brackets.\n", c.LoadAfter)
	p("*Own work* is a module's cost per request minus the no-op module's of the same language: what the filter adds\n")
	p("to its floor. Size is the module as shipped (Go with `-s -w`); memory is the linear memory after a soak of %s\n", soak.Count(soakN))
	p("requests (Go's after its warm-up too).\n\n")
	p("| module | per request, Go / Rust | own work (over the floor), Go / Rust | module, Go / Rust | gzipped, Go / Rust | linear memory, Go / Rust |\n")
	p("| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, t := range c.Twins {
		own := "- (the floor)"
		if t.Filter != c.Floor {
			own = fmt.Sprintf("%s / %s = **%s** (%s)", ns(t.Go.OverFloorNs), ns(t.Rust.OverFloorNs), times(t.OverFloor), times(t.OverFloorMedian))
		}
		p("| %s | %s / %s = **%s** (%s) | %s | %s / %s = %s | %s / %s = **%s** | %s / %s = **%s** |\n", t.Filter,
			ns(t.Go.NsPerRequest.Min), ns(t.Rust.NsPerRequest.Min), times(t.PerRequest), times(t.PerRequestMedian), own,
			kb(t.Go.Bytes), kb(t.Rust.Bytes), times(t.Size), kb(t.Go.GzipBytes), kb(t.Rust.GzipBytes), times(t.SizeGzip),
			mib(t.Go.MemoryBytes), mib(t.Rust.MemoryBytes), times(t.Memory))
	}
	p("\nRaw rounds and medians: [tests/perf/results/rust.json](tests/perf/results/rust.json).\n")
	return b.String()
}

// times formats a ratio; 0 (not measurable) is a dash.
func times(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", r)
}
