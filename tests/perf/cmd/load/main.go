// Command load is `make load FILTER=<name>`: a bounded load test of a
// filter through `meshwasm run` against the same proxy with no filter,
// over loopback. It prints the figures, keeps them in
// tests/perf/results/load.json and writes BENCHMARKS.md's section on them;
// it exits non-zero on any error or lost request.
//
//	go run ./tests/perf/cmd/load -filter addheader [-connections 32] [-requests 20000]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/meshwasm/meshwasm/tests/perf/load"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	filter := flag.String("filter", "", "the filter under filters/ to load")
	conns := flag.Int("connections", 32, "concurrent connections")
	requests := flag.Int("requests", 20000, "requests per run (filter, then no filter)")
	warmup := flag.Int("warmup", 1000, "requests before each run, not measured")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on each run")
	write := flag.Bool("write", true, "keep the figures in tests/perf/results/load.json and BENCHMARKS.md")
	flag.Parse()
	if err := run(*filter, *conns, *requests, *warmup, *timeout, *write); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(name string, conns, requests, warmup int, timeout time.Duration, write bool) error {
	if name == "" || conns < 1 || requests < conns {
		return errors.New("usage: load -filter NAME [-connections N] [-requests M >= N]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := workload.Root()
	if err != nil {
		return err
	}
	f, err := workload.Get(root, name)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "meshwasm-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wasm := filepath.Join(tmp, "plugin.wasm")
	fmt.Printf("building %s ...\n", name)
	if err := f.Build(ctx, wasm, false); err != nil {
		return err
	}
	module, err := os.ReadFile(wasm)
	if err != nil {
		return err
	}
	rec := load.Record{Filter: name, Date: time.Now().UTC().Format("2006-01-02"), LoadAverage: loadAverage(), Cores: runtime.NumCPU()}
	fmt.Printf("%s: %d requests over %d connections, filter then no filter (configuration: %s; load average %s)\n",
		name, requests, conns, f.ConfigSource, rec.LoadAverage)
	rec.Results, err = load.Run(ctx, f, module, load.Params{Connections: conns, Requests: requests, Warmup: warmup, Timeout: timeout})
	if err != nil {
		return err
	}
	pass := true
	fmt.Printf("%-10s %9s %9s %9s %7s %5s\n", "proxy", "req/s", "p50", "p99", "errors", "lost")
	for _, r := range rec.Results {
		fmt.Printf("%-10s %9.0f %7.2fms %7.2fms %7d %5d\n", r.Mode, r.PerSecond, r.P50ms, r.P99ms, r.Errors, r.Lost)
		if r.FirstError != "" {
			fmt.Printf("           first error: %s\n", r.FirstError)
		}
		pass = pass && r.Pass()
	}
	if !pass {
		return fmt.Errorf("%s: %w (figures not written)", name, load.ErrFailed)
	}
	if !write {
		return nil
	}
	all, err := load.Merge(filepath.Join(workload.Results(root), "load.json"), rec)
	if err != nil {
		return err
	}
	md := filepath.Join(root, "BENCHMARKS.md")
	doc, err := os.ReadFile(md)
	if err != nil {
		return err
	}
	if err := os.WriteFile(md, []byte(load.Splice(string(doc), load.Section(all))), 0o644); err != nil {
		return err
	}
	fmt.Printf("written: tests/perf/results/load.json, BENCHMARKS.md (%s)\n", load.Heading)
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
