package proxyhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

// The SDK's texts for the statuses the host answers.
const (
	errNotFound    = "error status returned by host: not found"
	errBadArgument = "error status returned by host: bad argument"
	errInternal    = "error status returned by host: internal failure"
)

var (
	callerOnce   sync.Once
	callerModule []byte
	callerErr    error
	cache        = wazero.NewCompilationCache()
)

// caller builds testdata/caller (see its main.go) once per test binary.
func caller(t *testing.T) []byte {
	t.Helper()
	callerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "proxyhost-test-")
		if err != nil {
			callerErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "caller.wasm")
		if callerErr = wasmbuild.Build(context.Background(), wasmbuild.Options{Dir: "testdata/caller", Output: out}); callerErr != nil {
			return
		}
		callerModule, callerErr = os.ReadFile(out)
	})
	require.NoError(t, callerErr, "building testdata/caller")
	return callerModule
}

func newVM(t *testing.T, opts Options) *VM {
	t.Helper()
	opts.Cache = cache
	vm, err := New(context.Background(), caller(t), opts)
	require.NoError(t, err)
	t.Cleanup(func() { vm.Close() })
	return vm
}

func newRoot(t *testing.T, vm *VM, name, config string) *Root {
	t.Helper()
	r, err := vm.NewRoot(name, []byte(config))
	require.NoError(t, err, vm.Output())
	require.True(t, r.Started, "%v", vm.Logs(LogError))
	return r
}

var get = [][2]string{{":method", "GET"}, {":path", "/p"}, {":authority", "a"}}

func with(hs [][2]string, kv ...string) [][2]string {
	out := append([][2]string(nil), hs...)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, [2]string{kv[i], kv[i+1]})
	}
	return out
}

func header(t *testing.T, hs [][2]string, name string) string {
	t.Helper()
	v, ok := Header(hs, name)
	require.True(t, ok, "%s missing from %v", name, hs)
	return v
}

func TestSerializeMap(t *testing.T) {
	hs := [][2]string{{":path", "/"}, {"x", ""}, {"", "v"}}
	got, err := DeserializeMap(SerializeMap(hs))
	require.NoError(t, err)
	require.Equal(t, hs, got)
	b := SerializeMap(hs)
	for _, bad := range [][]byte{b[:3], b[:len(b)-1], {0xff, 0xff, 0xff, 0x7f}} {
		_, err := DeserializeMap(bad)
		require.Error(t, err)
	}
}

// wasmModule assembles a module exporting the two proxy_on_* functions the
// host requires, a global "g", and the start functions named in starts:
// _initialize sets g to 1, _start to 2.
func wasmModule(starts ...string) []byte {
	section := func(id byte, content ...byte) []byte { return append([]byte{id, byte(len(content))}, content...) }
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	var exports []byte
	n := 1
	exports = append(exports, append(name("g"), 0x03, 0)...)
	for _, e := range []struct {
		name string
		fn   byte
	}{{"_initialize", 0}, {"_start", 1}, {"proxy_on_context_create", 2}, {"proxy_on_memory_allocate", 3}} {
		if strings.HasPrefix(e.name, "_") && !strings.Contains(strings.Join(starts, ","), e.name) {
			continue
		}
		exports = append(exports, append(name(e.name), 0x00, e.fn)...)
		n++
	}
	m := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	m = append(m, section(1, 3, 0x60, 0, 0, 0x60, 2, 0x7f, 0x7f, 0, 0x60, 1, 0x7f, 1, 0x7f)...)
	m = append(m, section(3, 4, 0, 0, 1, 2)...)
	m = append(m, section(6, 1, 0x7f, 1, 0x41, 0, 0x0b)...)
	m = append(m, section(7, append([]byte{byte(n)}, exports...)...)...)
	m = append(m, section(10, 4,
		6, 0, 0x41, 1, 0x24, 0, 0x0b,
		6, 0, 0x41, 2, 0x24, 0, 0x0b,
		2, 0, 0x0b,
		4, 0, 0x41, 0, 0x0b)...)
	return m
}

// The module starts with _initialize when it exports it (a WASI reactor),
// else with _start (WasmBase::startVm); never both.
func TestNew_StartFunction(t *testing.T) {
	for _, tc := range []struct {
		exports []string
		want    uint64
	}{{[]string{"_initialize", "_start"}, 1}, {[]string{"_start"}, 2}, {nil, 0}} {
		vm, err := New(context.Background(), wasmModule(tc.exports...), Options{})
		require.NoError(t, err, tc.exports)
		require.Equal(t, tc.want, vm.mod.ExportedGlobal("g").Get(), tc.exports)
		require.NoError(t, vm.Close())
	}
}

