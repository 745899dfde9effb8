package envoy

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

var cache = wazero.NewCompilationCache()

// subject is one filter under test: its workload, its module, and two more
// configurations: another valid one that changes what it does, and one it
// refuses.
type subject struct {
	workload.Filter
	module  []byte
	alt     []byte
	invalid []byte
}

// invalidConfigs are tried in turn for a configuration the filter refuses:
// malformed JSON, a key no filter has, a KEY=VALUE line without '='.
var invalidConfigs = []string{`{`, `{"meshwasm-no-such-key": {"x": []}}`, "no equals sign"}

// eachFilter runs fn for every filter under filters/ (a missing shipped
// filter fails).
func eachFilter(t *testing.T, fn func(t *testing.T, f subject)) {
	root, err := workload.Root()
	require.NoError(t, err)
	filters, err := workload.Shipped(root)
	require.NoError(t, err)
	for _, f := range filters {
		t.Run(f.Name, func(t *testing.T) { fn(t, prepare(t, f)) })
	}
}

func prepare(t *testing.T, f workload.Filter) subject {
	s := subject{Filter: f, module: wasmtest.Module(t, f.Dir), alt: f.AltConfig}
	if s.alt == nil {
		// A filter made with `make new` takes defaults for keys left out:
		// the empty object is another valid configuration.
		s.alt = []byte(`{}`)
		if !starts(t, s.module, s.alt) {
			s.alt = f.Config
		}
	}
	require.True(t, starts(t, s.module, f.Config), "%s refuses its workload configuration", f.Name)
	require.True(t, starts(t, s.module, s.alt), "%s refuses its alternate configuration %s", f.Name, s.alt)
	for _, c := range invalidConfigs {
		if !starts(t, s.module, []byte(c)) {
			s.invalid = []byte(c)
			break
		}
	}
	require.NotNil(t, s.invalid, "%s accepts every configuration tried as invalid: %q", f.Name, invalidConfigs)
	return s
}

func starts(t *testing.T, module, config []byte) bool {
	vm, root, err := proxyhost.Start(context.Background(), module, proxyhost.Options{Cache: cache}, "", config)
	require.NoError(t, err)
	defer vm.Close()
	return root.Started
}

func start(t *testing.T, f subject, opts proxyhost.Options) *proxyhost.VM {
	opts.Cache = cache
	vm, err := proxyhost.New(context.Background(), f.module, opts)
	require.NoError(t, err)
	t.Cleanup(func() { vm.Close() })
	return vm
}

func plugin(t *testing.T, vm *proxyhost.VM, name string, config []byte) *proxyhost.Root {
	r, err := vm.NewRoot(name, config)
	require.NoError(t, err, vm.Output())
	require.True(t, r.Started, "%s: %v", config, vm.Logs(proxyhost.LogError))
	return r
}

// outcome is what a stream did, as a client, an upstream and an
// authorization service would see it.
type outcome struct {
	Action   proxyhost.Action
	Request  [][2]string
	Response [][2]string
	Local    *proxyhost.LocalResponse
	Callouts [][][2]string
	Ends     int
}

// flight is a stream begun and not yet finished.
type flight struct {
	s        *proxyhost.Stream
	callouts []*proxyhost.Callout
}

// begin creates a stream under r and delivers the workload's request.
func begin(t *testing.T, vm *proxyhost.VM, r *proxyhost.Root, f subject) flight {
	s, err := vm.NewStream(r, nil)
	require.NoError(t, err)
	_, err = vm.RequestHeaders(s, f.Request, true)
	require.NoError(t, err, vm.Output())
	var mine []*proxyhost.Callout
	for _, c := range vm.Pending() {
		if c.Stream == s.ID {
			mine = append(mine, c)
		}
	}
	return flight{s: s, callouts: mine}
}

func (f subject) answer(c *proxyhost.Callout) proxyhost.Answer {
	if f.Answer != nil {
		return f.Answer(c)
	}
	return proxyhost.Answer{Headers: [][2]string{{":status", "200"}}}
}

// answer answers the flight's callouts with the workload's answer.
func answer(t *testing.T, vm *proxyhost.VM, f subject, fl flight) {
	for _, c := range fl.callouts {
		require.NoError(t, vm.Answer(c, f.answer(c)), vm.Output())
	}
}

// finish delivers the response (unless a local reply answered the
// request), ends the stream as HTTP/1 and 2 do, and returns its outcome.
func finish(t *testing.T, vm *proxyhost.VM, f subject, fl flight) outcome {
	s := fl.s
	if s.LocalResponses == 0 {
		_, err := vm.ResponseHeaders(s, f.Response, true)
		require.NoError(t, err, vm.Output())
	}
	require.NoError(t, vm.End(s, proxyhost.EndHTTP), vm.Output())
	o := outcome{Action: s.RequestAction, Request: s.Request, Response: s.Response, Local: s.Local, Ends: s.Ends()}
	for _, c := range fl.callouts {
		o.Callouts = append(o.Callouts, c.Headers)
	}
	require.Equal(t, 1, o.Ends, "the request ends exactly once")
	return o
}

