// Command writebenchmarks writes BENCHMARKS.md and BENCHMARKS.json at the
// repository root from the results of `make bench` and `make soak`
// (tests/perf/results) and its own measurements of every module: size
// (default, without -s -w, and after binaryen's wasm-opt as an experiment)
// and cold and warm build time, with the comparison against the Rust twins
// (rust.json, from `make rustcmp`) and the collector's memory/CPU trade
// (gctrade.json, from `make gctrade`). `make benchmarks` runs them all.
//
//	go run ./tests/perf/cmd/writebenchmarks [-results tests/perf/results] [-wasm-opt wasm-opt]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/meshwasm/meshwasm/tests/perf/gctrade"
	"github.com/meshwasm/meshwasm/tests/perf/load"
	"github.com/meshwasm/meshwasm/tests/perf/report"
	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	results := flag.String("results", "", "directory of bench.txt, benchstat.txt and soak.json (default <repo>/tests/perf/results)")
	wasmOpt := flag.String("wasm-opt", "wasm-opt", "binaryen's wasm-opt for the size experiment (\"\" to skip)")
	out := flag.String("out", "", "directory for BENCHMARKS.md and BENCHMARKS.json (default: the repository root)")
	measure := flag.Bool("measure", true, "build every module to measure it (false: reuse modules.json in -results)")
	only := flag.String("filters", "", "comma-separated filters (default: every filters/*/main.go and noop)")
	rust := flag.Bool("rust", true, "include the comparison with the Rust twins (rust.json in -results, from make rustcmp)")
	trade := flag.Bool("gctrade", true, "include the collector's memory/CPU trade (gctrade.json in -results, from make gctrade)")
	flag.Parse()
	if err := run(*results, *wasmOpt, *out, *only, *measure, *rust, *trade); err != nil {
		fmt.Fprintln(os.Stderr, "benchmarks:", err)
		os.Exit(1)
	}
}

func run(results, wasmOpt, out, only string, measure, rust, trade bool) error {
	ctx := context.Background()
	root, err := workload.Root()
	if err != nil {
		return err
	}
	if results == "" {
		results = workload.Results(root)
	}
	if out == "" {
		out = root
	}
	if wasmOpt != "" && measure {
		path, err := exec.LookPath(wasmOpt)
		if err != nil {
			return fmt.Errorf("%w (install Debian's binaryen, or pass -wasm-opt \"\" to leave the experiment out)", err)
		}
		wasmOpt = path
	}
	f, err := os.Open(filepath.Join(results, "bench.txt"))
	if err != nil {
		return fmt.Errorf("%w (run make bench first)", err)
	}
	benches, err := report.ReadBench(f)
	f.Close()
	if err != nil {
		return err
	}
	benchstat, err := os.ReadFile(filepath.Join(results, "benchstat.txt"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	data, err := os.ReadFile(filepath.Join(results, "soak.json"))
	if err != nil {
		return fmt.Errorf("%w (run make soak first)", err)
	}
	var soaks []*soak.Result
	if err := json.Unmarshal(data, &soaks); err != nil {
		return err
	}
	var rustCmp *rustcmp.Result
	if rust {
		data, err := os.ReadFile(filepath.Join(results, "rust.json"))
		if err != nil {
			return fmt.Errorf("%w (run make rustcmp first, or pass -rust=false)", err)
		}
		if err := json.Unmarshal(data, &rustCmp); err != nil {
			return fmt.Errorf("rust.json: %w", err)
		}
		// The ratios come from the figures, so a rust.json written before
		// a ratio was added renders whole.
		if err := rustCmp.Derive(workload.Noop); err != nil {
			return fmt.Errorf("rust.json: %w", err)
		}
	}
	var gcTrade *gctrade.Result
	if trade {
		data, err := os.ReadFile(filepath.Join(results, "gctrade.json"))
		if err != nil {
			return fmt.Errorf("%w (run make gctrade first, or pass -gctrade=false)", err)
		}
		if err := json.Unmarshal(data, &gcTrade); err != nil {
			return fmt.Errorf("gctrade.json: %w", err)
		}
	}

	filters, err := workload.Filters(root)
	if err != nil {
		return err
	}
	filters = workload.Select(filters, only)
	tmp, err := os.MkdirTemp("", "meshwasm-benchmarks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rep := &report.Report{Machine: report.ThisMachine(), Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Rust: rustCmp, GCTrade: gcTrade}
	var missing []string
	modules := map[string]*report.Module{}
	modulesFile := filepath.Join(results, "modules.json")
	if !measure {
		data, err := os.ReadFile(modulesFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &modules); err != nil {
			return err
		}
	}
	for _, f := range filters {
		if !measure {
			continue
		}
		start := time.Now()
		fmt.Fprintf(os.Stderr, "benchmarks: %s: building (cold, warm, unstripped), wasm-opt\n", f.Name)
		mod, _, err := report.Measure(ctx, f, tmp, wasmOpt)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "benchmarks: %s: %.0fs\n", f.Name, time.Since(start).Seconds())
		modules[f.Name] = mod
	}
	if measure {
		data, err := json.MarshalIndent(modules, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(modulesFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	for _, f := range filters {
		mod := modules[f.Name]
		r := &report.Filter{Filter: f.Name, Config: f.ConfigSource, Bench: benches[f.Name], Module: mod}
		for _, s := range soaks {
			if s.Filter == f.Name {
				r.Soak = report.FromSoak(s)
			}
		}
		if r.Module == nil {
			missing = append(missing, f.Name+" (module)")
		}
		if r.Bench == nil {
			missing = append(missing, f.Name+" (bench)")
		}
		if r.Soak == nil {
			missing = append(missing, f.Name+" (soak)")
		}
		rep.Filters = append(rep.Filters, r)
	}
	if len(missing) > 0 {
		return fmt.Errorf("no results for %v: run make bench and make soak again", missing)
	}
	if err := rep.Derive(workload.Noop); err != nil {
		return err
	}
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "BENCHMARKS.json"), js, 0o644); err != nil {
		return err
	}
	md := rep.Markdown(string(bytes.TrimLeft(benchstat, "\n")))
	// make load's figures, kept in load.json, stay in the regenerated page.
	loads, err := load.Records(filepath.Join(results, "load.json"))
	if err != nil {
		return err
	}
	if len(loads) > 0 {
		md = load.Splice(md, load.Section(loads))
	}
	if err := os.WriteFile(filepath.Join(out, "BENCHMARKS.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Printf("benchmarks: wrote %s and BENCHMARKS.json\n", filepath.Join(out, "BENCHMARKS.md"))
	return nil
}