// Two root contexts in one VM, each with its configuration; each stream is
// created under its root (proxy_on_context_create(stream, root)) and uses
// that root's configuration. Context IDs come from one sequence.
func TestRoots_Several(t *testing.T) {
	vm := newVM(t, Options{VMConfig: []byte("vmcfg")})
	a := newRoot(t, vm, "a", "cfg-a")
	b := newRoot(t, vm, "b", "cfg-b")
	require.Equal(t, []uint32{1, 2}, []uint32{a.ID, b.ID})
	require.Equal(t, []*Root{a, b}, vm.Roots())
	for _, r := range []*Root{a, b, a} {
		s, err := vm.Request(r, get, [][2]string{{":status", "200"}}, nil)
		require.NoError(t, err)
		require.Equal(t, r, s.Root)
		require.Equal(t, "cfg-"+r.Name, header(t, s.Request, "x-config"))
		require.Equal(t, "cfg-"+r.Name, header(t, s.Response, "x-config"))
	}
	info := strings.Join(vm.Logs(LogInfo), "\n")
	require.Contains(t, info, "configure 1: cfg-a")
	require.Contains(t, info, "configure 2: cfg-b")
}

// The plugin configuration is readable only while its root's
// proxy_on_configure (or proxy_on_context_create) runs; the VM
// configuration always, proxy_on_vm_start included (Context::getBuffer).
func TestBuffers_ConfigurationPhases(t *testing.T) {
	vm := newVM(t, Options{VMConfig: []byte("vmcfg")})
	r := newRoot(t, vm, "", "cfg")
	info := vm.Logs(LogInfo)
	require.Contains(t, info, `vm_start vm="vmcfg"/<nil>`)
	require.Contains(t, info, "vm_start plugin="+errNotFound)
	s, err := vm.Request(r, get, nil, nil)
	require.NoError(t, err)
	require.Equal(t, errNotFound, header(t, s.Request, "x-plugin-config"), "not readable in a stream")
}

// proxy_on_configure again on a root: a valid configuration is accepted and
// used by new streams, a stream in flight keeps the one it began with; an
// invalid one is refused and the old one keeps serving.
func TestConfigure_Again(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "one")
	inFlight, err := vm.NewStream(r, nil)
	require.NoError(t, err)
	act, err := vm.RequestHeaders(inFlight, with(get, "x-pause", "1"), true)
	require.NoError(t, err)
	require.Equal(t, ActionPause, act)

	ok, err := vm.Configure(r, []byte("two"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "two", string(r.Config))
	s, err := vm.Request(r, get, nil, nil)
	require.NoError(t, err)
	require.Equal(t, "two", header(t, s.Request, "x-config"))

	ok, err = vm.Configure(r, []byte("fail"))
	require.NoError(t, err)
	require.False(t, ok, "the module refuses the configuration")
	require.Equal(t, "two", string(r.Config))
	s, err = vm.Request(r, get, nil, nil)
	require.NoError(t, err)
	require.Equal(t, "two", header(t, s.Request, "x-config"), "the old configuration keeps serving")

	_, err = vm.ResponseHeaders(inFlight, [][2]string{{":status", "200"}}, true)
	require.NoError(t, err)
	require.Equal(t, "one", header(t, inFlight.Response, "x-config"), "a stream in flight keeps its configuration")
	require.NoError(t, vm.End(inFlight, EndHTTP))
}

// Callout tokens are counted per root from 1; each answer goes to the root
// that dispatched it (proxy_on_http_call_response(root, token, ...)) and so
// to the right stream, whatever the order.
func TestCallout_TokensPerRoot(t *testing.T) {
	vm := newVM(t, Options{})
	a := newRoot(t, vm, "a", "cfg-a")
	b := newRoot(t, vm, "b", "cfg-b")
	var streams []*Stream
	for _, r := range []*Root{a, b, a, b} {
		s, err := vm.NewStream(r, nil)
		require.NoError(t, err)
		act, err := vm.RequestHeaders(s, with(get, "x-call", "c"), true)
		require.NoError(t, err)
		require.Equal(t, ActionPause, act)
		streams = append(streams, s)
	}
	pending := vm.Pending()
	require.Len(t, pending, 4)
	tokens := []uint32{}
	for _, c := range pending {
		tokens = append(tokens, c.ID)
	}
	require.Equal(t, []uint32{1, 1, 2, 2}, tokens, "each root counts from 1")
	for i := len(pending) - 1; i >= 0; i-- {
		c := pending[i]
		require.NoError(t, vm.Answer(c, Answer{Headers: [][2]string{{":status", fmt.Sprint(200 + i)}}, Body: []byte("{}")}))
	}
	for i, s := range streams {
		require.Equal(t, 1, s.Resumed)
		require.Equal(t, fmt.Sprintf("%d n=1 cfg=cfg-%s", 200+i, s.Root.Name), header(t, s.Request, "x-answer"))
		require.Equal(t, fmt.Sprint(pending[i].ID), header(t, s.Request, "x-token"))
	}
	require.Error(t, vm.Answer(pending[0], Answer{}), "a callout is answered once")
}

