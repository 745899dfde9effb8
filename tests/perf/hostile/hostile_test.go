// Package hostile sends hostile input to every filter under filters/ compiled to
// wasm, through the Envoy-faithful wazero host of build/proxyhost (which,
// unlike proxytest's wasm runner, deletes streams and never reuses a callout
// token in flight): huge header
// values, 10,000 headers, an empty and an absent :path, invalid UTF-8 and NUL
// bytes, 100 rewrite rules, a 10 MiB callout answer, 10,000 paused requests
// answered in random order, and a panic inside filter code.
//
// For every case: no trap, every request ends exactly once (continued,
// resumed or answered locally), no CR, LF or NUL reaches a header unless the
// client sent that very value, and linear memory stays bounded.
package hostile

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

var cache = wazero.NewCompilationCache()

func root(t testing.TB) string {
	t.Helper()
	r, err := workload.Root()
	require.NoError(t, err)
	return r
}

// filterModule builds a shipped filter. A missing filter fails: this suite
// names every filter the project ships so none can pass by being absent.
func filterModule(t testing.TB, name string) (workload.Filter, []byte) {
	t.Helper()
	r := root(t)
	if _, err := os.Stat(filepath.Join(r, "filters", name, "main.go")); err != nil {
		t.Fatalf("filter %s is missing (filters/%s/main.go): the hostile-input suite covers every shipped filter", name, name)
	}
	f, err := workload.Get(r, name)
	require.NoError(t, err)
	return f, wasmtest.Module(t, f.Dir)
}

// shipped lists every filter under filters/ (a filter made with `make new`
// included); a missing shipped filter fails.
func shipped(t testing.TB) []workload.Filter {
	t.Helper()
	filters, err := workload.Shipped(root(t))
	require.NoError(t, err)
	return filters
}

// eachFilter runs fn for every filter under filters/, in subtests.
func eachFilter(t *testing.T, fn func(t *testing.T, f workload.Filter, module []byte)) {
	for _, f := range shipped(t) {
		t.Run(f.Name, func(t *testing.T) {
			fn(t, f, wasmtest.Module(t, f.Dir))
		})
	}
}

// start runs module with one plugin configured with cfg.
func start(t testing.TB, module []byte, cfg []byte) (*proxyhost.VM, *proxyhost.Root) {
	t.Helper()
	vm, root, err := proxyhost.Start(context.Background(), module, proxyhost.Options{Cache: cache}, "", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { vm.Close() })
	require.True(t, root.Started, "plugin refused its configuration: %v", vm.Logs(proxyhost.LogError))
	return vm, root
}

// send runs one request through the whole per-request path and checks that
// it ended exactly once and injected nothing.
func send(t testing.TB, vm *proxyhost.VM, root *proxyhost.Root, f workload.Filter, req, resp [][2]string) *proxyhost.Stream {
	t.Helper()
	in := append(append([][2]string(nil), req...), resp...)
	var callouts []*proxyhost.Callout
	s, err := vm.Request(root, req, resp, func(c *proxyhost.Callout) proxyhost.Answer {
		callouts = append(callouts, c)
		if f.Answer != nil {
			return f.Answer(c)
		}
		return proxyhost.Answer{Headers: [][2]string{{":status", "200"}}}
	})
	require.NoError(t, err, "trap\n%s", vm.Output())
	require.Equal(t, 1, s.Ends(), "request must end exactly once (action %v, resumed %d, local %d)",
		s.RequestAction, s.Resumed, s.LocalResponses)
	noInjection(t, in, s.Request, "request")
	noInjection(t, in, s.Response, "response")
	if s.Local != nil {
		noInjection(t, in, s.Local.Headers, "local response")
	}
	for _, c := range callouts {
		noInjection(t, in, c.Headers, "callout")
	}
	return s
}

// noInjection fails when a header in out holds CR, LF or NUL in its name or
// value, unless the client sent exactly that name or value: a filter may pass
// a client's bytes along, never make new ones.
func noInjection(t testing.TB, in, out [][2]string, where string) {
	t.Helper()
	sent := map[string]bool{}
	for _, h := range in {
		sent[h[0]], sent[h[1]] = true, true
	}
	for _, h := range out {
		for _, s := range h {
			if strings.ContainsAny(s, "\r\n\x00") && !sent[s] {
				t.Fatalf("%s header %q: %q holds CR, LF or NUL the client did not send", where, h[0], clip(h[1]))
			}
		}
	}
}

