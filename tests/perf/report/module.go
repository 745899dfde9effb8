package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// Module is a filter's module size and build time.
type Module struct {
	// Bytes is the module as `make` builds it (-s -w), GzipBytes gzipped.
	Bytes     int `json:"bytes"`
	GzipBytes int `json:"gzip_bytes"`
	// DebugBytes is the module built without -s -w (DWARF and symbol table
	// kept).
	DebugBytes     int `json:"debug_bytes"`
	DebugGzipBytes int `json:"debug_gzip_bytes"`
	// Heavy lists the heavy standard packages linked into the module (Go
	// keeps function names in every module, stripped or not), which filters
	// should keep out: see HeavyPackages.
	Heavy []string `json:"heavy_packages"`
	// WasmOpt is the recorded experiment of running binaryen's wasm-opt on
	// the default module; never part of the build.
	WasmOpt *WasmOpt `json:"wasm_opt,omitempty"`
	// BuildColdSeconds is `meshwasm build` with an empty Go build cache
	// (modules already downloaded); BuildWarmSeconds is the same build again.
	BuildColdSeconds float64 `json:"build_cold_seconds"`
	BuildWarmSeconds float64 `json:"build_warm_seconds"`
}

// WasmOpt is one wasm-opt run over a module.
type WasmOpt struct {
	Version   string  `json:"version"`
	Args      string  `json:"args"`
	Bytes     int     `json:"bytes"`
	GzipBytes int     `json:"gzip_bytes"`
	Seconds   float64 `json:"seconds"`
	// Works says the optimised module still starts and serves a request of
	// the filter's workload in the soak host; Error says why not.
	Works bool   `json:"works"`
	Error string `json:"error,omitempty"`
}

// WasmOptArgs are the flags of the experiment: optimise for size, with the
// wasm features Go's wasip1 port emits.
var WasmOptArgs = []string{"-Oz", "--enable-bulk-memory", "--enable-sign-ext",
	"--enable-nontrapping-float-to-int", "--enable-mutable-globals"}

// HeavyPackages are standard packages that cost a filter much module size
// for what it needs: reflection-driven encoders and the network stack.
var HeavyPackages = []string{"encoding/json", "encoding/xml", "text/template", "net/http"}

// Heavy returns the HeavyPackages whose functions are in module.
func Heavy(module []byte) []string {
	out := []string{}
	for _, p := range HeavyPackages {
		if bytes.Contains(module, []byte(p+".")) {
			out = append(out, p)
		}
	}
	return out
}

// Gzipped is the size of data gzipped at the default level.
func Gzipped(data []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(data) // writing to a bytes.Buffer does not fail
	_ = w.Close()
	return buf.Len()
}

// Measure builds f's module three times in tmp: with an empty Go build cache
// (cold), again (warm), and without -s -w; then, when wasmOpt is the path of
// a wasm-opt binary, runs the experiment on the default module.
func Measure(ctx context.Context, f workload.Filter, tmp, wasmOpt string) (*Module, []byte, error) {
	cache, err := os.MkdirTemp(tmp, "gocache-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(cache)
	old, had := os.LookupEnv("GOCACHE")
	os.Setenv("GOCACHE", cache)
	defer func() {
		if had {
			os.Setenv("GOCACHE", old)
		} else {
			os.Unsetenv("GOCACHE")
		}
	}()
	m := &Module{}
	out := filepath.Join(tmp, f.Name+".wasm")
	for _, step := range []struct {
		seconds *float64
		out     string
		debug   bool
	}{{&m.BuildColdSeconds, out, false}, {&m.BuildWarmSeconds, out, false}, {nil, out + ".debug", true}} {
		start := time.Now()
		if err := f.Build(ctx, step.out, step.debug); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if step.seconds != nil {
			*step.seconds = time.Since(start).Seconds()
		}
	}
	module, err := os.ReadFile(out)
	if err != nil {
		return nil, nil, err
	}
	debug, err := os.ReadFile(out + ".debug")
	if err != nil {
		return nil, nil, err
	}
	m.Bytes, m.GzipBytes = len(module), Gzipped(module)
	m.Heavy = Heavy(module)
	m.DebugBytes, m.DebugGzipBytes = len(debug), Gzipped(debug)
	if wasmOpt != "" {
		if m.WasmOpt, err = runWasmOpt(ctx, f, wasmOpt, out); err != nil {
			return nil, nil, err
		}
	}
	return m, module, nil
}

func runWasmOpt(ctx context.Context, f workload.Filter, bin, in string) (*WasmOpt, error) {
	version, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("wasm-opt --version: %w", err)
	}
	w := &WasmOpt{Version: strings.TrimSpace(string(version)), Args: strings.Join(WasmOptArgs, " ")}
	out := in + ".opt"
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, append(append([]string{}, WasmOptArgs...), in, "-o", out)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		w.Error = fmt.Sprintf("wasm-opt: %v: %s", err, bytes.TrimSpace(msg))
		return w, nil
	}
	w.Seconds = time.Since(start).Seconds()
	opt, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	w.Bytes, w.GzipBytes = len(opt), Gzipped(opt)
	if err := serveOne(ctx, f, opt); err != nil {
		w.Error = err.Error()
	} else {
		w.Works = true
	}
	return w, nil
}

// serveOne starts module in the soak host with f's workload and sends one
// request through it.
func serveOne(ctx context.Context, f workload.Filter, module []byte) error {
	vm, root, err := proxyhost.Start(ctx, module, proxyhost.Options{}, "", f.Config)
	if err != nil {
		return err
	}
	defer vm.Close()
	if !root.Started {
		return fmt.Errorf("plugin refused to start: %v", vm.Logs(proxyhost.LogError))
	}
	s, err := vm.Request(root, f.Request, f.Response, f.Answer)
	if err != nil {
		return err
	}
	if s.Ends() != 1 {
		return fmt.Errorf("request ended %d times", s.Ends())
	}
	return nil
}
