package report

import (
	"fmt"
	"strings"

	"github.com/meshwasm/meshwasm/tests/perf/gctrade"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
)

// gcTradeMarkdown is the section on the binding's own collector
// (cmd/gctrade's gctrade.json); empty without one.
func gcTradeMarkdown(t *gctrade.Result) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("\n## Memory against CPU: the module's own collector (`make gctrade`)\n\n")
	p("By default a module collects at `GOGC=25` and, besides, after every 256 KiB it allocates and when its heap's free\n")
	p("pages run low, at most once per 512 streams (checked as streams end); `GOGC` or `GOMEMLIMIT` in the VM's\n")
	p("environment turns that collector off. Each module ran with its defaults\n")
	p("and with `GOGC=25` set, in %d interleaved rounds of %s requests each (load average %s before, %s after);\n",
		t.Rounds, soak.Count(t.Requests), t.LoadBefore, t.LoadAfter)
	p("CPU is the ratio of the median rounds. Memory is the linear memory after a soak of %s requests under each\n", soak.Count(t.SoakRequests))
	p("setting, with its GC cycles.\n\n")
	p("| module | linear memory, defaults | linear memory, GOGC=25 alone | GC cycles, defaults / GOGC=25 | per request, defaults / GOGC=25 |\n")
	p("| --- | ---: | ---: | ---: | ---: |\n")
	for _, f := range t.Filters {
		p("| %s | **%s** | %s | %d / %d | %s / %s = **%s** |\n", f.Filter, mib(f.Default.MemoryBytes), mib(f.Operator.MemoryBytes),
			f.Default.GCCycles, f.Operator.GCCycles, ns(f.Default.NsPerRequest.Median), ns(f.Operator.NsPerRequest.Median), times(f.CPU))
	}
	p("\nRaw rounds: [tests/perf/results/gctrade.json](tests/perf/results/gctrade.json).\n")
	return b.String()
}
