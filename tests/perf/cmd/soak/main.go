// Command soak sends a million requests (by default) through the compiled
// module of every filter under filters/ and of the no-op module, calling
// proxy_on_done, proxy_on_log and proxy_on_delete as Envoy does, samples each
// module's linear memory every 50,000 requests and fails when memory at the
// end exceeds memory at 200,000 requests by more than 1 MiB.
//
// It writes soak.csv, soak.png and soak.json to -out (tests/perf/results).
//
//	go run ./tests/perf/cmd/soak [-requests 1000000] [-every 50000] [-filters addheader,noop]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/tests/perf/soak"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	requests := flag.Int("requests", 1_000_000, "requests per module")
	every := flag.Int("every", 50_000, "sample linear memory every this many requests")
	baseline := flag.Int("baseline", 200_000, "the sample the end is compared with")
	warmGC := flag.Int("warmup-gc", soak.DefaultOptions.WarmupGC, "warm up until the module's Go runtime has collected this often (0: no warm-up)")
	warmMax := flag.Int("warmup-max", soak.DefaultOptions.WarmupMax, "at most this many warm-up requests")
	out := flag.String("out", "", "directory for soak.csv, soak.png, soak.json (default <repo>/tests/perf/results)")
	only := flag.String("filters", "", "comma-separated filters to soak (default: every filters/*/main.go and noop)")
	env := flag.String("env", "", "comma-separated KEY=VALUE environment for the modules, e.g. GOGC=50")
	body := flag.String("body", "", "a request body as CHUNKSxBYTES, e.g. 16x65536 (1 MiB in 64 KiB chunks); default none")
	flag.Parse()
	opts := soak.Options{Requests: *requests, Every: *every, Baseline: *baseline, WarmupGC: *warmGC, WarmupMax: *warmMax}
	if *body != "" {
		chunks, size, ok := strings.Cut(*body, "x")
		n, err1 := strconv.Atoi(chunks)
		b, err2 := strconv.Atoi(size)
		if !ok || err1 != nil || err2 != nil || n <= 0 || b < 0 {
			fmt.Fprintf(os.Stderr, "soak: -body %q: want CHUNKSxBYTES, e.g. 16x65536\n", *body)
			os.Exit(2)
		}
		for i := 0; i < n; i++ {
			opts.Body = append(opts.Body, b)
		}
	}
	if err := run(opts, *out, *only, *env); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(opts soak.Options, out, only, envList string) error {
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
	for _, kv := range strings.Split(envList, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if opts.Env == nil {
				opts.Env = map[string]string{}
			}
			opts.Env[k] = v
		}
	}
	opts.Cache = wazero.NewCompilationCache()

	start := time.Now()
	var results []*soak.Result
	for _, f := range filters {
		fmt.Fprintf(os.Stderr, "soak: building %s\n", f.Name)
		module, err := f.Module(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "soak: %s: %d requests\n", f.Name, opts.Requests)
		r, err := soak.Run(ctx, f, module, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "soak: %s: %.1fs (warm-up %d requests), %.0f ns/request, memory %.2f MiB at %d, %.2f MiB at %d\n",
			f.Name, r.Seconds, r.WarmupRequests, r.NsPerRequest, mib(r.MemoryBaseline), r.Baseline, mib(r.MemoryEnd), r.Requests)
		results = append(results, r)
	}
	if err := Write(out, results); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "filter\twarm-up\trequests\tmemory at baseline\tmemory at end\tgrowth\tGC cycles\tns/request\tresult")
	failed := 0
	for _, r := range results {
		verdict := "ok"
		if !r.Pass {
			verdict = fmt.Sprintf("FAIL (more than %.0f MiB)", mib(uint64(r.LimitBytes)))
			failed++
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f MiB (%d)\t%.2f MiB\t%+.2f MiB\t%d\t%.0f\t%s\n", r.Filter, r.WarmupRequests, r.Requests,
			mib(r.MemoryBaseline), r.Baseline, mib(r.MemoryEnd), float64(r.GrowthBytes)/(1<<20), r.GCCycles, r.NsPerRequest, verdict)
	}
	tw.Flush()
	fmt.Printf("soak: %d modules in %s; wrote %s\n", len(results), time.Since(start).Round(time.Second), out)
	if failed > 0 {
		return fmt.Errorf("%d modules grew by more than 1 MiB after the baseline", failed)
	}
	return nil
}

// Write writes soak.csv, soak.png and soak.json to dir.
func Write(dir string, results []*soak.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "soak.csv"))
	if err != nil {
		return err
	}
	if err := soak.WriteCSV(f, results); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := soak.WriteChart(filepath.Join(dir, "soak.png"), results); err != nil {
		return err
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "soak.json"), append(data, '\n'), 0o644)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
