package rustcmp

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	host "github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// Languages of the two modules of a twin.
const (
	Go   = "go"
	Rust = "rust"
)

// Subject is one module to time.
type Subject struct {
	Filter workload.Filter
	Lang   string
	Module []byte
	Env    map[string]string // the VM's environment (vm_config.environment_variables)
}

// Key names a subject in Timings: "go/addheader", "rust/addheader".
func Key(lang, filter string) string { return lang + "/" + filter }

// Options say how long to time.
type Options struct {
	Rounds   int // rounds, each one run of every subject
	Requests int // requests per run
	Warmup   int // requests per subject before the first round
}

// Time runs every subject's workload in rounds, each round one run of
// Requests requests through every subject, and returns each subject's
// ns/request per round by Key. Each subject keeps one VM for the whole time,
// as an Envoy worker keeps its plugin. Interleaving rounds rather than
// running each subject's runs in a row makes a busy spell on a shared
// machine slow every module alike, so the ratios between them hold; the
// order is reversed every other round so no module always runs first.
func Time(ctx context.Context, subjects []Subject, opts Options, progress io.Writer) (map[string][]float64, error) {
	vms := make([]*host.VM, len(subjects))
	roots := make([]*host.Root, len(subjects))
	defer func() {
		for _, vm := range vms {
			if vm != nil {
				vm.Close()
			}
		}
	}()
	run := func(i, n int) error {
		s := subjects[i]
		for j := 0; j < n; j++ {
			st, err := vms[i].Request(roots[i], s.Filter.Request, s.Filter.Response, s.Filter.Answer)
			if err != nil {
				return fmt.Errorf("%s: %w", Key(s.Lang, s.Filter.Name), err)
			}
			if st.Ends() != 1 {
				return fmt.Errorf("%s: a request ended %d times", Key(s.Lang, s.Filter.Name), st.Ends())
			}
		}
		return nil
	}
	for i, s := range subjects {
		vm, root, err := host.Start(ctx, s.Module, host.Options{Env: s.Env}, "", s.Filter.Config)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Key(s.Lang, s.Filter.Name), err)
		}
		vms[i], roots[i] = vm, root
		if !root.Started {
			return nil, fmt.Errorf("%s: the plugin refused its configuration: %v", Key(s.Lang, s.Filter.Name), vm.Logs(host.LogError))
		}
		if err := run(i, opts.Warmup); err != nil {
			return nil, err
		}
	}
	out := map[string][]float64{}
	for round := 0; round < opts.Rounds; round++ {
		order := make([]int, len(subjects))
		for i := range order {
			order[i] = i
			if round%2 == 1 {
				order[i] = len(subjects) - 1 - i
			}
		}
		for _, i := range order {
			start := time.Now()
			if err := run(i, opts.Requests); err != nil {
				return nil, err
			}
			ns := float64(time.Since(start).Nanoseconds()) / float64(opts.Requests)
			k := Key(subjects[i].Lang, subjects[i].Filter.Name)
			out[k] = append(out[k], ns)
		}
		if progress != nil {
			fmt.Fprintf(progress, "rustcmp: round %d/%d done\n", round+1, opts.Rounds)
		}
	}
	return out, nil
}

// Stat summarises one subject's runs.
type Stat struct {
	// Min is the fastest run, the closest to the cost without contention;
	// the ratios use it. Median is the middle run.
	Min    float64   `json:"min"`
	Median float64   `json:"median"`
	Runs   []float64 `json:"runs"`
}

// Summarise returns the fastest and the median of runs.
func Summarise(runs []float64) Stat {
	s := append([]float64(nil), runs...)
	sort.Float64s(s)
	st := Stat{Runs: runs}
	if n := len(s); n > 0 {
		st.Min = s[0]
		if n%2 == 1 {
			st.Median = s[n/2]
		} else {
			st.Median = (s[n/2-1] + s[n/2]) / 2
		}
	}
	return st
}