// bounded fails when linear memory grew by more than limit since before.
func bounded(t testing.TB, vm *proxyhost.VM, before uint64, limit uint64, what string) {
	t.Helper()
	now := vm.MemorySize()
	if now > before+limit {
		t.Fatalf("%s: linear memory grew from %.1f MiB to %.1f MiB (limit +%.0f MiB)", what,
			float64(before)/mib, float64(now)/mib, float64(limit)/mib)
	}
	t.Logf("%s: linear memory %.1f MiB -> %.1f MiB", what, float64(before)/mib, float64(now)/mib)
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// with returns req with name set to value (added when absent).
func with(req [][2]string, name, value string) [][2]string {
	out := make([][2]string, 0, len(req)+1)
	found := false
	for _, h := range req {
		if h[0] == name {
			h[1], found = value, true
		}
		out = append(out, h)
	}
	if !found {
		out = append(out, [2]string{name, value})
	}
	return out
}

func without(req [][2]string, name string) [][2]string {
	var out [][2]string
	for _, h := range req {
		if h[0] != name {
			out = append(out, h)
		}
	}
	return out
}

// repeat sends the same request n times: the first few reach the heap's
// steady state, the rest must not grow it by more than limit.
func repeat(t *testing.T, vm *proxyhost.VM, root *proxyhost.Root, f workload.Filter, req, resp [][2]string, n int, limit uint64, what string) {
	t.Helper()
	for i := 0; i < 3; i++ {
		send(t, vm, root, f, req, resp)
	}
	before := vm.MemorySize()
	for i := 3; i < n; i++ {
		send(t, vm, root, f, req, resp)
	}
	bounded(t, vm, before, limit, what)
	require.Zero(t, vm.Live(), "streams left behind")
}

func TestHostile_HugeHeaderValues(t *testing.T) {
	big := strings.Repeat("a", mib)
	eachFilter(t, func(t *testing.T, f workload.Filter, module []byte) {
		vm, root := start(t, module, f.Config)
		cases := []struct {
			name     string
			req      [][2]string
			resp     [][2]string
			unchange string // a request header that must come out unchanged
		}{
			{"regular request header", with(f.Request, "x-big", big), f.Response, "x-big"},
			{":path", with(f.Request, ":path", "/banana/"+big), f.Response, ""},
			{":authority", with(f.Request, ":authority", big+".example.com"), f.Response, ""},
			{"authorization", with(f.Request, "authorization", "Bearer "+big), f.Response, ""},
			{"response header", f.Request, with(f.Response, "x-big", big), ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := send(t, vm, root, f, tc.req, tc.resp)
				if tc.unchange != "" {
					got, ok := proxyhost.Header(s.Request, tc.unchange)
					require.True(t, ok)
					require.Equal(t, len(big), len(got))
				}
				repeat(t, vm, root, f, tc.req, tc.resp, 20, 16*mib, "20 requests with a 1 MiB header value")
			})
		}
	})
}

func TestHostile_TenThousandHeaders(t *testing.T) {
	eachFilter(t, func(t *testing.T, f workload.Filter, module []byte) {
		vm, root := start(t, module, f.Config)
		req := append([][2]string(nil), f.Request...)
		for i := 0; i < 10_000; i++ {
			req = append(req, [2]string{fmt.Sprintf("x-header-%05d", i), fmt.Sprintf("value-%d", i)})
		}
		resp := append([][2]string(nil), f.Response...)
		for i := 0; i < 10_000; i++ {
			resp = append(resp, [2]string{fmt.Sprintf("x-upstream-%05d", i), "v"})
		}
		var callout *proxyhost.Callout
		s, err := vm.Request(root, req, resp, func(c *proxyhost.Callout) proxyhost.Answer {
			callout = c
			if f.Answer == nil {
				return proxyhost.Answer{Headers: [][2]string{{":status", "200"}}}
			}
			return f.Answer(c)
		})
		require.NoError(t, err, vm.Output())
		require.Equal(t, 1, s.Ends())
		require.GreaterOrEqual(t, len(s.Request), 10_000, "the filter must not drop the client's headers")
		if callout != nil {
			require.Less(t, len(callout.Headers), 20, "a callout forwards only the listed headers, never everything")
		}
		repeat(t, vm, root, f, req, resp, 20, 16*mib, "20 requests with 10,000 headers")
	})
}

