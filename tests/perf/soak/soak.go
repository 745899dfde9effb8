// Package soak drives a compiled filter module through a long run of
// requests, as Envoy would (every stream created, finished and deleted), and
// samples the module's linear memory. Linear memory never shrinks, so a
// module whose memory still grows late in the run keeps something per
// request: the check is that memory at the end exceeds memory at the
// baseline (200,000 requests in the full run) by at most a limit (1 MiB).
//
// Before the measured run, a warm-up lets the Go runtime in the module reach
// its steady state: until it has completed two garbage collections. Without
// it, a filter that allocates a few bytes per request is still filling its
// first heap (the Go runtime collects first at a 4 MiB heap) at 200,000
// requests, and the check would measure that, not a leak.
package soak

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// Limit is how much linear memory may grow between the baseline and the end.
const Limit = 1 << 20

// Options say how long to run.
type Options struct {
	Requests int // measured requests, e.g. 1,000,000
	Every    int // sampling interval, e.g. 50,000
	Baseline int // the sample compared with the end, e.g. 200,000 (0: Requests/5)
	// WarmupGC is how many garbage collections the module's Go runtime must
	// have completed before the measured run starts (0: no warm-up), and
	// WarmupMax bounds the warm-up requests (a module that allocates nothing
	// per request never collects).
	WarmupGC  int
	WarmupMax int
	Env       map[string]string
	Cache     wazero.CompilationCache
	// Body, when set, gives every request a body in chunks of these sizes
	// (proxyhost.VM.Request).
	Body []int
}

// DefaultOptions are the full soak's: a warm-up until two collections (at
// most 1,000,000 requests), then 1,000,000 requests sampled every 50,000,
// memory at 1,000,000 compared with memory at 200,000.
var DefaultOptions = Options{Requests: 1_000_000, Every: 50_000, Baseline: 200_000, WarmupGC: 2, WarmupMax: 1_000_000}

// Sample is the module's linear memory after a number of requests.
type Sample struct {
	Requests    int     `json:"requests"`
	MemoryBytes uint64  `json:"memory_bytes"`
	GCCycles    int     `json:"gc_cycles"`
	Seconds     float64 `json:"seconds"`
}

// Result is one filter's soak. Requests in Samples count from the start of
// the measured run; Warmup holds the samples before it.
type Result struct {
	Filter         string   `json:"filter"`
	Requests       int      `json:"requests"`
	WarmupRequests int      `json:"warmup_requests"`
	Warmup         []Sample `json:"warmup_samples"`
	Samples        []Sample `json:"samples"`
	Baseline       int      `json:"baseline_requests"`
	MemoryStart    uint64   `json:"memory_at_start_bytes"`
	MemoryBaseline uint64   `json:"memory_at_baseline_bytes"`
	MemoryEnd      uint64   `json:"memory_at_end_bytes"`
	GrowthBytes    int64    `json:"growth_bytes"`
	LimitBytes     int64    `json:"limit_bytes"`
	Pass           bool     `json:"pass"`
	GCCycles       int      `json:"gc_cycles"`
	Seconds        float64  `json:"seconds"`
	NsPerRequest   float64  `json:"ns_per_request"`
	// How requests ended: continued by the request callback, resumed after a
	// callout, answered locally.
	Continued int `json:"continued"`
	Resumed   int `json:"resumed"`
	Local     int `json:"local_responses"`
	Callouts  int `json:"callouts"`
	// Logged warnings and errors, and the module's counters at the end.
	Warnings int               `json:"warn_logs"`
	Errors   int               `json:"error_logs"`
	Counters map[string]uint64 `json:"counters"`
	Env      map[string]string `json:"env,omitempty"`
}

