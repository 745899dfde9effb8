package soak

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// A short soak of the no-op module: the machinery of `make soak` (host,
// warm-up, sampling, check, CSV, chart) in a few seconds.
func TestRun_Noop(t *testing.T) {
	f, module := filterModule(t, workload.Noop)
	r, err := Run(context.Background(), f, module, Options{Requests: 20_000, Every: 5_000, Baseline: 5_000, WarmupGC: 1, WarmupMax: 5_000})
	require.NoError(t, err)
	require.Equal(t, r.WarmupRequests+20_000, r.Continued, "every request continued by the no-op filter")
	require.Len(t, r.Samples, 5, "0, 5k, 10k, 15k, 20k")
	require.LessOrEqual(t, r.WarmupRequests, 5_000)
	require.NotZero(t, r.MemoryBaseline)
	require.GreaterOrEqual(t, r.MemoryEnd, r.MemoryBaseline, "linear memory never shrinks")
	require.True(t, r.Pass, "growth %d bytes", r.GrowthBytes)
	require.Zero(t, r.Errors)

	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, []*Result{r}))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+len(r.Warmup)+len(r.Samples))
	require.Equal(t, []string{"noop", "measured", "20000"}, rows[len(rows)-1][:3])
	png := filepath.Join(t.TempDir(), "soak.png")
	require.NoError(t, WriteChart(png, []*Result{r}))
	require.FileExists(t, png)
}

// filterModule returns a filter's workload (workload.Get) and its compiled
// module.
func filterModule(t *testing.T, name string) (workload.Filter, []byte) {
	t.Helper()
	root, err := workload.Root()
	require.NoError(t, err)
	f, err := workload.Get(root, name)
	require.NoError(t, err)
	return f, wasmtest.Module(t, f.Dir)
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{1_000_000: "1M", 200_000: "200k", 965_600: "965.6k", 512: "512"} {
		require.Equal(t, want, Count(n))
	}
}

// The binding makes GOGC 25 the module's default, and an operator's GOGC
// in the VM's environment still wins: the same requests cost the default
// about four collections for each one under GOGC=100, and less memory.
func TestRun_DefaultGOGC(t *testing.T) {
	// httpcallout's workload allocates about a kilobyte a request.
	f, module := filterModule(t, "httpcallout")
	opts := Options{Requests: 30_000, Every: 10_000}
	byDefault, err := Run(context.Background(), f, module, opts)
	require.NoError(t, err)
	opts.Env = map[string]string{"GOGC": "100"}
	operator, err := Run(context.Background(), f, module, opts)
	require.NoError(t, err)
	t.Logf("GC cycles: %d by default, %d with GOGC=100; memory %d and %d bytes",
		byDefault.GCCycles, operator.GCCycles, byDefault.MemoryEnd, operator.MemoryEnd)
	require.GreaterOrEqual(t, operator.GCCycles, 1, "the workload allocates enough to collect under GOGC=100")
	require.GreaterOrEqual(t, byDefault.GCCycles, 2*operator.GCCycles)
	require.Less(t, byDefault.MemoryEnd, operator.MemoryEnd)
}

// The binding collects after every 256 KiB allocated, checked at stream
// ends, unless the operator sets GOGC or GOMEMLIMIT. addheader allocates about
// 16 bytes a request, so GOGC=25 alone collects about once in 80k requests
// (the runtime lets the heap grow 1 MiB past the live heap) and linear memory
// reaches 4.5 MiB; by default the module collects more often and keeps 4 MiB
// or less (the budget, and the idle trigger of TestRun_KeepsFirstArena).
func TestRun_CollectsOnBudget(t *testing.T) {
	f, module := filterModule(t, "addheader")
	opts := Options{Requests: 160_000, Every: 40_000}
	byDefault, err := Run(context.Background(), f, module, opts)
	require.NoError(t, err)
	t.Logf("by default: %d GC cycles, %d bytes", byDefault.GCCycles, byDefault.MemoryEnd)
	require.GreaterOrEqual(t, byDefault.GCCycles, 5, "collected on budget")
	require.LessOrEqual(t, byDefault.MemoryEnd, uint64(4<<20))

	for _, env := range []map[string]string{{"GOGC": "25"}, {"GOMEMLIMIT": "1GiB"}} {
		opts.Env = env
		operator, err := Run(context.Background(), f, module, opts)
		require.NoError(t, err)
		t.Logf("%v: %d GC cycles, %d bytes", env, operator.GCCycles, operator.MemoryEnd)
		require.LessOrEqual(t, operator.GCCycles, 3, "%v: the operator's setting wins, the budget is off", env)
		require.Greater(t, operator.MemoryEnd, byDefault.MemoryEnd, "%v", env)
	}
}

// Linear memory grows 512 KiB at a time, so the binding also collects when
// its heap's free pages run low, at most once per 512 stream ends: addheader,
// which allocates about 16 bytes a request, then stays in its first heap
// arena (3.5 MiB) where the budget alone takes it to 4 MiB by 10k requests.
func TestRun_KeepsFirstArena(t *testing.T) {
	f, module := filterModule(t, "addheader")
	res, err := Run(context.Background(), f, module, Options{Requests: 40_000, Every: 10_000})
	require.NoError(t, err)
	t.Logf("%d GC cycles, %d bytes", res.GCCycles, res.MemoryEnd)
	require.LessOrEqual(t, res.MemoryEnd, uint64(3584<<10))
	require.LessOrEqual(t, res.GCCycles, 40_000/512+2, "at most one cycle per 512 stream ends, and the budget's")
}

// A cycle that leaves the heap's free pages at the floor (the live heap fills
// them) stops the idle trigger: testdata/fullheap keeps its first arena full
// and allocates 16 bytes a request, so after one idle cycle only the 256 KiB
// budget collects (with the trigger left on: a cycle every 512 requests).
func TestRun_IdleTriggerStopsWhenFull(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "fullheap"))
	require.NoError(t, err)
	f := workload.Filter{Name: "fullheap", Dir: dir, Request: workload.DefaultRequest, Response: workload.DefaultResponse}
	res, err := Run(context.Background(), f, wasmtest.Module(t, dir), Options{Requests: 20_000, Every: 5_000})
	require.NoError(t, err)
	t.Logf("%d GC cycles, %d bytes", res.GCCycles, res.MemoryEnd)
	require.LessOrEqual(t, res.GCCycles, 3, "one idle cycle, then the budget's (16 bytes x 20k requests)")
}
