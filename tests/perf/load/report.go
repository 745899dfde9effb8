package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Heading is the BENCHMARKS.md section `make load` writes.
const Heading = "## Through `meshwasm run` (`make load`)"

// Record is one `make load FILTER=<name>` run, as kept in load.json.
type Record struct {
	Filter      string   `json:"filter"`
	Date        string   `json:"date"`
	LoadAverage string   `json:"load_average"`
	Cores       int      `json:"cores"`
	Results     []Result `json:"results"`
}

// Merge puts rec into the records file (one record per filter, the newest)
// and returns every record, sorted by filter.
func Merge(path string, rec Record) ([]Record, error) {
	all, err := Records(path)
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, r := range all {
		if r.Filter != rec.Filter {
			kept = append(kept, r)
		}
	}
	all = append(kept, rec)
	sort.Slice(all, func(i, j int) bool { return all[i].Filter < all[j].Filter })
	out, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return all, os.WriteFile(path, append(out, '\n'), 0o644)
}

// Records reads the records file (none when it does not exist).
func Records(path string) ([]Record, error) {
	var all []Record
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return all, nil
}

// Section renders the BENCHMARKS.md section from the records.
func Section(records []Record) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n", Heading)
	p("Real HTTP/1.1 over loopback: a Go client with a fixed number of connections sends a fixed count of requests\n")
	p("(the soak's workload request, after a warm-up that is not counted) through `meshwasm run` (one VM, the\n")
	p("module's calls serialised as on one Envoy worker) to an echo upstream, then the same with no filter: the\n")
	p("proxy's own cost is the baseline, the difference is the filter's. httpcallout's callouts go to a loopback\n")
	p("authorization service that allows. *Lost* counts requests without an answer, answers the upstream did not\n")
	p("see once, and streams the proxy never ended; zero errors and zero lost is the pass line. The client, the\n")
	p("proxy and the upstreams share the machine's cores, and other work may have run beside them (the load average\n")
	p("at the start of each run is given): compare the two rows of one run, not runs with each other. Written by\n")
	p("`make load FILTER=<name>` (tests/perf/cmd/load; the figures are in tests/perf/results/load.json).\n\n")
	p("| filter | proxy | requests | connections | requests/s | p50 | p99 | errors | lost | date, load average (cores) |\n")
	p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, rec := range records {
		for _, r := range rec.Results {
			p("| %s | %s | %d | %d | %.0f | %.2f ms | %.2f ms | %d | %d | %s, %s (%d) |\n", rec.Filter, r.Mode, r.Requests,
				r.Connections, r.PerSecond, r.P50ms, r.P99ms, r.Errors, r.Lost, rec.Date, rec.LoadAverage, rec.Cores)
		}
	}
	return b.String()
}

// Splice replaces the section in a BENCHMARKS.md (from its heading to the
// next "## " heading) or appends it.
func Splice(doc, section string) string {
	i := strings.Index(doc, Heading+"\n")
	if i < 0 {
		return strings.TrimRight(doc, "\n") + "\n\n" + section
	}
	rest := doc[i+len(Heading):]
	end := len(doc)
	if j := strings.Index(rest, "\n## "); j >= 0 {
		end = i + len(Heading) + j + 1
	}
	tail := doc[end:]
	if tail != "" {
		section += "\n"
	}
	return doc[:i] + section + tail
}