// Run soaks one filter's module. It fails on a trap, on a request that does
// not end exactly once, or on a stream left behind; the memory check is
// reported in Result.Pass.
//
// The module runs with GODEBUG=gctrace=1 so the soak can count the Go
// runtime's collections (it prints one line per cycle to stderr).
func Run(ctx context.Context, f workload.Filter, module []byte, opts Options) (*Result, error) {
	if opts.Every <= 0 {
		opts.Every = 50_000
	}
	if opts.Baseline <= 0 {
		opts.Baseline = opts.Requests / 5
	}
	env := map[string]string{"GODEBUG": "gctrace=1"}
	for k, v := range opts.Env {
		env[k] = v
	}
	gc := &GCCounter{}
	vm, root, err := proxyhost.Start(ctx, module, proxyhost.Options{Env: env, Cache: opts.Cache, Stderr: gc}, "", f.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", f.Name, err, gc.Tail())
	}
	defer vm.Close()
	if !root.Started {
		return nil, fmt.Errorf("%s: the plugin refused its configuration: %v", f.Name, vm.Logs(proxyhost.LogError))
	}
	r := &Result{Filter: f.Name, Requests: opts.Requests, Baseline: opts.Baseline, LimitBytes: Limit, Env: opts.Env}
	r.MemoryStart = vm.MemorySize()
	start := time.Now()
	sample := func(n int) Sample {
		return Sample{Requests: n, MemoryBytes: vm.MemorySize(), GCCycles: gc.Cycles(), Seconds: time.Since(start).Seconds()}
	}
	one := func(i int) error {
		s, err := vm.Request(root, f.Request, f.Response, f.Answer, opts.Body...)
		if err != nil {
			return fmt.Errorf("%s: request %d: %w\n%s", f.Name, i, err, gc.Tail())
		}
		if n := s.Ends(); n != 1 {
			return fmt.Errorf("%s: request %d ended %d times (action %v, resumed %d, local responses %d)",
				f.Name, i, n, s.RequestAction, s.Resumed, s.LocalResponses)
		}
		switch {
		case s.LocalResponses > 0:
			r.Local++
		case s.Resumed > 0:
			r.Resumed++
		default:
			r.Continued++
		}
		r.Callouts += len(s.Callouts)
		return nil
	}

	r.Warmup = append(r.Warmup, sample(0))
	for r.WarmupRequests < opts.WarmupMax && gc.Cycles() < opts.WarmupGC {
		r.WarmupRequests++
		if err := one(r.WarmupRequests); err != nil {
			return nil, err
		}
		if r.WarmupRequests%opts.Every == 0 {
			r.Warmup = append(r.Warmup, sample(r.WarmupRequests))
		}
	}
	if r.WarmupRequests%opts.Every != 0 {
		r.Warmup = append(r.Warmup, sample(r.WarmupRequests))
	}

	measured := time.Now()
	r.Samples = append(r.Samples, sample(0))
	for i := 1; i <= opts.Requests; i++ {
		if err := one(r.WarmupRequests + i); err != nil {
			return nil, err
		}
		if i%opts.Every == 0 || i == opts.Requests {
			r.Samples = append(r.Samples, sample(i))
		}
	}
	r.NsPerRequest = time.Since(measured).Seconds() * 1e9 / float64(opts.Requests)
	r.Seconds = time.Since(start).Seconds()
	if live := vm.Live(); live != 0 {
		return nil, fmt.Errorf("%s: %d streams left after the run", f.Name, live)
	}
	r.MemoryEnd = vm.MemorySize()
	r.MemoryBaseline = r.Samples[0].MemoryBytes
	for _, s := range r.Samples {
		if s.Requests <= opts.Baseline {
			r.MemoryBaseline = s.MemoryBytes
		}
	}
	r.GrowthBytes = int64(r.MemoryEnd) - int64(r.MemoryBaseline)
	r.Pass = r.GrowthBytes <= Limit
	r.GCCycles = gc.Cycles()
	r.Warnings = vm.LogCount(proxyhost.LogWarn)
	r.Errors = vm.LogCount(proxyhost.LogError) + vm.LogCount(proxyhost.LogCritical)
	r.Counters = vm.Metrics()
	return r, nil
}

// GCCounter reads a module's stderr (run it with GODEBUG=gctrace=1): it counts the "gc N @..." lines of
// GODEBUG=gctrace=1 and keeps the last 16 KiB for error messages.
type GCCounter struct {
	line   []byte
	cycles int
	tail   []byte
}

func (g *GCCounter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c != '\n' {
			if len(g.line) < 256 {
				g.line = append(g.line, c)
			}
			continue
		}
		if rest, ok := strings.CutPrefix(string(g.line), "gc "); ok {
			if n, err := strconv.Atoi(strings.SplitN(rest, " ", 2)[0]); err == nil && n > g.cycles {
				g.cycles = n
			}
		}
		g.line = g.line[:0]
	}
	g.tail = append(g.tail, p...)
	if over := len(g.tail) - 16<<10; over > 0 {
		g.tail = append(g.tail[:0], g.tail[over:]...)
	}
	return len(p), nil
}

func (g *GCCounter) Cycles() int  { return g.cycles }
func (g *GCCounter) Tail() string { return string(g.tail) }

// WriteCSV writes the series, one row a sample: filter, phase (warmup or
// measured), requests within the phase, memory, collections so far.
func WriteCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"filter", "phase", "requests", "memory_bytes", "memory_mib", "gc_cycles", "seconds"}); err != nil {
		return err
	}
	for _, r := range results {
		for _, phase := range []struct {
			name    string
			samples []Sample
		}{{"warmup", r.Warmup}, {"measured", r.Samples}} {
			for _, s := range phase.samples {
				if err := cw.Write([]string{r.Filter, phase.name, strconv.Itoa(s.Requests), strconv.FormatUint(s.MemoryBytes, 10),
					strconv.FormatFloat(float64(s.MemoryBytes)/(1<<20), 'f', 2, 64), strconv.Itoa(s.GCCycles),
					strconv.FormatFloat(s.Seconds, 'f', 2, 64)}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
