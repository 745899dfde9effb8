package report

import (
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Stat is the median of one measure over a benchmark's runs, with its 95%
// confidence interval (benchstat's summary: no assumption about the
// distribution), and the minimum.
type Stat struct {
	Median float64 `json:"median"`
	// Min is the fastest run: on a shared machine, the closest to the cost
	// without contention.
	Min float64 `json:"min"`
	// Lo and Hi are absent when there are too few runs for an interval.
	Lo *float64 `json:"ci95_lo,omitempty"`
	Hi *float64 `json:"ci95_hi,omitempty"`
}

// Mode is one mode's (native or wasm) results of a per-request benchmark.
type Mode struct {
	NsPerOp     Stat `json:"ns_per_op"`
	AllocsPerOp Stat `json:"allocs_per_op"`
	BytesPerOp  Stat `json:"bytes_per_op"`
	Runs        int  `json:"runs"`
}

// Bench is one filter's per-request benchmark.
type Bench struct {
	Name   string `json:"name"`
	Native *Mode  `json:"native"`
	Wasm   *Mode  `json:"wasm"`
}

// ReadBench reads the output of cmd/nativevswasm (go test -bench, sub-benchmarks
// named mode=native and mode=wasm) and returns each filter's benchmark, by
// filter name (the last element of the package path: filters/addheader ->
// addheader, tests/perf/noop -> noop).
func ReadBench(r io.Reader) (map[string]*Bench, error) {
	type key struct{ filter, mode, unit string }
	samples := map[key][]float64{}
	names := map[string]string{}
	br := benchfmt.NewReader(r, "bench.txt")
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata
		}
		filter := path.Base(res.GetConfig("pkg"))
		base, parts := res.Name.Parts()
		mode := ""
		for _, p := range parts {
			if m, ok := strings.CutPrefix(string(p), "/mode="); ok {
				mode = m
			}
		}
		if mode == "" {
			return nil, fmt.Errorf("%s: no /mode= sub-benchmark", res.Name.Full())
		}
		names[filter] = "Benchmark" + string(base)
		for _, v := range res.Values {
			unit, val := v.Unit, v.Value
			if unit == "sec/op" {
				unit, val = "ns/op", val*1e9
			}
			k := key{filter, mode, unit}
			samples[k] = append(samples[k], val)
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	stat := func(k key) Stat {
		vs := append([]float64(nil), samples[k]...)
		if len(vs) == 0 {
			return Stat{}
		}
		sort.Float64s(vs)
		s := benchmath.AssumeNothing.Summary(benchmath.NewSample(vs, &benchmath.DefaultThresholds), 0.95)
		st := Stat{Median: s.Center, Min: vs[0]}
		if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
			st.Lo, st.Hi = &s.Lo, &s.Hi
		}
		return st
	}
	out := map[string]*Bench{}
	for filter, name := range names {
		b := &Bench{Name: name}
		for _, mode := range []string{"native", "wasm"} {
			ns := key{filter, mode, "ns/op"}
			if len(samples[ns]) == 0 {
				return nil, fmt.Errorf("%s: no %s results", name, mode)
			}
			m := &Mode{NsPerOp: stat(ns), AllocsPerOp: stat(key{filter, mode, "allocs/op"}),
				BytesPerOp: stat(key{filter, mode, "B/op"}), Runs: len(samples[ns])}
			if mode == "native" {
				b.Native = m
			} else {
				b.Wasm = m
			}
		}
		out[filter] = b
	}
	return out, nil
}
