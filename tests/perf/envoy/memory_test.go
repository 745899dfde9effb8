package envoy

import (
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/soak"
)

const (
	// Streams created and ended per filter after the warm-up. 200,000 in
	// `make test`: within the 1 MiB allowance that catches any per-stream
	// leak of 5 bytes or more, far below what a kept header map or context
	// costs. `make soak` sets MESHWASM_MEMORY_STREAMS=1000000 (1 byte).
	memStreamsDefault = 200_000
	memAlive          = 1_000   // at most this many alive at once
	memLimit          = 1 << 20 // linear memory growth allowed after the warm-up
	// The warm-up runs until the module's Go runtime has completed
	// memWarmupGC collections (its heap has reached its steady size), and
	// at least memWarmupMin, at most memWarmupMax streams. The module runs
	// with GOGC=25: its first collection then comes at a 1 MiB heap rather
	// than 4 MiB (the runtime's minimum heap scales with GOGC), so a filter
	// that allocates a few bytes per stream warms up in 200,000 streams, not
	// a million; memory kept per stream grows linear memory whatever GOGC.
	memWarmupGC  = 2
	memWarmupMin = 20_000
	memWarmupMax = 200_000
)

// How a stream of the memory test lives and ends.
type memKind int

const (
	memHTTP        memKind = iota // request, callouts answered, response, log/done/delete
	memDeferred                   // the same, ended done/delete/log (HTTP/3)
	memRequestOnly                // ends after its request headers; callouts answered later
	memLogOnly                    // created for the access log alone
	memReset                      // its callouts reset
)

func pickKind(rng *rand.Rand) memKind {
	switch n := rng.Intn(100); {
	case n < 55:
		return memHTTP
	case n < 75:
		return memDeferred
	case n < 85:
		return memRequestOnly
	case n < 92:
		return memLogOnly
	default:
		return memReset
	}
}

type memStream struct {
	s        *proxyhost.Stream
	kind     memKind
	step     int
	callouts []*proxyhost.Callout
}

// Linear memory over 200,000 streams (MESHWASM_MEMORY_STREAMS; 1,000,000
// in `make soak`) created and ended in a random (seeded)
// interleaving, up to 1,000 alive at once, mixing every end order, callouts
// answered in any order (some after their stream ended) and resets: at the
// end, within 1 MiB of its level after a warm-up of the same traffic (until
// the Go runtime in the module has collected twice). Linear memory never
// shrinks, so growth after the warm-up is memory kept per stream. Set
// MESHWASM_MEMORY_SEED to replay another interleaving.
func TestEnvoy_MemoryInterleaved(t *testing.T) {
	seed := int64(1)
	if s := os.Getenv("MESHWASM_MEMORY_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	memStreams := memStreamsDefault
	if s := os.Getenv("MESHWASM_MEMORY_STREAMS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "MESHWASM_MEMORY_STREAMS")
		require.Positive(t, n, "MESHWASM_MEMORY_STREAMS")
		memStreams = n
	}
	eachFilter(t, func(t *testing.T, f subject) {
		began := time.Now()
		gc := &soak.GCCounter{}
		vm := start(t, f, proxyhost.Options{Env: map[string]string{"GODEBUG": "gctrace=1", "GOGC": "25"}, Stderr: gc})
		r := plugin(t, vm, "", f.Config)
		rng := rand.New(rand.NewSource(seed))
		var alive []*memStream
		var orphans []*proxyhost.Callout
		created, ended := 0, 0
		limit := memWarmupMax + memStreams // streams to create: set when the warm-up ends
		warmup := 0
		var baseline uint64

		end := func(i int, order proxyhost.EndOrder) {
			m := alive[i]
			require.NoError(t, vm.End(m.s, order), vm.Output())
			if m.kind != memRequestOnly && m.kind != memLogOnly {
				require.Equal(t, 1, m.s.Ends(), "stream %d (kind %d) ends exactly once", m.s.ID, m.kind)
			}
			orphans = append(orphans, m.callouts...)
			alive[i] = alive[len(alive)-1]
			alive = alive[:len(alive)-1]
			ended++
			if warmup == 0 && ended >= memWarmupMin && (gc.Cycles() >= memWarmupGC || ended >= memWarmupMax) {
				warmup, baseline = ended, vm.MemorySize()
				limit = created + memStreams
			}
		}
		// advance moves stream i one step along its life.
		advance := func(i int) {
			m := alive[i]
			switch {
			case m.kind == memLogOnly:
				end(i, proxyhost.EndHTTP)
			case m.step == 0:
				fl := begin(t, vm, r, f)
				m.callouts = fl.callouts
				m.step++
				m.s = fl.s
			case m.kind == memRequestOnly:
				end(i, proxyhost.EndHTTP)
			case len(m.callouts) > 0:
				c := m.callouts[0]
				m.callouts = m.callouts[1:]
				if m.kind == memReset {
					require.NoError(t, vm.Reset(c), vm.Output())
				} else {
					require.NoError(t, vm.Answer(c, f.answer(c)), vm.Output())
				}
			case m.step == 1:
				if m.s.LocalResponses == 0 {
					_, err := vm.ResponseHeaders(m.s, f.Response, true)
					require.NoError(t, err, vm.Output())
				}
				m.step++
			case m.kind == memDeferred:
				end(i, proxyhost.EndDeferredLog)
			default:
				end(i, proxyhost.EndHTTP)
			}
		}
		for created < limit || len(alive) > 0 {
			switch {
			case len(orphans) > 0 && rng.Intn(8) == 0:
				k := rng.Intn(len(orphans))
				require.NoError(t, vm.Answer(orphans[k], f.answer(orphans[k])), vm.Output())
				orphans[k] = orphans[len(orphans)-1]
				orphans = orphans[:len(orphans)-1]
			case created < limit && len(alive) < memAlive && (len(alive) == 0 || rng.Intn(2) == 0):
				m := &memStream{kind: pickKind(rng)}
				if m.kind == memLogOnly {
					s, err := vm.NewStream(r, nil)
					require.NoError(t, err)
					m.s = s
				}
				alive = append(alive, m)
				created++
			default:
				advance(rng.Intn(len(alive)))
			}
		}
		for _, c := range orphans {
			require.NoError(t, vm.Answer(c, f.answer(c)), vm.Output())
		}
		require.Zero(t, vm.Live(), "streams left behind")
		require.Empty(t, vm.Pending(), "callouts left unanswered")
		final := vm.MemorySize()
		t.Logf("%s: %d + %d streams in %v (seed %d, %d collections): linear memory %.2f MiB after the warm-up, %.2f MiB at the end",
			f.Name, warmup, created-warmup, time.Since(began).Round(time.Millisecond), seed, gc.Cycles(),
			float64(baseline)/(1<<20), float64(final)/(1<<20))
		require.LessOrEqual(t, final, baseline+memLimit, "linear memory grew by %d bytes after the warm-up", final-baseline)
	})
}