// Side is one language's module of a twin.
type Side struct {
	// NsPerRequest is the timed runs in the soak host.
	NsPerRequest Stat `json:"ns_per_request"`
	// OverFloorNs is NsPerRequest.Min minus the same language's no-op
	// module's: the filter's own work.
	OverFloorNs float64 `json:"over_floor_ns"`
	Bytes       int     `json:"bytes"`
	GzipBytes   int     `json:"gzip_bytes"`
	// MemoryBytes is the module's linear memory after SoakRequests requests
	// (a warm-up included for Go: until its runtime has collected twice).
	MemoryBytes  uint64 `json:"memory_bytes"`
	SoakRequests int    `json:"soak_requests"`
}

// Twin is one module in both languages, and Go over Rust.
type Twin struct {
	Filter string `json:"filter"`
	Go     Side   `json:"go"`
	Rust   Side   `json:"rust"`
	// PerRequest is Go's fastest run over Rust's.
	PerRequest float64 `json:"go_over_rust_per_request"`
	// OverFloor is Go's own work over Rust's (0 for the floor itself, or
	// when Rust's own work does not measure above its floor).
	OverFloor float64 `json:"go_over_rust_over_floor"`
	// PerRequestMedian and OverFloorMedian are the same ratios of the
	// median rounds: on a busy machine, one lucky round can move a minimum.
	PerRequestMedian float64 `json:"go_over_rust_per_request_median"`
	OverFloorMedian  float64 `json:"go_over_rust_over_floor_median"`
	Size             float64 `json:"go_over_rust_bytes"`
	SizeGzip         float64 `json:"go_over_rust_gzip_bytes"`
	Memory           float64 `json:"go_over_rust_memory"`
}

// Result is the comparison: results/rust.json, and the Rust section of
// BENCHMARKS.md and BENCHMARKS.json.
type Result struct {
	Date  string `json:"date"`
	Rustc string `json:"rustc"`
	// LoadBefore and LoadAfter are /proc/loadavg's three figures before the
	// timing and after it: other work on the machine.
	LoadBefore string `json:"load_average_before"`
	LoadAfter  string `json:"load_average_after"`
	Rounds     int    `json:"rounds"`
	Requests   int    `json:"requests_per_run"`
	// Checked is how many exchanges each twin was checked on.
	Checked int `json:"checked_exchanges"`
	// Floor names the no-op twin.
	Floor string  `json:"floor"`
	Twins []*Twin `json:"twins"`
}

// Derive fills in each side's own work over its floor and the Go over Rust
// ratios.
func (r *Result) Derive(floor string) error {
	r.Floor = floor
	var f *Twin
	for _, t := range r.Twins {
		if t.Filter == floor {
			f = t
		}
	}
	if f == nil {
		return fmt.Errorf("no figures for the no-op twin %q", floor)
	}
	ratio := func(a, b float64) float64 {
		if a <= 0 || b <= 0 {
			return 0
		}
		return a / b
	}
	for _, t := range r.Twins {
		t.Go.OverFloorNs = t.Go.NsPerRequest.Min - f.Go.NsPerRequest.Min
		t.Rust.OverFloorNs = t.Rust.NsPerRequest.Min - f.Rust.NsPerRequest.Min
		t.PerRequest = ratio(t.Go.NsPerRequest.Min, t.Rust.NsPerRequest.Min)
		t.PerRequestMedian = ratio(t.Go.NsPerRequest.Median, t.Rust.NsPerRequest.Median)
		t.OverFloor, t.OverFloorMedian = 0, 0
		if t != f {
			t.OverFloor = ratio(t.Go.OverFloorNs, t.Rust.OverFloorNs)
			t.OverFloorMedian = ratio(t.Go.NsPerRequest.Median-f.Go.NsPerRequest.Median,
				t.Rust.NsPerRequest.Median-f.Rust.NsPerRequest.Median)
		}
		t.Size = ratio(float64(t.Go.Bytes), float64(t.Rust.Bytes))
		t.SizeGzip = ratio(float64(t.Go.GzipBytes), float64(t.Rust.GzipBytes))
		t.Memory = ratio(float64(t.Go.MemoryBytes), float64(t.Rust.MemoryBytes))
	}
	return nil
}
