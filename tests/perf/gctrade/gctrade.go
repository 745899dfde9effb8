// Package gctrade measures what the binding's own collector costs and saves:
// each module with its defaults (GOGC 25 and a collection every 256 KiB
// allocated) against the same module with GOGC=25 set by the operator, which
// turns the collector off and leaves the runtime's pacing alone. CPU comes
// from interleaved rounds (rustcmp.Time), memory from a soak of each.
package gctrade

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/tests/perf/rustcmp"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// The two settings compared, as rustcmp subject names.
const (
	Default  = "default"
	Operator = "GOGC=25"
)

// OperatorEnv is the VM environment of the Operator setting.
var OperatorEnv = map[string]string{"GOGC": "25"}

// Options say how long to measure.
type Options struct {
	Rounds       int // interleaved rounds, each one run of every module and setting
	Requests     int // requests per run
	SoakRequests int // requests of each memory soak
}

// Result is gctrade.json.
type Result struct {
	Date         string    `json:"date"`
	Rounds       int       `json:"rounds"`
	Requests     int       `json:"requests"`
	SoakRequests int       `json:"soak_requests"`
	LoadBefore   string    `json:"load_before"`
	LoadAfter    string    `json:"load_after"`
	Filters      []*Filter `json:"filters"`
}

// Filter is one module under both settings.
type Filter struct {
	Filter   string  `json:"filter"`
	Default  Setting `json:"default"`
	Operator Setting `json:"operator_gogc_25"`
	// CPU is Default's ns/request over Operator's, of the median rounds.
	CPU float64 `json:"cpu_default_over_operator"`
}

// Setting is one module's figures under one setting.
type Setting struct {
	NsPerRequest rustcmp.Stat `json:"ns_per_request"`
	MemoryBytes  uint64       `json:"memory_bytes"`
	GCCycles     int          `json:"gc_cycles"`
}

// Run measures every filter's module (modules by filter name) under both
// settings. load, if not nil, reads the machine's load average before and
// after the timing.
func Run(ctx context.Context, filters []workload.Filter, modules map[string][]byte, opts Options, load func() string) (*Result, error) {
	res := &Result{Rounds: opts.Rounds, Requests: opts.Requests, SoakRequests: opts.SoakRequests}
	var subjects []rustcmp.Subject
	for _, f := range filters {
		m, ok := modules[f.Name]
		if !ok {
			return nil, fmt.Errorf("gctrade: no module for %s", f.Name)
		}
		subjects = append(subjects, rustcmp.Subject{Filter: f, Lang: Default, Module: m},
			rustcmp.Subject{Filter: f, Lang: Operator, Module: m, Env: OperatorEnv})
	}
	if load != nil {
		res.LoadBefore = load()
	}
	timings, err := rustcmp.Time(ctx, subjects, rustcmp.Options{Rounds: opts.Rounds, Requests: opts.Requests, Warmup: opts.Requests}, nil)
	if err != nil {
		return nil, err
	}
	if load != nil {
		res.LoadAfter = load()
	}
	cache := wazero.NewCompilationCache()
	for _, f := range filters {
		r := &Filter{Filter: f.Name}
		for _, side := range []struct {
			name string
			env  map[string]string
			out  *Setting
		}{{Default, nil, &r.Default}, {Operator, OperatorEnv, &r.Operator}} {
			s, err := soak.Run(ctx, f, modules[f.Name], soak.Options{Requests: opts.SoakRequests, Every: max(opts.SoakRequests/10, 1),
				Env: side.env, Cache: cache})
			if err != nil {
				return nil, fmt.Errorf("gctrade: %s, %s: %w", f.Name, side.name, err)
			}
			*side.out = Setting{NsPerRequest: rustcmp.Summarise(timings[rustcmp.Key(side.name, f.Name)]),
				MemoryBytes: s.MemoryEnd, GCCycles: s.GCCycles}
		}
		if m := r.Operator.NsPerRequest.Median; m > 0 {
			r.CPU = r.Default.NsPerRequest.Median / m
		}
		res.Filters = append(res.Filters, r)
	}
	return res, nil
}
