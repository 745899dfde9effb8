package rustcmp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	host "github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func obs() Observation {
	return Observation{
		Request:  [][2]string{{":path", "/status/1"}, {"x-environment", "prod"}},
		Response: [][2]string{{":status", "200"}, {"x-served-by", "meshwasm"}},
		Ends:     1,
		Counters: map[string]uint64{"addheader.requests_changed": 1, "addheader.responses_changed": 1},
	}
}

func TestDiff(t *testing.T) {
	ex := []Exchange{{Name: "workload"}}
	require.Empty(t, Diff(ex, []Observation{obs()}, []Observation{obs()}))

	cases := []struct {
		name   string
		change func(*Observation)
		want   string
	}{
		{"header value", func(o *Observation) { o.Request[1][1] = "dev" }, "workload: request headers: Go [:path=/status/1 x-environment=prod], Rust [:path=/status/1 x-environment=dev]"},
		{"header order", func(o *Observation) { o.Response[0], o.Response[1] = o.Response[1], o.Response[0] }, "workload: response headers:"},
		{"counter", func(o *Observation) { o.Counters["addheader.requests_changed"] = 2 }, "workload: counters: Go {addheader.requests_changed=1 addheader.responses_changed=1}, Rust {addheader.requests_changed=2"},
		{"missing counter", func(o *Observation) { delete(o.Counters, "addheader.responses_changed") }, "workload: counters:"},
		{"action", func(o *Observation) { o.RequestAction = host.ActionPause }, "workload: request action: Go continue, Rust pause"},
		{"local response", func(o *Observation) { o.Local = &host.LocalResponse{Status: 403} }, "workload: local response: Go none, Rust 403"},
		{"warnings", func(o *Observation) { o.Warnings = 1 }, "workload: warnings logged: Go 0, Rust 1"},
		{"errors", func(o *Observation) { o.Errors = 1 }, "workload: errors logged: Go 0, Rust 1"},
		{"ends", func(o *Observation) { o.Ends = 2 }, "workload: ends: Go 1, Rust 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := obs()
			tc.change(&r)
			got := Diff(ex, []Observation{obs()}, []Observation{r})
			require.Len(t, got, 1)
			require.Contains(t, got[0], tc.want)
		})
	}
	require.Equal(t, []string{"1 observations of the Go module, 0 of the Rust one"}, Diff(ex, []Observation{obs()}, nil))
}

func TestExchanges(t *testing.T) {
	root, err := workload.Root()
	require.NoError(t, err)
	f, err := workload.Get(root, "regexrepl")
	require.NoError(t, err)
	before := clone(f.Request)
	ex := Exchanges(f)
	require.Len(t, ex, 6)
	require.Equal(t, f.Request, ex[0].Request, "the workload's own request first")
	require.Equal(t, before, f.Request, "the workload's request is not modified")
	seen := map[string]bool{}
	for _, e := range ex {
		require.False(t, seen[e.Name], e.Name)
		seen[e.Name] = true
	}
	_, ok := host.Header(ex[3].Request, ":authority")
	require.False(t, ok, "absent: no :authority")
	path, _ := host.Header(ex[4].Request, ":path")
	require.Greater(t, len(path), 8192, "over regexrepl's length limit")
}

func TestSummarise(t *testing.T) {
	require.Equal(t, Stat{Min: 1, Median: 3, Runs: []float64{5, 1, 3}}, Summarise([]float64{5, 1, 3}))
	require.Equal(t, Stat{Min: 1, Median: 2.5, Runs: []float64{4, 1, 2, 3}}, Summarise([]float64{4, 1, 2, 3}))
	require.Equal(t, Stat{}, Summarise(nil))
}

func TestDerive(t *testing.T) {
	side := func(min float64, bytes, gz int, mem uint64) Side {
		return Side{NsPerRequest: Stat{Min: min, Median: 2 * min}, Bytes: bytes, GzipBytes: gz, MemoryBytes: mem}
	}
	r := &Result{Twins: []*Twin{
		{Filter: "addheader", Go: side(6000, 3000, 800, 8<<20), Rust: side(2000, 100, 50, 1<<20)},
		{Filter: "noop", Go: side(2000, 2600, 750, 3<<20), Rust: side(500, 30, 10, 1<<20)},
		{Filter: "same", Go: side(2000, 1, 1, 1), Rust: side(500, 1, 1, 1)},
	}}
	require.NoError(t, r.Derive("noop"))
	a := r.Twins[0]
	require.InDelta(t, 3.0, a.PerRequest, 1e-9)
	require.InDelta(t, 4000, a.Go.OverFloorNs, 1e-9)
	require.InDelta(t, 1500, a.Rust.OverFloorNs, 1e-9)
	require.InDelta(t, 4000.0/1500, a.OverFloor, 1e-9)
	require.InDelta(t, 3.0, a.PerRequestMedian, 1e-9)
	require.InDelta(t, 8000.0/3000, a.OverFloorMedian, 1e-9)
	require.InDelta(t, 30.0, a.Size, 1e-9)
	require.InDelta(t, 16.0, a.SizeGzip, 1e-9)
	require.InDelta(t, 8.0, a.Memory, 1e-9)
	require.InDelta(t, 4.0, r.Twins[1].PerRequest, 1e-9)
	require.Zero(t, r.Twins[1].OverFloor, "the floor has no own work")
	require.Zero(t, r.Twins[1].OverFloorMedian)
	require.Zero(t, r.Twins[2].OverFloor, "no own work measured above the floor: no ratio")
	require.Equal(t, "noop", r.Floor)
	require.Error(t, (&Result{Twins: r.Twins[:1]}).Derive("noop"))
}

// Check itself, on Go modules (make test needs no Rust): a module is alike
// with itself and not with the no-op module.
func TestCheck_GoModules(t *testing.T) {
	ctx := context.Background()
	root, err := workload.Root()
	require.NoError(t, err)
	dir := t.TempDir()
	build := func(name string) (workload.Filter, []byte) {
		f, err := workload.Get(root, name)
		require.NoError(t, err)
		out := filepath.Join(dir, name+".wasm")
		require.NoError(t, f.Build(ctx, out, false))
		return f, readFile(t, out)
	}
	f, addheader := build("addheader")
	_, noop := build(workload.Noop)
	require.NoError(t, Check(ctx, f, addheader, addheader))
	err = Check(ctx, f, addheader, noop)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{"does not behave like the Go module", "workload: request headers:", "workload: response headers:",
		"workload: counters: Go {addheader.requests_changed=1 addheader.responses_changed=1}, Rust {}"} {
		require.Contains(t, msg, want)
	}
	for _, ex := range Exchanges(f) {
		require.Contains(t, msg, "\n  "+ex.Name+": counters:", "every exchange is checked")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}
