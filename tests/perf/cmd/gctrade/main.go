// Command gctrade measures the binding's own collector against GOGC=25 set
// by the operator (which turns it off), for every filter and the no-op
// module: CPU per request in interleaved rounds, linear memory after a soak.
// It writes gctrade.json for `make benchmarks`.
//
//	go run ./tests/perf/cmd/gctrade [-rounds 10] [-n 20000] [-soak 1000000] [-out tests/perf/results]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/meshwasm/meshwasm/tests/perf/gctrade"
	"github.com/meshwasm/meshwasm/tests/perf/report"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	rounds := flag.Int("rounds", 10, "interleaved rounds")
	n := flag.Int("n", 20_000, "requests per module, setting and round")
	soakN := flag.Int("soak", 1_000_000, "requests of each memory soak")
	out := flag.String("out", "", "directory for gctrade.json (default <repo>/tests/perf/results)")
	only := flag.String("filters", "", "comma-separated filters (default: every filters/*/main.go and noop)")
	flag.Parse()
	if err := run(*rounds, *n, *soakN, *out, *only); err != nil {
		fmt.Fprintln(os.Stderr, "gctrade:", err)
		os.Exit(1)
	}
}

func run(rounds, n, soakN int, out, only string) error {
	ctx := context.Background()
	root, err := workload.Root()
	if err != nil {
		return err
	}
	if out == "" {
		out = workload.Results(root)
	}
	filters, err := workload.Filters(root)
	if err != nil {
		return err
	}
	filters = workload.Select(filters, only)
	modules := map[string][]byte{}
	for _, f := range filters {
		fmt.Fprintf(os.Stderr, "gctrade: building %s\n", f.Name)
		if modules[f.Name], err = f.Module(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gctrade: %d modules x 2 settings, %d rounds of %d requests, then soaks of %d\n", len(filters), rounds, n, soakN)
	res, err := gctrade.Run(ctx, filters, modules, gctrade.Options{Rounds: rounds, Requests: n, SoakRequests: soakN},
		func() string { return report.ThisMachine().LoadAverage })
	if err != nil {
		return err
	}
	res.Date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "gctrade.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	for _, f := range res.Filters {
		fmt.Printf("%-12s memory %.2f MiB (GOGC=25 alone %.2f), CPU %.3fx, GC cycles %d (%d)\n", f.Filter,
			float64(f.Default.MemoryBytes)/(1<<20), float64(f.Operator.MemoryBytes)/(1<<20), f.CPU, f.Default.GCCycles, f.Operator.GCCycles)
	}
	fmt.Printf("gctrade: wrote %s\n", path)
	return nil
}
