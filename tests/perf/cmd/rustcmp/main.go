// Command rustcmp compares meshwasm's Go modules with their Rust twins
// (tests/perf/rust): it builds both (the twins with Debian's cargo, see
// tests/perf/rustbuild), checks that each twin behaves like its Go module on
// the same requests (headers, actions, counters, warnings), times both in
// the soak host in interleaved rounds, soaks both for linear memory and
// writes rust.json to -out (tests/perf/results), which `make benchmarks`
// renders into BENCHMARKS.md.
//
//	go run ./tests/perf/cmd/rustcmp [-rounds 10] [-requests 20000] [-soak-requests 1000000] [-filters noop,addheader]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/tests/perf/report"
	"github.com/meshwasm/meshwasm/tests/perf/rustbuild"
	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	rounds := flag.Int("rounds", 10, "timing rounds, each one run of every module")
	requests := flag.Int("requests", 20_000, "requests per run")
	soakRequests := flag.Int("soak-requests", 1_000_000, "requests of each module's memory soak (after the Go runtime's warm-up)")
	out := flag.String("out", "", "directory for rust.json (default <repo>/tests/perf/results)")
	cargo := flag.String("cargo", rustbuild.DefaultCargo, "Debian's cargo (its rustc is the one beside it)")
	only := flag.String("filters", "", "comma-separated twins (default: every crate under tests/perf/rust that builds a module)")
	flag.Parse()
	if *rounds < 1 || *requests < 1 || *soakRequests < 1 {
		fmt.Fprintln(os.Stderr, "rustcmp: -rounds, -requests and -soak-requests must be positive")
		os.Exit(2)
	}
	if err := run(*rounds, *requests, *soakRequests, *out, *cargo, *only); err != nil {
		fmt.Fprintln(os.Stderr, "rustcmp:", err)
		os.Exit(1)
	}
}

func run(rounds, requests, soakRequests int, out, cargo, only string) error {
	ctx := context.Background()
	root, err := workload.Root()
	if err != nil {
		return err
	}
	if out == "" {
		out = workload.Results(root)
	}
	names, err := rustbuild.Twins(root)
	if err != nil {
		return err
	}
	if !containsName(names, workload.Noop) {
		return fmt.Errorf("no Rust twin of the no-op module (tests/perf/rust/%s): the floor is needed", workload.Noop)
	}
	var twins []workload.Filter
	for _, n := range names {
		f, err := workload.Get(root, n)
		if err != nil {
			return fmt.Errorf("twin %s in tests/perf/rust has no Go module: %w", n, err)
		}
		twins = append(twins, f)
	}
	if only != "" {
		twins = workload.Select(twins, only+","+workload.Noop)
	}

	fmt.Fprintln(os.Stderr, "rustcmp: building the Rust twins (cargo build --release)")
	rustPaths, err := rustbuild.Build(ctx, root, cargo, filepath.Join(root, "dist", "rust"))
	if err != nil {
		return err
	}
	rustc, err := rustbuild.Version(ctx, cargo)
	if err != nil {
		return err
	}

	res := &rustcmp.Result{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Rustc: rustc, Rounds: rounds, Requests: requests}
	var subjects []rustcmp.Subject
	for _, f := range twins {
		fmt.Fprintf(os.Stderr, "rustcmp: %s: building the Go module, checking the twins alike\n", f.Name)
		goMod, err := f.Module(ctx)
		if err != nil {
			return err
		}
		rustMod, err := os.ReadFile(rustPaths[f.Name])
		if err != nil {
			return err
		}
		if err := rustcmp.Check(ctx, f, goMod, rustMod); err != nil {
			return err
		}
		res.Checked = len(rustcmp.Exchanges(f))
		res.Twins = append(res.Twins, &rustcmp.Twin{Filter: f.Name,
			Go:   rustcmp.Side{Bytes: len(goMod), GzipBytes: report.Gzipped(goMod)},
			Rust: rustcmp.Side{Bytes: len(rustMod), GzipBytes: report.Gzipped(rustMod)}})
		subjects = append(subjects, rustcmp.Subject{Filter: f, Lang: rustcmp.Go, Module: goMod},
			rustcmp.Subject{Filter: f, Lang: rustcmp.Rust, Module: rustMod})
	}

	res.LoadBefore = report.ThisMachine().LoadAverage
	fmt.Fprintf(os.Stderr, "rustcmp: timing %d modules, %d rounds of %d requests (load average %s)\n", len(subjects), rounds, requests, res.LoadBefore)
	timings, err := rustcmp.Time(ctx, subjects, rustcmp.Options{Rounds: rounds, Requests: requests, Warmup: requests / 4}, os.Stderr)
	if err != nil {
		return err
	}
	res.LoadAfter = report.ThisMachine().LoadAverage

	cache := wazero.NewCompilationCache()
	for i, t := range res.Twins {
		for _, s := range subjects[2*i : 2*i+2] {
			side := &t.Go
			opts := soak.Options{Requests: soakRequests, Every: max(soakRequests/20, 1), Baseline: soakRequests / 5, Cache: cache,
				WarmupGC: soak.DefaultOptions.WarmupGC, WarmupMax: soak.DefaultOptions.WarmupMax}
			if s.Lang == rustcmp.Rust {
				side = &t.Rust
				opts.WarmupGC, opts.WarmupMax = 0, 0 // no garbage collector to wait for
			}
			side.NsPerRequest = rustcmp.Summarise(timings[rustcmp.Key(s.Lang, t.Filter)])
			fmt.Fprintf(os.Stderr, "rustcmp: %s: soak, %d requests\n", rustcmp.Key(s.Lang, t.Filter), soakRequests)
			r, err := soak.Run(ctx, s.Filter, s.Module, opts)
			if err != nil {
				return err
			}
			side.MemoryBytes = r.MemoryEnd
			side.SoakRequests = r.WarmupRequests + r.Requests
		}
	}
	if err := res.Derive(workload.Noop); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(out, "rust.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "module\tGo ns/req\tRust ns/req\tGo/Rust\tover floor Go/Rust\tgzip Go/Rust\tmemory Go/Rust")
	for _, t := range res.Twins {
		over := "-"
		if t.Filter != res.Floor {
			over = fmt.Sprintf("%.0f / %.0f ns = %.2fx", t.Go.OverFloorNs, t.Rust.OverFloorNs, t.OverFloor)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2fx\t%s\t%d / %d KiB = %.1fx\t%.2f / %.2f MiB = %.1fx\n", t.Filter,
			t.Go.NsPerRequest.Min, t.Rust.NsPerRequest.Min, t.PerRequest, over,
			t.Go.GzipBytes/1024, t.Rust.GzipBytes/1024, t.SizeGzip,
			float64(t.Go.MemoryBytes)/(1<<20), float64(t.Rust.MemoryBytes)/(1<<20), t.Memory)
	}
	tw.Flush()
	fmt.Printf("rustcmp: %s; load average %s before the timing, %s after; wrote %s\n", rustc, res.LoadBefore, res.LoadAfter, path)
	return nil
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if strings.TrimSpace(x) == n {
			return true
		}
	}
	return false
}