// reference is the outcome of one workload request in a VM running only
// config: what every stream under that configuration must do.
func reference(t *testing.T, f subject, config []byte) outcome {
	vm := start(t, f, proxyhost.Options{})
	r := plugin(t, vm, "", config)
	fl := begin(t, vm, r, f)
	answer(t, vm, f, fl)
	return finish(t, vm, f, fl)
}

// distinct requires that the alternate configuration changes what a shipped
// filter does, so the tests that tell configurations apart are not vacuous.
func distinct(t *testing.T, f subject, a, b outcome) {
	if slices.Contains(workload.Known, f.Name) {
		require.NotEqual(t, a, b, "%s: the alternate configuration must change the outcome", f.Name)
	}
}

// Several plugins in one VM (different root_ids, different
// configurations): each stream behaves as its own plugin's configuration
// says, callouts are counted per plugin from 1 (both hand out token 1), and
// answers given in reverse order still reach the right stream.
func TestEnvoy_SeveralRoots(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		want := map[string]outcome{"a": reference(t, f, f.Config), "b": reference(t, f, f.alt)}
		distinct(t, f, want["a"], want["b"])
		vm := start(t, f, proxyhost.Options{})
		a := plugin(t, vm, "a", f.Config)
		b := plugin(t, vm, "b", f.alt)
		var flights []flight
		for _, r := range []*proxyhost.Root{a, b, a, b} {
			flights = append(flights, begin(t, vm, r, f))
		}
		if n := len(flights[0].callouts); n > 0 {
			require.Equal(t, uint32(1), flights[0].callouts[0].ID, "plugin a's first token")
			require.Equal(t, uint32(1), flights[1].callouts[0].ID, "plugin b's first token")
			require.Equal(t, uint32(1+n), flights[2].callouts[0].ID, "plugin a's next token")
		}
		for i := len(flights) - 1; i >= 0; i-- {
			answer(t, vm, f, flights[i])
		}
		for i, fl := range flights {
			require.Equal(t, want[fl.s.Root.Name], finish(t, vm, f, fl), "stream %d under plugin %s", i, fl.s.Root.Name)
		}
		require.Zero(t, vm.Live())
	})
}

// proxy_on_configure again on a plugin: a valid configuration is accepted
// and new streams use it while a stream in flight keeps the one it began
// under; an invalid one is refused and the last valid one keeps serving.
func TestEnvoy_Reconfigure(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		before, after := reference(t, f, f.Config), reference(t, f, f.alt)
		distinct(t, f, before, after)
		vm := start(t, f, proxyhost.Options{})
		r := plugin(t, vm, "", f.Config)
		inFlight := begin(t, vm, r, f)

		ok, err := vm.Configure(r, f.alt)
		require.NoError(t, err)
		require.True(t, ok, "the alternate configuration is accepted: %v", vm.Logs(proxyhost.LogError))
		fl := begin(t, vm, r, f)
		answer(t, vm, f, fl)
		require.Equal(t, after, finish(t, vm, f, fl), "a new stream uses the new configuration")

		errorsBefore := vm.LogCount(proxyhost.LogError)
		ok, err = vm.Configure(r, f.invalid)
		require.NoError(t, err)
		require.False(t, ok, "%q is refused", f.invalid)
		require.Equal(t, errorsBefore+1, vm.LogCount(proxyhost.LogError), "one error line for a refused configuration")
		fl = begin(t, vm, r, f)
		answer(t, vm, f, fl)
		require.Equal(t, after, finish(t, vm, f, fl), "the last valid configuration keeps serving")

		answer(t, vm, f, inFlight)
		require.Equal(t, before, finish(t, vm, f, inFlight), "a stream in flight keeps the configuration it began under")
	})
}

