// Command nativevswasm runs the per-request benchmark of every filter under
// filters/ and of the no-op module, natively and against the compiled
// module, and compares the two modes with benchstat.
//
// It writes bench.txt (the raw results, sub-benchmarks renamed mode=native
// and mode=wasm so benchstat can put them side by side) and benchstat.txt to
// -out (tests/perf/results).
//
//	go run ./tests/perf/cmd/nativevswasm [-count 8] [-benchtime 20000x] [-filters addheader,noop]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/meshwasm/meshwasm/tests/perf/report"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func main() {
	count := flag.Int("count", 8, "runs of each benchmark (benchstat wants at least 6 for a confidence interval)")
	// A fixed iteration count, the same for every filter: proxytest's host
	// emulator keeps every stream it has seen, so its per-request cost grows
	// with b.N and time-based runs of fast and slow filters would not compare.
	benchtime := flag.String("benchtime", "20000x", "go test -benchtime")
	out := flag.String("out", "", "directory for bench.txt and benchstat.txt (default <repo>/tests/perf/results)")
	only := flag.String("filters", "", "comma-separated filters (default: every filters/*/main.go and noop)")
	flag.Parse()
	if err := run(*count, *benchtime, *out, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// mode names the sub-benchmarks as key=value, which benchstat can use as a
// column: BenchmarkX_Request/wasm-2 -> BenchmarkX_Request/mode=wasm-2.
var mode = regexp.MustCompile(`(?m)^(Benchmark\w+_Request)/(native|wasm)(-\d+)?\s`)

func run(count int, benchtime, out, only string) error {
	root, err := workload.Root()
	if err != nil {
		return err
	}
	if out == "" {
		out = workload.Results(root)
	}
	// benchstat runs in another directory: give it a path that holds there.
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	filters, err := workload.Filters(root)
	if err != nil {
		return err
	}
	filters = workload.Select(filters, only)
	tmp, err := os.MkdirTemp("", "meshwasm-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	type target struct {
		filter, bench, dir, binary string
		out                        bytes.Buffer
	}
	var targets []*target
	for _, f := range filters {
		name, err := report.RequestBenchmark(f.Dir)
		if err != nil {
			return err
		}
		t := &target{filter: f.Name, bench: name, dir: f.Dir, binary: filepath.Join(tmp, f.Name+".test")}
		fmt.Fprintf(os.Stderr, "bench: %s: compiling the test of %s\n", f.Name, name)
		cmd := exec.Command("go", "test", "-c", "-o", t.binary, ".")
		cmd.Dir = f.Dir
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		targets = append(targets, t)
	}
	// Rounds, one run of every benchmark each, rather than every run of one
	// benchmark in a row: a busy spell on the machine then slows every
	// filter and the no-op module alike, and the ratios between them hold.
	for round := 1; round <= count; round++ {
		for _, t := range targets {
			cmd := exec.Command(t.binary, "-test.run", "^$", "-test.bench", "^"+t.bench+"$", "-test.benchmem",
				"-test.count", "1", "-test.benchtime", benchtime)
			cmd.Dir = t.dir
			var buf bytes.Buffer
			cmd.Stdout = &buf
			cmd.Stderr = &buf
			if err := cmd.Run(); err != nil {
				os.Stderr.Write(Clean(buf.Bytes()))
				return fmt.Errorf("%s: %w", t.filter, err)
			}
			res := mode.ReplaceAll(Clean(buf.Bytes()), []byte("$1/mode=$2$3 "))
			if !bytes.Contains(res, []byte("/mode=native")) || !bytes.Contains(res, []byte("/mode=wasm")) {
				return fmt.Errorf("%s: %s has no native and wasm sub-benchmarks:\n%s", t.filter, t.bench, res)
			}
			for _, l := range strings.SplitAfter(string(res), "\n") {
				if strings.HasPrefix(l, "Benchmark") {
					fmt.Fprintf(os.Stderr, "bench: round %d/%d: %s", round, count, l)
				}
			}
			t.out.Write(res)
		}
	}
	var all bytes.Buffer
	for _, t := range targets {
		all.Write(t.out.Bytes())
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	raw := filepath.Join(out, "bench.txt")
	if err := os.WriteFile(raw, all.Bytes(), 0o644); err != nil {
		return err
	}
	// benchstat is a tool of the tests/perf module (go.mod `tool` line).
	cmd := exec.Command("go", "tool", "benchstat", "-col", "/mode", "-row", ".name", raw)
	cmd.Dir = filepath.Join(root, "tests", "perf")
	cmd.Stderr = os.Stderr
	table, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	os.Stdout.Write(table)
	fmt.Printf("bench: wrote %s and benchstat.txt\n", raw)
	return os.WriteFile(filepath.Join(out, "benchstat.txt"), table, 0o644)
}

// logLine is a line the test host logs (proxytest prints every proxy_log and
// every callout it dispatches).
var logLine = regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} `)

// Clean drops the host's log lines from go test -bench output and joins a
// benchmark's name with its figures when log lines came between them ("go
// test" prints the name before the run and the figures after).
func Clean(out []byte) []byte {
	var b bytes.Buffer
	pending := ""
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if pending == "" && strings.HasPrefix(line, "Benchmark") && !strings.Contains(line, "/op") {
			name, _, _ := strings.Cut(line, "\t")
			pending = name + "\t"
			continue
		}
		if logLine.MatchString(line) {
			continue
		}
		if pending != "" && strings.Contains(line, "/op") {
			line = pending + strings.TrimLeft(line, " \t")
			pending = ""
		}
		b.WriteString(line)
	}
	return b.Bytes()
}