func TestHostile_Path(t *testing.T) {
	eachFilter(t, func(t *testing.T, f workload.Filter, module []byte) {
		vm, root := start(t, module, f.Config)
		for name, req := range map[string][][2]string{
			"empty :path":                   with(f.Request, ":path", ""),
			"absent :path":                  without(f.Request, ":path"),
			"absent :path and :authority":   without(without(f.Request, ":path"), ":authority"),
			"no headers at all":             nil,
			":path without a leading slash": with(f.Request, ":path", "banana/1"),
			":path of one slash":            with(f.Request, ":path", "/"),
			"asterisk :path (OPTIONS *)":    with(with(f.Request, ":path", "*"), ":method", "OPTIONS"),
		} {
			t.Run(name, func(t *testing.T) {
				s := send(t, vm, root, f, req, f.Response)
				if p, ok := proxyhost.Header(s.Request, ":path"); ok {
					orig, _ := proxyhost.Header(req, ":path")
					if p != orig {
						require.True(t, strings.HasPrefix(p, "/"), "a rewritten :path starts with /: %q", p)
					}
				}
			})
		}
		require.Zero(t, vm.Live())
	})
}

func TestHostile_InvalidBytes(t *testing.T) {
	values := map[string]string{
		"invalid UTF-8":       "\xff\xfe\xfd",
		"truncated UTF-8":     "caf\xc3",
		"NUL":                 "a\x00b",
		"CR LF injection":     "ok\r\nx-injected: yes",
		"lone LF":             "a\nb",
		"control characters":  "\x01\x02\x7f",
		"overlong UTF-8 NUL":  "\xc0\x80",
		"UTF-16 surrogate":    "\xed\xa0\x80",
		"all 256 byte values": allBytes(),
	}
	eachFilter(t, func(t *testing.T, f workload.Filter, module []byte) {
		vm, root := start(t, module, f.Config)
		for name, v := range values {
			t.Run(name, func(t *testing.T) {
				for _, target := range []string{":path", ":authority", "authorization", "x-debug-token", "x-custom"} {
					send(t, vm, root, f, with(f.Request, target, v), f.Response)
					send(t, vm, root, f, with(f.Request, target, "/banana/"+v), f.Response)
				}
				send(t, vm, root, f, append(f.Request, [2]string{"x-bad-name\x00\xff", v}), with(f.Response, "x-resp", v))
				send(t, vm, root, f, f.Request, with(f.Response, "server", v))
			})
		}
		require.Zero(t, vm.Live())
	})
}

func allBytes() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

func TestHostile_HundredRewriteRules(t *testing.T) {
	_, module := filterModule(t, "regexrepl")
	f, err := workload.Get(root(t), "regexrepl")
	require.NoError(t, err)
	var rules []string
	for i := 0; i < 100; i++ {
		rules = append(rules, fmt.Sprintf(`{"regex": "^/r%d/(.*)$", "replace": "/r%d/$1"}`, i, i+1))
	}
	cfg := `{"rules": [` + strings.Join(rules, ",") + `]}`
	vm, root := start(t, module, []byte(cfg))

	s := send(t, vm, root, f, with(f.Request, ":path", "/r0/users?id=1"), f.Response)
	p, _ := proxyhost.Header(s.Request, ":path")
	require.Equal(t, "/r100/users?id=1", p, "each rule sees the output of the one before")

	// A value over the filter's 8 KiB limit is left unchanged, unscanned.
	huge := "/r0/" + strings.Repeat("x", mib)
	s = send(t, vm, root, f, with(f.Request, ":path", huge), f.Response)
	p, _ = proxyhost.Header(s.Request, ":path")
	require.Equal(t, len(huge), len(p), "a :path over the limit is left unchanged")

	// The worst case the filter allows: a value at its 8 KiB limit that every
	// rule matches and rewrites. Its cost is bounded by construction (RE2
	// matching is linear in the value, the value is capped, rules are
	// finite); BENCHMARKS.md measures it, a test only checks the outcome.
	long := with(f.Request, ":path", "/r0/"+strings.Repeat("x", 8000))
	s = send(t, vm, root, f, long, f.Response)
	p, _ = proxyhost.Header(s.Request, ":path")
	require.Equal(t, "/r100/"+strings.Repeat("x", 8000), p)
	repeat(t, vm, root, f, long, f.Response, 30, 4*mib, "100 rules")
}

// calloutConfig is an httpcallout configuration for the answer tests.
const calloutConfig = `{"cluster": "outbound|8080||ext-authz.auth.svc.cluster.local",
  "forward_headers": ["authorization"], "copy_response_headers": ["x-user"]}`

