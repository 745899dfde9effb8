package load

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/localproxy"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

func TestSplice(t *testing.T) {
	sec := Section([]Record{{Filter: "addheader", Date: "2026-12-02", LoadAverage: "1.00 1.00 1.00", Cores: 2,
		Results: []Result{{Mode: "filter", Requests: 10, Connections: 2, PerSecond: 100, P50ms: 1, P99ms: 2}}}})
	require.Contains(t, sec, "| addheader | filter | 10 | 2 | 100 | 1.00 ms | 2.00 ms | 0 | 0 | 2026-12-02, 1.00 1.00 1.00 (2) |")

	doc := "# Benchmarks\n\n## A\n\ntext\n"
	once := Splice(doc, sec)
	require.Equal(t, doc+"\n"+sec, once)
	require.Equal(t, once, Splice(once, sec), "replaced, not added twice")

	mid := "# B\n\n" + Heading + "\n\nold\n\n## Next\n\nkept\n"
	require.Equal(t, "# B\n\n"+sec+"\n## Next\n\nkept\n", Splice(mid, sec))
}

func TestMerge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.json")
	_, err := Merge(path, Record{Filter: "regexrepl", Date: "1"})
	require.NoError(t, err)
	_, err = Merge(path, Record{Filter: "addheader", Date: "1"})
	require.NoError(t, err)
	all, err := Merge(path, Record{Filter: "regexrepl", Date: "2"})
	require.NoError(t, err)
	require.Equal(t, []Record{{Filter: "addheader", Date: "1"}, {Filter: "regexrepl", Date: "2"}}, all)
}

// The proxy with no filter over loopback: every request answered and seen
// upstream once, latencies measured.
func TestRunOne_NoFilter(t *testing.T) {
	f := workload.Filter{Name: "none", Request: workload.DefaultRequest}
	r, err := runOne(context.Background(), f, localproxy.Options{}, Params{Connections: 4, Requests: 300, Warmup: 20, Timeout: time.Minute})
	require.NoError(t, err)
	require.True(t, r.Pass(), "%+v", r)
	require.Equal(t, 300, r.Requests)
	require.Positive(t, r.PerSecond)
	require.Positive(t, r.P99ms)
	require.GreaterOrEqual(t, r.P99ms, r.P50ms)
}

// Requests the proxy cannot forward are errors, and requests the upstream
// never saw are lost: the pass line fails.
func TestRunOne_Fails(t *testing.T) {
	f := workload.Filter{Name: "none", Request: [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "a"}}}
	p := Params{Connections: 2, Requests: 10, Timeout: time.Minute}
	opts := localproxy.Options{}
	r, err := runOne(context.Background(), f, opts, p)
	require.NoError(t, err)
	require.True(t, r.Pass())

	f.Request = [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "a"}, {"expect", "nonsense"}}
	r, err = runOne(context.Background(), f, opts, p)
	require.NoError(t, err)
	require.False(t, r.Pass(), "%+v", r)
	require.Equal(t, 10, r.Errors)
	require.Equal(t, 10, r.Lost)
}