// A reset callout (Context::onHttpCallFailure) reaches the module as
// proxy_on_http_call_response(root, token, 0, 0, 0) with no answer map and
// no body to read.
func TestCallout_Reset(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	s, err := vm.NewStream(r, nil)
	require.NoError(t, err)
	_, err = vm.RequestHeaders(s, with(get, "x-call", "c"), true)
	require.NoError(t, err)
	require.NoError(t, vm.Reset(vm.Pending()[0]))
	require.Equal(t, "headers "+errNotFound+" body "+errNotFound+" n=0 cfg=cfg", header(t, s.Request, "x-answer"))
	require.Equal(t, 1, s.Resumed)
}

// proxy_http_call fails with the statuses Envoy's Context::httpCall
// returns, and the module sees each one.
func TestCallout_Statuses(t *testing.T) {
	vm := newVM(t, Options{
		Clusters: func(name string) bool { return name != "unknown" },
		Dispatch: func(c *Callout) error {
			if c.Cluster == "down" {
				return errors.New("no healthy upstream")
			}
			return nil
		},
	})
	r := newRoot(t, vm, "", "cfg")
	for _, tc := range []struct {
		name    string
		headers [][2]string
		want    string
	}{
		{"unknown cluster", with(get, "x-call", "unknown"), errBadArgument},
		{"no :authority", with(get, "x-call", "c", "x-call-headers", ":method,:path"), errBadArgument},
		{"no :path", with(get, "x-call", "c", "x-call-headers", ":method,:authority"), errBadArgument},
		{"no :method", with(get, "x-call", "c", "x-call-headers", ":path,:authority"), errBadArgument},
		{"negative timeout", with(get, "x-call", "c", "x-call-timeout", "3000000000"), errBadArgument},
		{"cannot start", with(get, "x-call", "down"), errInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := vm.Request(r, tc.headers, nil, nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, header(t, s.Request, "x-call-error"))
			require.Equal(t, ActionContinue, s.RequestAction)
			require.Empty(t, s.Callouts)
		})
	}
	require.Empty(t, vm.Pending())
	// A failed start released its token: the next callout does not get it
	// back, as Envoy's counter has moved on.
	s, err := vm.NewStream(r, nil)
	require.NoError(t, err)
	_, err = vm.RequestHeaders(s, with(get, "x-call", "c"), true)
	require.NoError(t, err)
	require.Equal(t, uint32(2), vm.Pending()[0].ID)
}

// Request headers are readable and writable while proxy_on_request_headers
// runs and while the request stays paused by it, not after the module
// continues it; during proxy_on_log they are readable.
func TestHeaders_Phases(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	s, err := vm.Request(r, get, [][2]string{{":status", "200"}}, nil)
	require.NoError(t, err)
	require.Equal(t, errBadArgument, header(t, s.Response, "x-request-read"), "request headers after the request continued")
	require.Contains(t, vm.Logs(LogInfo), fmt.Sprintf("log %d /p", s.ID), "readable in the access log")

	s, err = vm.Request(r, with(get, "x-call", "c"), nil, nil)
	require.NoError(t, err)
	header(t, s.Request, "x-answer") // written while paused
	_, ok := Header(s.Request, "x-after-resume")
	require.False(t, ok, "not writable after proxy_continue_stream")
	require.Contains(t, vm.Logs(LogInfo), fmt.Sprintf("after resume %d: %s", s.ID, errBadArgument))
}

// A local response sent while paused ends the request: after the module's
// call returns, the reply passes through the module's own response-headers
// callback and the stream's owner is told.
func TestLocalResponse(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	var events []Event
	s, err := vm.NewStream(r, func(e Event) { events = append(events, e) })
	require.NoError(t, err)
	act, err := vm.RequestHeaders(s, with(get, "x-local", "403"), true)
	require.NoError(t, err)
	require.Equal(t, ActionPause, act)
	require.Equal(t, 1, s.Ends())
	require.Equal(t, uint32(403), s.Local.Status)
	require.Equal(t, [][2]string{{":status", "403"}, {"x-local-by", "caller"}, {"content-type", "text/plain"},
		{"content-length", "5"}, {"x-config", "cfg"}, {"x-request-read", "ok"}}, s.Response)
	require.Len(t, events, 1)
	require.Equal(t, EventLocalResponse, events[0].Kind)
	require.NoError(t, vm.End(s, EndHTTP))
	require.Equal(t, []string{"create", "request_headers", "response_headers", "log", "done", "delete"}, s.Calls)
}