const calloutFailOpenConfig = `{"cluster": "outbound|8080||ext-authz.auth.svc.cluster.local", "fail_open": true}`

const calloutJSONConfig = `{"cluster": "outbound|8080||ext-authz.auth.svc.cluster.local",
  "allow_json_path": "result.allow"}`

func TestHostile_HugeCalloutAnswer(t *testing.T) {
	f, module := filterModule(t, "httpcallout")
	body := strings.Repeat("x", 10*mib)
	jsonBody := `{"result": {"pad": "` + strings.Repeat("p", 10*mib) + `", "allow": true}}`
	nearLimitJSON := `{"result": {"pad": "` + strings.Repeat("p", mib-64) + `", "allow": true}}`
	cases := []struct {
		name   string
		cfg    string
		answer proxyhost.Answer
		allow  bool
	}{
		{"allowed with a 10 MiB body", calloutConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "200"}, {"x-user", "alice"}}, Body: []byte(body)}, true},
		{"denied with a 10 MiB body", calloutConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "403"}, {"content-type", "text/plain"}}, Body: []byte(body)}, false},
		// allow_json_path reads at most 1 MiB: a larger body denies unread.
		{"10 MiB JSON body under allow_json_path denies", calloutJSONConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "200"}, {"content-type", "application/json"}}, Body: []byte(jsonBody)}, false},
		{"JSON body just under 1 MiB read by allow_json_path", calloutJSONConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "200"}, {"content-type", "application/json"}}, Body: []byte(nearLimitJSON)}, true},
		{"10 MiB header value in the answer", calloutConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "200"}, {"x-user", body}}}, true},
		{"10 MiB of headers in a denying answer", calloutConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "401"}, {"www-authenticate", body}}}, false},
		{"failure with a 10 MiB body", calloutConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "503"}}, Body: []byte(body)}, false},
		{"failure with a 10 MiB body, failing open", calloutFailOpenConfig,
			proxyhost.Answer{Headers: [][2]string{{":status", "503"}}, Body: []byte(body)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vm, root := start(t, module, []byte(tc.cfg))
			answered := f
			answered.Answer = func(*proxyhost.Callout) proxyhost.Answer { return tc.answer }
			check := func() {
				s := send(t, vm, root, answered, f.Request, f.Response)
				if tc.allow {
					require.Equal(t, 1, s.Resumed, "allowed: the request resumes")
					require.Zero(t, s.LocalResponses)
				} else {
					require.Equal(t, 1, s.LocalResponses, "denied or failed: answered locally")
					require.LessOrEqual(t, len(s.Local.Body), 64*kib, "a local answer carries at most 64 KiB of the callout's body")
				}
			}
			for i := 0; i < 3; i++ {
				check()
			}
			before := vm.MemorySize()
			for i := 0; i < 5; i++ {
				check()
			}
			bounded(t, vm, before, 64*mib, "8 answers of up to 10 MiB")
		})
	}
}

