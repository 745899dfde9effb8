// Command comparemodules times compiled modules against each other on the soak's
// host, interleaved: every round runs each module's workload once, so a busy
// spell on a shared machine slows all of them alike. It prints one line per
// module and round in Go's benchmark format, for benchstat: wall ns/op,
// cpu-ns/op (the CPU time of the thread that runs the modules, which other
// processes' load disturbs less than wall time) and the module's linear
// memory (MiB) after the round. cpu-ns/op needs Linux (RUSAGE_THREAD); it is
// 0 elsewhere.
//
//	go run ./tests/perf/cmd/comparemodules [-rounds 10] [-n 20000] [-body 16x65536] \
//	    before=regexrepl=old.wasm after=regexrepl=new.wasm gc100=regexrepl=new.wasm@GOGC=100
//
// Each argument is LABEL=FILTER=MODULE.wasm[@KEY=VALUE,...]: the filter names
// the workload (tests/perf/workload), the part after @ the module's
// environment.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"

	host "github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

type module struct {
	label string
	f     workload.Filter
	vm    *host.VM
	root  *host.Root
	body  []int
}

func main() {
	rounds := flag.Int("rounds", 10, "rounds; each runs every module once")
	n := flag.Int("n", 20_000, "requests per module and round")
	warm := flag.Int("warm", 20_000, "requests per module before the first round")
	body := flag.String("body", "", "a request body as CHUNKSxBYTES, e.g. 16x65536 (1 MiB in 64 KiB chunks)")
	flag.Parse()
	if err := run(*rounds, *n, *warm, *body, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(rounds, n, warm int, body string, args []string) error {
	// The thread's CPU time is the modules' only while this goroutine
	// stays on it.
	runtime.LockOSThread()
	ctx := context.Background()
	root, err := workload.Root()
	if err != nil {
		return err
	}
	var chunks []int
	if body != "" {
		count, size, ok := strings.Cut(body, "x")
		var c, b int
		if _, err := fmt.Sscanf(count+" "+size, "%d %d", &c, &b); !ok || err != nil || c <= 0 || b < 0 {
			return fmt.Errorf("-body %q: want CHUNKSxBYTES", body)
		}
		for i := 0; i < c; i++ {
			chunks = append(chunks, b)
		}
	}
	cache := wazero.NewCompilationCache()
	var modules []*module
	for _, arg := range args {
		parts := strings.SplitN(arg, "=", 3)
		if len(parts) != 3 {
			return fmt.Errorf("%q: want LABEL=FILTER=MODULE.wasm[@KEY=VALUE,...]", arg)
		}
		path, envList, _ := strings.Cut(parts[2], "@")
		env := map[string]string{}
		for _, kv := range strings.Split(envList, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		f, err := workload.Get(root, parts[1])
		if err != nil {
			return err
		}
		wasm, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		vm, root, err := host.Start(ctx, wasm, host.Options{Env: env, Cache: cache}, "", f.Config)
		if err != nil {
			return fmt.Errorf("%s: %w", parts[0], err)
		}
		if !root.Started {
			return fmt.Errorf("%s: the plugin refused its configuration: %v", parts[0], vm.Logs(host.LogError))
		}
		m := &module{label: parts[0], f: f, vm: vm, root: root, body: chunks}
		if err := m.requests(warm); err != nil {
			return err
		}
		modules = append(modules, m)
	}
	for r := 0; r < rounds; r++ {
		for _, m := range modules {
			start, cpu := time.Now(), threadCPU()
			if err := m.requests(n); err != nil {
				return err
			}
			fmt.Printf("BenchmarkCompare/%s\t%d\t%.1f ns/op\t%.1f cpu-ns/op\t%.3f MiB\n", m.label, n,
				float64(time.Since(start).Nanoseconds())/float64(n), float64(threadCPU()-cpu)/float64(n),
				float64(m.vm.MemorySize())/(1<<20))
		}
	}
	return nil
}

func (m *module) requests(n int) error {
	for i := 0; i < n; i++ {
		s, err := m.vm.Request(m.root, m.f.Request, m.f.Response, m.f.Answer, m.body...)
		if err != nil {
			return fmt.Errorf("%s: %w", m.label, err)
		}
		if s.Ends() != 1 {
			return fmt.Errorf("%s: a request ended %d times", m.label, s.Ends())
		}
	}
	return nil
}

// threadCPU is the calling thread's CPU time (RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