// Every order in which Envoy ends a stream, mixed on one VM: HTTP/1 and 2
// (log, done, delete), HTTP/3's deferred access log (done, delete, log), a
// stream that ends after its request headers (its callouts answered after
// it is gone), and a stream created for the access log alone. None traps,
// none is left behind, and the filter still serves as it should.
func TestEnvoy_EndOrders(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		want := reference(t, f, f.Config)
		vm := start(t, f, proxyhost.Options{})
		r := plugin(t, vm, "", f.Config)
		full := []string{"create", "request_headers", "response_headers"}
		for i := 0; i < 20; i++ {
			fl := begin(t, vm, r, f)
			answer(t, vm, f, fl)
			if fl.s.LocalResponses == 0 {
				_, err := vm.ResponseHeaders(fl.s, f.Response, true)
				require.NoError(t, err)
			}
			require.NoError(t, vm.End(fl.s, proxyhost.EndDeferredLog), vm.Output())
			require.Equal(t, append(slices.Clone(full), "done", "delete", "log"), fl.s.Calls)

			early := begin(t, vm, r, f)
			require.NoError(t, vm.End(early.s, proxyhost.EndHTTP), vm.Output())
			require.Equal(t, []string{"create", "request_headers", "log", "done", "delete"}, early.s.Calls)
			answer(t, vm, f, early) // the answer reaches the plugin after the stream is gone
			require.Zero(t, early.s.Resumed+early.s.LocalResponses, "nothing resumes or answers a deleted stream")

			logOnly, err := vm.NewStream(r, nil)
			require.NoError(t, err)
			require.NoError(t, vm.End(logOnly, proxyhost.EndHTTP), vm.Output())
			require.Equal(t, []string{"create", "log", "done", "delete"}, logOnly.Calls)

			fl = begin(t, vm, r, f)
			answer(t, vm, f, fl)
			require.Equal(t, want, finish(t, vm, f, fl))
			require.Equal(t, append(slices.Clone(full), "log", "done", "delete"), fl.s.Calls)
		}
		require.Zero(t, vm.Live())
		require.Empty(t, vm.Pending())
	})
}

// A callout reset (Envoy's onFailure: proxy_on_http_call_response with no
// headers, body or trailers, and no answer map to read) and a denying answer
// each end the request exactly once; the plugin keeps serving.
func TestEnvoy_CalloutReset(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		want := reference(t, f, f.Config)
		vm := start(t, f, proxyhost.Options{})
		r := plugin(t, vm, "", f.Config)
		reset := begin(t, vm, r, f)
		if f.Name == "httpcallout" {
			require.NotEmpty(t, reset.callouts, "httpcallout calls out for the workload request")
		}
		for _, c := range reset.callouts {
			require.NoError(t, vm.Reset(c), vm.Output())
		}
		finish(t, vm, f, reset)

		deny := begin(t, vm, r, f)
		for _, c := range deny.callouts {
			require.NoError(t, vm.Answer(c, proxyhost.Answer{Headers: [][2]string{{":status", "403"}}, Body: []byte("no")}))
		}
		finish(t, vm, f, deny)

		fl := begin(t, vm, r, f)
		answer(t, vm, f, fl)
		require.Equal(t, want, finish(t, vm, f, fl))
	})
}

// proxy_http_call failing with each status Envoy's Context::httpCall
// returns when the module asks for a callout: BadArgument for a cluster
// Envoy does not know, InternalFailure for a request it cannot start. The
// filter sees the failure and ends the request exactly once.
func TestEnvoy_HTTPCallFailures(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		for _, tc := range []struct {
			name string
			opts func(tried *int) proxyhost.Options
		}{
			{"unknown cluster (BadArgument)", func(tried *int) proxyhost.Options {
				return proxyhost.Options{Clusters: func(string) bool { *tried++; return false }}
			}},
			{"cannot start (InternalFailure)", func(tried *int) proxyhost.Options {
				return proxyhost.Options{Dispatch: func(*proxyhost.Callout) error { *tried++; return fmt.Errorf("no healthy upstream") }}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tried := 0
				vm := start(t, f, tc.opts(&tried))
				r := plugin(t, vm, "", f.Config)
				fl := begin(t, vm, r, f)
				require.Empty(t, fl.callouts)
				require.Empty(t, fl.s.Callouts)
				if f.Name == "httpcallout" {
					require.Equal(t, 1, tried, "httpcallout asked for a callout")
				}
				o := finish(t, vm, f, fl)
				require.Equal(t, 1, o.Ends)
				require.Empty(t, vm.Pending())
			})
		}
	})
}

// The filter reads and writes header maps only while Envoy holds them for
// it (request headers during proxy_on_request_headers or while it pauses
// the request, response headers likewise, a callout's answer during its
// callback) and reads its configuration only while being configured: none
// of its calls would fail under Envoy.
func TestEnvoy_HeaderPhases(t *testing.T) {
	eachFilter(t, func(t *testing.T, f subject) {
		vm := start(t, f, proxyhost.Options{})
		a := plugin(t, vm, "a", f.Config)
		b := plugin(t, vm, "b", f.alt)
		for _, r := range []*proxyhost.Root{a, b} {
			for i := 0; i < 3; i++ {
				fl := begin(t, vm, r, f)
				answer(t, vm, f, fl)
				finish(t, vm, f, fl)
			}
		}
		require.Empty(t, vm.OutOfPhase())
	})
}