func TestHostile_TenThousandPausedRequests(t *testing.T) {
	f, module := filterModule(t, "httpcallout")
	vm, root := start(t, module, f.Config)
	const n = 10_000
	before := vm.MemorySize()
	streams := make([]*proxyhost.Stream, n)
	for i := range streams {
		s, err := vm.NewStream(root, nil)
		require.NoError(t, err)
		act, err := vm.RequestHeaders(s, with(f.Request, ":path", fmt.Sprintf("/item/%d", i)), true)
		require.NoError(t, err, vm.Output())
		require.Equal(t, proxyhost.ActionPause, act, "request %d waits for its callout", i)
		require.Len(t, s.Callouts, 1, "one callout per request")
		streams[i] = s
	}
	pending := vm.Pending()
	require.Len(t, pending, n, "every callout dispatched before any is answered")
	byStream := map[uint32]int{}
	for i, s := range streams {
		byStream[s.ID] = i
	}

	// Answer in random order: even items allowed, odd ones denied, every
	// hundredth a failure (no :status, as a timeout reports it).
	rng := rand.New(rand.NewSource(1))
	rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
	for _, c := range pending {
		i := byStream[c.Stream]
		uri, _ := proxyhost.Header(c.Headers, "x-forwarded-uri")
		require.Equal(t, fmt.Sprintf("/item/%d", i), uri, "the callout carries its own request's path")
		var a proxyhost.Answer
		switch {
		case i%100 == 99:
			a = proxyhost.Answer{} // no :status
		case i%2 == 0:
			a = proxyhost.Answer{Headers: [][2]string{{":status", "200"}, {"x-user", fmt.Sprintf("user-%d", i)}}}
		default:
			a = proxyhost.Answer{Headers: [][2]string{{":status", "403"}}, Body: []byte("denied")}
		}
		require.NoError(t, vm.Answer(c, a), vm.Output())
	}
	require.Empty(t, vm.Pending())

	for i, s := range streams {
		require.Equal(t, 1, s.Ends(), "request %d must end exactly once", i)
		switch {
		case i%100 == 99:
			require.Equal(t, 1, s.LocalResponses, "request %d failed closed", i)
			require.Equal(t, uint32(503), s.Local.Status)
		case i%2 == 0:
			require.Equal(t, 1, s.Resumed, "request %d allowed", i)
			user, _ := proxyhost.Header(s.Request, "x-user")
			require.Equal(t, fmt.Sprintf("user-%d", i), user, "request %d got its own answer's header", i)
		default:
			require.Equal(t, 1, s.LocalResponses, "request %d denied", i)
			require.Equal(t, uint32(403), s.Local.Status)
		}
		if s.LocalResponses == 0 {
			_, err := vm.ResponseHeaders(s, f.Response, true)
			require.NoError(t, err)
		}
		require.NoError(t, vm.End(s, proxyhost.EndHTTP))
	}
	require.Zero(t, vm.Live())
	bounded(t, vm, before, 64*mib, "10,000 paused requests")

	// Deleted streams leave nothing behind: another 10,000 in flight do not
	// need more memory than the first.
	mid := vm.MemorySize()
	for round := 0; round < 2; round++ {
		var batch []*proxyhost.Stream
		for i := 0; i < n; i++ {
			s, err := vm.NewStream(root, nil)
			require.NoError(t, err)
			_, err = vm.RequestHeaders(s, f.Request, true)
			require.NoError(t, err)
			batch = append(batch, s)
		}
		for _, c := range vm.Pending() {
			require.NoError(t, vm.Answer(c, workload.Allow(c)))
		}
		for _, s := range batch {
			require.Equal(t, 1, s.Ends())
			require.NoError(t, vm.End(s, proxyhost.EndHTTP))
		}
	}
	bounded(t, vm, mid, 8*mib, "two more rounds of 10,000 paused requests")
}

func TestHostile_PanicInFilter(t *testing.T) {
	module := wasmtest.Module(t, filepath.Join(root(t), "build", "wasmtest", "testdata", "probe"))
	vm, root := start(t, module, nil)
	probe := workload.Filter{Name: "probe"}
	req := workload.DefaultRequest

	s := send(t, vm, root, probe, with(req, "x-panic", "boom"), workload.DefaultResponse)
	require.Equal(t, proxyhost.ActionPause, s.RequestAction)
	require.Equal(t, 1, s.LocalResponses)
	require.Equal(t, uint32(500), s.Local.Status, "a panic answers the stream with a 500")
	errs := vm.Logs(proxyhost.LogError)
	require.NotEmpty(t, errs)
	require.Contains(t, errs[len(errs)-1], "panic in proxy_on_request_headers")
	require.Contains(t, errs[len(errs)-1], "asked to panic: boom")

	s = send(t, vm, root, probe, req, workload.DefaultResponse)
	require.Equal(t, proxyhost.ActionContinue, s.RequestAction, "the VM keeps serving after a panic")
	v, _ := proxyhost.Header(s.Response, "x-probe")
	require.Equal(t, "seen", v)

	// Many panics, interleaved with good requests: the VM neither traps nor
	// grows once its heap has reached its steady state.
	round := func(n int) {
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				s := send(t, vm, root, probe, with(req, "x-panic", fmt.Sprint(i)), workload.DefaultResponse)
				require.Equal(t, uint32(500), s.Local.Status)
			} else {
				s := send(t, vm, root, probe, req, workload.DefaultResponse)
				require.Equal(t, proxyhost.ActionContinue, s.RequestAction)
			}
		}
	}
	round(3000) // the heap reaches its steady state after about 1,000 panics (1,500 here)
	before := vm.MemorySize()
	round(4000)
	require.Equal(t, 1+3500, vm.LogCount(proxyhost.LogError), "one error line per panic")
	bounded(t, vm, before, 1*mib, "2,000 more panics")
	require.Zero(t, vm.Live())
}