// The orders in which Envoy ends a stream.
func TestEnd_Orders(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	resp := [][2]string{{":status", "200"}}
	for _, tc := range []struct {
		name     string
		request  bool
		response bool
		order    EndOrder
		want     []string
	}{
		{"HTTP/1 and 2", true, true, EndHTTP, []string{"create", "request_headers", "response_headers", "log", "done", "delete"}},
		{"HTTP/3 deferred log", true, true, EndDeferredLog, []string{"create", "request_headers", "response_headers", "done", "delete", "log"}},
		{"request headers only", true, false, EndHTTP, []string{"create", "request_headers", "log", "done", "delete"}},
		{"access log only", false, false, EndHTTP, []string{"create", "log", "done", "delete"}},
		{"access log only, deferred", false, false, EndDeferredLog, []string{"create", "log"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := vm.NewStream(r, nil)
			require.NoError(t, err)
			if tc.request {
				_, err = vm.RequestHeaders(s, get, true)
				require.NoError(t, err)
			}
			if tc.response {
				_, err = vm.ResponseHeaders(s, resp, true)
				require.NoError(t, err)
			}
			require.NoError(t, vm.End(s, tc.order))
			require.Equal(t, tc.want, s.Calls)
			require.Error(t, vm.End(s, tc.order), "a stream ends once")
		})
	}
	require.Contains(t, vm.Logs(LogInfo), fmt.Sprintf("log %d %s", vm.nextContextID-2, errBadArgument),
		"no request headers to read in an access-log-only stream")
	require.Zero(t, vm.Live())
}

// Response headers reach the module only for a stream whose request headers
// it saw (Context::encodeHeaders checks http_request_started_).
func TestResponseHeaders_WithoutRequest(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	s, err := vm.NewStream(r, nil)
	require.NoError(t, err)
	act, err := vm.ResponseHeaders(s, [][2]string{{":status", "200"}}, true)
	require.NoError(t, err)
	require.Equal(t, ActionContinue, act)
	require.Empty(t, s.Calls)
	require.NoError(t, vm.End(s, EndHTTP))
}

// The VM serialises calls from many goroutines: requests paused on
// callouts that another goroutine answers, as a real HTTP client would.
func TestConcurrent(t *testing.T) {
	calls := make(chan *Callout, 1024)
	vm := newVM(t, Options{Dispatch: func(c *Callout) error { calls <- c; return nil }})
	r := newRoot(t, vm, "", "cfg")
	stop := make(chan struct{})
	var answerers sync.WaitGroup
	for i := 0; i < 2; i++ {
		answerers.Add(1)
		go func() {
			defer answerers.Done()
			for {
				select {
				case c := <-calls:
					if c.ID%7 == 0 {
						_ = vm.Reset(c)
					} else {
						_ = vm.Answer(c, Answer{Headers: [][2]string{{":status", "200"}}})
					}
				case <-stop:
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				resumed := make(chan Event, 1)
				s, err := vm.NewStream(r, func(e Event) { resumed <- e })
				if err != nil {
					errs <- err
					return
				}
				act, err := vm.RequestHeaders(s, with(get, "x-call", "c"), true)
				if err != nil {
					errs <- err
					return
				}
				if act == ActionPause {
					if e := <-resumed; e.Kind != EventContinue {
						errs <- fmt.Errorf("stream %d: event %v", s.ID, e)
						return
					}
				}
				if _, err := vm.ResponseHeaders(s, [][2]string{{":status", "200"}}, true); err != nil {
					errs <- err
					return
				}
				if err := vm.End(s, EndHTTP); err != nil {
					errs <- err
					return
				}
				if s.Ends() != 1 {
					errs <- fmt.Errorf("stream %d ended %d times", s.ID, s.Ends())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	answerers.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, vm.Live())
	require.Empty(t, vm.Pending())
}

// A trap fails the VM: every later call reports it.
func TestTrap_FailsVM(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	// An allocation the Go runtime cannot make is fatal: the module exits.
	vm.mu.Lock()
	_, err := vm.call("proxy_on_memory_allocate", vm.ex.alloc, 0, 0xffff_fff0)
	vm.mu.Unlock()
	require.Error(t, err)
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Error(t, vm.Failed())
	_, err = vm.Request(r, get, nil, nil)
	require.ErrorIs(t, err, errFailed)
}

// OutOfPhase counts what the module asked for outside its phase.
func TestOutOfPhase(t *testing.T) {
	vm := newVM(t, Options{})
	r := newRoot(t, vm, "", "cfg")
	require.Equal(t, map[string]int{"plugin configuration": 1}, vm.OutOfPhase(),
		"proxy_on_vm_start reads the plugin configuration, proxy_on_configure reads it in its phase")
	_, err := vm.Request(r, with(get, "x-call", "c"), [][2]string{{":status", "200"}}, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"plugin configuration": 2, "request headers": 2}, vm.OutOfPhase(),
		"the stream reads the configuration, writes after resuming and reads the request in the response phase")
}
