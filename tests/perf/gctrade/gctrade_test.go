package gctrade

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// A short run on addheader: both settings timed and soaked, and the
// operator's GOGC turns the module's own collector off (fewer cycles, more
// memory).
func TestRun_Addheader(t *testing.T) {
	root, err := workload.Root()
	require.NoError(t, err)
	f, err := workload.Get(root, "addheader")
	require.NoError(t, err)
	modules := map[string][]byte{f.Name: wasmtest.Module(t, f.Dir)}
	loads := 0
	res, err := Run(context.Background(), []workload.Filter{f}, modules,
		Options{Rounds: 2, Requests: 2_000, SoakRequests: 100_000}, func() string { loads++; return "0.00" })
	require.NoError(t, err)
	require.Equal(t, 2, loads, "load read before and after the timing")
	require.Len(t, res.Filters, 1)
	r := res.Filters[0]
	require.Len(t, r.Default.NsPerRequest.Runs, 2)
	require.Len(t, r.Operator.NsPerRequest.Runs, 2)
	require.Positive(t, r.CPU)
	require.Greater(t, r.Default.GCCycles, r.Operator.GCCycles)
	require.Less(t, r.Default.MemoryBytes, r.Operator.MemoryBytes)
}

func TestRun_MissingModule(t *testing.T) {
	_, err := Run(context.Background(), []workload.Filter{{Name: "nosuch"}}, nil, Options{Rounds: 1, Requests: 1, SoakRequests: 1}, nil)
	require.ErrorContains(t, err, "no module for nosuch")
}
