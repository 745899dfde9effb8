// Package host is a minimal proxy-wasm host on wazero that drives a compiled
// filter module the way Envoy does, including what proxytest's wasm runner
// leaves out: proxy_on_done, proxy_on_log and proxy_on_delete for every
// stream, callout IDs that are never reused, and callouts answered after the
// request callback returns. The soak and the hostile-input tests use it.
//
// It implements the env.proxy_* host calls the meshwasm ABI binding declares
// (log, plugin configuration, header maps, metrics, http_call,
// send_local_response, continue_stream, set_effective_context, done, ...);
// any other env import a module declares gets a stub that answers
// Unimplemented, so every module loads. WASI comes from wazero.
//
// A VM is not safe for concurrent use: like an Envoy worker thread, it runs
// one callback at a time.
package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Status is a proxy-wasm host call result.
type Status uint32

// Statuses the host answers (proxy-wasm ABI 0.2.x).
const (
	StatusOK              Status = 0
	StatusNotFound        Status = 1
	StatusBadArgument     Status = 2
	StatusEmpty           Status = 7
	StatusInternalFailure Status = 10
	StatusUnimplemented   Status = 12
)

// Action is what an HTTP callback returns.
type Action uint32

// Actions.
const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)

func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "continue"
	case ActionPause:
		return "pause"
	}
	return fmt.Sprintf("action(%d)", uint32(a))
}

// Map and buffer types of the ABI.
const (
	mapRequestHeaders      = 0
	mapRequestTrailers     = 1
	mapResponseHeaders     = 2
	mapResponseTrailers    = 3
	mapCallResponseHeaders = 6
	mapCallResponseTrailer = 7

	bufferCallResponseBody = 4
	bufferVMConfiguration  = 6
	bufferPluginConfig     = 7

	streamRequest  = 0
	streamResponse = 1
)

// Log levels of proxy_log.
const (
	LogTrace = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
	LogCritical
	numLevels
)

// logKeep is how many messages per level a VM keeps (the newest); the
// counts cover every message.
const logKeep = 256

// Options configure a VM.
type Options struct {
	// PluginConfig is what proxy_get_buffer_bytes returns for the plugin
	// configuration; empty means the host answers NotFound, as Envoy does.
	PluginConfig []byte
	// VMConfig is the VM configuration, likewise.
	VMConfig []byte
	// Env is the module's environment (Envoy's vm_config.environment_variables,
	// Istio's WasmPlugin vmConfig.env), e.g. GOGC.
	Env map[string]string
	// Cache shares compiled code between VMs of one process.
	Cache wazero.CompilationCache
	// Stderr receives the module's stdout and stderr (the Go runtime writes
	// fatal errors there). Nil keeps the last 64 KiB for Output.
	Stderr io.Writer
}

// LocalResponse is a proxy_send_local_response.
type LocalResponse struct {
	Status  uint32
	Details string
	Body    []byte
	Headers [][2]string
	GRPC    int32
}

// Stream is one HTTP stream as the host sees it.
type Stream struct {
	ID       uint32
	Request  [][2]string
	Response [][2]string
	// RequestAction and ResponseAction are what the header callbacks returned.
	RequestAction  Action
	ResponseAction Action
	// Resumed counts proxy_continue_stream(request) calls for this stream.
	Resumed int
	// ResumedResponse counts proxy_continue_stream(response) calls.
	ResumedResponse int
	// Local is the last local response sent for this stream; LocalResponses
	// counts them.
	Local          *LocalResponse
	LocalResponses int
	// Callouts are the IDs of the callouts the stream dispatched.
	Callouts []uint32
	// Closed counts proxy_close_stream calls.
	Closed int

	requestDone bool
	deleted     bool
}

// Ends counts how the request side of the stream ended: a request-headers
// callback that returned Continue, a resume after a pause, and a local
// response each count one. A request that ends exactly once has Ends() == 1;
// 0 is a stuck request, 2 or more a request answered twice.
func (s *Stream) Ends() int {
	n := s.Resumed + s.LocalResponses
	if s.requestDone && s.RequestAction == ActionContinue {
		n++
	}
	return n
}

// Header returns the first value of name in hs.
func Header(hs [][2]string, name string) (string, bool) {
	for _, h := range hs {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

// Callout is one proxy_http_call.
type Callout struct {
	ID        uint32
	Stream    uint32 // the effective context when it was dispatched
	Upstream  string
	Headers   [][2]string
	Body      []byte
	Trailers  [][2]string
	TimeoutMS uint32
	answered  bool
}

// Answer is what the host delivers for a callout: the upstream's answer, or,
// with no :status header, a failure (timeout, reset) as Envoy reports it.
type Answer struct {
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
}

// Trap is a module call that did not return: a wasm trap, or the Go runtime
// exiting. The VM is unusable afterwards.
type Trap struct {
	Call string
	Err  error
}

func (t *Trap) Error() string { return fmt.Sprintf("%s trapped: %v", t.Call, t.Err) }
func (t *Trap) Unwrap() error { return t.Err }

type metric struct {
	name  string
	kind  uint32
	value uint64
}

// VM is one instance of a module, started like Envoy starts a plugin: its
// root context created, the VM started and the plugin configured.
type VM struct {
	ctx  context.Context
	rt   wazero.Runtime
	mod  api.Module
	mem  api.Memory
	opts Options

	alloc, contextCreate, vmStart, configure, requestHeaders, responseHeaders,
	done, log, del, callResponse api.Function
	stack [8]uint64

	root      uint32
	nextID    uint32
	effective uint32
	streams   map[uint32]*Stream

	nextCallout uint32
	callouts    map[uint32]*Callout
	pending     []uint32 // dispatched, not yet answered, in order
	answer      *Answer  // while proxy_on_http_call_response runs

	metrics     []metric
	metricIndex map[string]uint32

	logCount [numLevels]int
	logs     [numLevels][]string

	unimplemented map[string]int
	stderr        *tailBuffer

	// Body is what Request sends after the request headers: one
	// proxy_on_request_body per element, of that many bytes, the last with
	// end of stream. The contents are not kept (proxy_get_buffer_bytes on
	// the request body answers NotFound).
	Body []int
	body api.Function

	// Started is false when proxy_on_configure (or proxy_on_vm_start)
	// returned failure: Envoy then refuses the plugin.
	Started bool
}

// Compile compiles a module once for many VMs.
func Compile(ctx context.Context, module []byte, cache wazero.CompilationCache) error {
	rt := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(cache))
	defer rt.Close(ctx)
	_, err := rt.CompileModule(ctx, module)
	return err
}

func runtimeConfig(cache wazero.CompilationCache) wazero.RuntimeConfig {
	cfg := wazero.NewRuntimeConfig()
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	return cfg
}

// New instantiates module, calls _initialize, creates the root context,
// starts the VM and configures the plugin. A module that fails to load or
// traps is an error; a plugin that refuses its configuration is not (see
// VM.Started and VM.Logs).
func New(ctx context.Context, module []byte, opts Options) (*VM, error) {
	v := &VM{
		ctx:           ctx,
		opts:          opts,
		root:          1,
		nextID:        2,
		nextCallout:   1,
		streams:       map[uint32]*Stream{},
		callouts:      map[uint32]*Callout{},
		metricIndex:   map[string]uint32{},
		unimplemented: map[string]int{},
	}
	v.rt = wazero.NewRuntimeWithConfig(ctx, runtimeConfig(opts.Cache))
	ok := false
	defer func() {
		if !ok {
			v.rt.Close(ctx)
		}
	}()
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, v.rt); err != nil {
		return nil, err
	}
	compiled, err := v.rt.CompileModule(ctx, module)
	if err != nil {
		return nil, fmt.Errorf("compiling module: %w", err)
	}
	if err := v.exportEnv(compiled); err != nil {
		return nil, err
	}
	out := opts.Stderr
	if out == nil {
		v.stderr = &tailBuffer{max: 64 << 10}
		out = v.stderr
	}
	mc := wazero.NewModuleConfig().
		WithStartFunctions("_initialize").
		WithStdout(out).WithStderr(out).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	keys := make([]string, 0, len(opts.Env))
	for k := range opts.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mc = mc.WithEnv(k, opts.Env[k])
	}
	v.mod, err = v.rt.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		return nil, &Trap{Call: "_initialize", Err: err}
	}
	v.mem = v.mod.Memory()
	for name, fn := range map[string]*api.Function{
		"proxy_on_memory_allocate":    &v.alloc,
		"proxy_on_context_create":     &v.contextCreate,
		"proxy_on_vm_start":           &v.vmStart,
		"proxy_on_configure":          &v.configure,
		"proxy_on_request_headers":    &v.requestHeaders,
		"proxy_on_response_headers":   &v.responseHeaders,
		"proxy_on_done":               &v.done,
		"proxy_on_log":                &v.log,
		"proxy_on_delete":             &v.del,
		"proxy_on_http_call_response": &v.callResponse,
	} {
		*fn = v.mod.ExportedFunction(name)
		if *fn == nil {
			return nil, fmt.Errorf("module does not export %s", name)
		}
	}

	// Envoy's order (proxy-wasm-cpp-host ContextBase::onStart, then
	// configure): create the root context, start the VM, configure.
	v.effective = v.root
	if _, err := v.call("proxy_on_context_create", v.contextCreate, uint64(v.root), 0); err != nil {
		return nil, err
	}
	res, err := v.call("proxy_on_vm_start", v.vmStart, uint64(v.root), uint64(len(opts.VMConfig)))
	if err != nil {
		return nil, err
	}
	if uint32(res) == 1 {
		res, err = v.call("proxy_on_configure", v.configure, uint64(v.root), uint64(len(opts.PluginConfig)))
		if err != nil {
			return nil, err
		}
		v.Started = uint32(res) == 1
	}
	ok = true
	return v, nil
}

// Close releases the VM.
func (v *VM) Close() error { return v.rt.Close(v.ctx) }

// MemorySize is the module's linear memory in bytes (it never shrinks).
func (v *VM) MemorySize() uint64 { return uint64(v.mem.Size()) }

// Output is the tail of what the module wrote to stdout and stderr.
func (v *VM) Output() string {
	if v.stderr == nil {
		return ""
	}
	return v.stderr.String()
}

// Logs returns the newest messages logged at level (up to 256).
func (v *VM) Logs(level int) []string { return append([]string(nil), v.logs[level]...) }

// LogCount is how many messages were logged at level.
func (v *VM) LogCount(level int) int { return v.logCount[level] }

// Counter returns a metric's value and whether the module defined it.
func (v *VM) Counter(name string) (uint64, bool) {
	id, ok := v.metricIndex[name]
	if !ok {
		return 0, false
	}
	return v.metrics[id].value, true
}

// Metrics lists the metrics the module defined, by name.
func (v *VM) Metrics() map[string]uint64 {
	out := map[string]uint64{}
	for _, m := range v.metrics {
		out[m.name] = m.value
	}
	return out
}

// Unimplemented counts calls to host functions this host does not implement.
func (v *VM) Unimplemented() map[string]int { return v.unimplemented }

// Live is how many streams were created and not yet deleted.
func (v *VM) Live() int { return len(v.streams) }

// Pending lists the callouts not yet answered, oldest first.
func (v *VM) Pending() []*Callout {
	out := make([]*Callout, 0, len(v.pending))
	for _, id := range v.pending {
		out = append(out, v.callouts[id])
	}
	return out
}

// call runs an exported function with up to 8 parameters and returns its
// first result (0 if none).
func (v *VM) call(name string, fn api.Function, params ...uint64) (uint64, error) {
	stack := v.stack[:]
	copy(stack, params)
	if err := fn.CallWithStack(v.ctx, stack); err != nil {
		return 0, &Trap{Call: name, Err: err}
	}
	if len(fn.Definition().ResultTypes()) == 0 {
		return 0, nil
	}
	return stack[0], nil
}

// NewStream creates an HTTP context (proxy_on_context_create).
func (v *VM) NewStream() (*Stream, error) {
	s := &Stream{ID: v.nextID}
	v.nextID++
	v.streams[s.ID] = s
	v.effective = s.ID
	if _, err := v.call("proxy_on_context_create", v.contextCreate, uint64(s.ID), uint64(v.root)); err != nil {
		return s, err
	}
	return s, nil
}

// RequestHeaders delivers the request headers.
func (v *VM) RequestHeaders(s *Stream, headers [][2]string, endOfStream bool) (Action, error) {
	s.Request = headers
	v.effective = s.ID
	res, err := v.call("proxy_on_request_headers", v.requestHeaders, uint64(s.ID), uint64(len(headers)), flag(endOfStream))
	s.requestDone = true
	s.RequestAction = Action(res)
	return s.RequestAction, err
}

// ResponseHeaders delivers the response headers.
func (v *VM) ResponseHeaders(s *Stream, headers [][2]string, endOfStream bool) (Action, error) {
	s.Response = headers
	v.effective = s.ID
	res, err := v.call("proxy_on_response_headers", v.responseHeaders, uint64(s.ID), uint64(len(headers)), flag(endOfStream))
	s.ResponseAction = Action(res)
	return s.ResponseAction, err
}

// Finish ends a stream as Envoy does: proxy_on_done, proxy_on_log and
// proxy_on_delete.
func (v *VM) Finish(s *Stream) error {
	v.effective = s.ID
	if _, err := v.call("proxy_on_done", v.done, uint64(s.ID)); err != nil {
		return err
	}
	if _, err := v.call("proxy_on_log", v.log, uint64(s.ID)); err != nil {
		return err
	}
	if _, err := v.call("proxy_on_delete", v.del, uint64(s.ID)); err != nil {
		return err
	}
	s.deleted = true
	delete(v.streams, s.ID)
	return nil
}

// Answer delivers a callout's answer (proxy_on_http_call_response on the
// root context). A callout is answered at most once.
func (v *VM) Answer(c *Callout, a Answer) error {
	if c.answered {
		return fmt.Errorf("callout %d answered twice", c.ID)
	}
	c.answered = true
	for i, id := range v.pending {
		if id == c.ID {
			v.pending = append(v.pending[:i], v.pending[i+1:]...)
			break
		}
	}
	delete(v.callouts, c.ID)
	v.answer = &a
	v.effective = v.root
	_, err := v.call("proxy_on_http_call_response", v.callResponse, uint64(v.root), uint64(c.ID),
		uint64(len(a.Headers)), uint64(len(a.Body)), uint64(len(a.Trailers)))
	v.answer = nil
	return err
}

// Request runs one request through the per-request path: a new HTTP context,
// request headers, every callout it dispatches answered by answer (nil
// answers 200 with an empty body), response headers unless a local response
// ended the request, and done/log/delete.
func (v *VM) Request(request, response [][2]string, answer func(*Callout) Answer) (*Stream, error) {
	s, err := v.NewStream()
	if err != nil {
		return s, err
	}
	if _, err := v.RequestHeaders(s, request, len(v.Body) == 0); err != nil {
		return s, err
	}
	// Envoy calls proxy_on_request_body only when the module exports it
	// (proxy-wasm-cpp-host ContextBase::onRequestBody).
	for i, n := range v.Body {
		if v.body == nil {
			if v.body = v.mod.ExportedFunction("proxy_on_request_body"); v.body == nil {
				break
			}
		}
		if _, err := v.call("proxy_on_request_body", v.body, uint64(s.ID), uint64(n), flag(i == len(v.Body)-1)); err != nil {
			return s, err
		}
	}
	for len(v.pending) > 0 {
		c := v.callouts[v.pending[0]]
		a := Answer{Headers: [][2]string{{":status", "200"}}}
		if answer != nil {
			a = answer(c)
		}
		if err := v.Answer(c, a); err != nil {
			return s, err
		}
	}
	if s.LocalResponses == 0 {
		if _, err := v.ResponseHeaders(s, response, true); err != nil {
			return s, err
		}
	}
	return s, v.Finish(s)
}

func flag(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ---- guest memory ------------------------------------------------------------

func (v *VM) read(ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	return v.mem.Read(ptr, size)
}

func (v *VM) readString(ptr, size uint32) (string, bool) {
	b, ok := v.read(ptr, size)
	return string(b), ok
}

// give copies data into memory the module allocates and writes its address
// and size to the return pointers.
func (v *VM) give(data []byte, retPtr, retSize uint32) Status {
	if len(data) == 0 {
		if !v.mem.WriteUint32Le(retPtr, 0) || !v.mem.WriteUint32Le(retSize, 0) {
			return StatusBadArgument
		}
		return StatusOK
	}
	stack := []uint64{uint64(len(data))}
	if err := v.alloc.CallWithStack(v.ctx, stack); err != nil {
		return StatusInternalFailure
	}
	addr := uint32(stack[0])
	if !v.mem.Write(addr, data) || !v.mem.WriteUint32Le(retPtr, addr) || !v.mem.WriteUint32Le(retSize, uint32(len(data))) {
		return StatusBadArgument
	}
	return StatusOK
}

// SerializeMap encodes headers as the ABI's header map: a count, the sizes,
// then each key and value NUL-terminated.
func SerializeMap(hs [][2]string) []byte {
	size := 4
	for _, h := range hs {
		size += len(h[0]) + len(h[1]) + 10
	}
	b := make([]byte, 4, size)
	binary.LittleEndian.PutUint32(b, uint32(len(hs)))
	for _, h := range hs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h[1])))
	}
	for _, h := range hs {
		b = append(b, h[0]...)
		b = append(b, 0)
		b = append(b, h[1]...)
		b = append(b, 0)
	}
	return b
}

// DeserializeMap decodes the ABI's header map; malformed input is an error.
func DeserializeMap(b []byte) ([][2]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, errors.New("header map shorter than its count")
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > (len(b)-4)/8 {
		return nil, errors.New("header map count past its end")
	}
	sizes := b[4 : 4+8*n]
	data := b[4+8*n:]
	out := make([][2]string, n)
	for i := 0; i < n; i++ {
		for j := 0; j < 2; j++ {
			l := int(binary.LittleEndian.Uint32(sizes[8*i+4*j:]))
			if l+1 > len(data) || l < 0 {
				return nil, errors.New("header map entry past its end")
			}
			out[i][j] = string(data[:l])
			data = data[l+1:]
		}
	}
	return out, nil
}

// ---- host functions ----------------------------------------------------------

// headerMap returns the header map a call names, for the effective stream.
func (v *VM) headerMap(mapType uint32) (*[][2]string, bool) {
	switch mapType {
	case mapCallResponseHeaders:
		if v.answer == nil {
			return nil, false
		}
		return &v.answer.Headers, true
	case mapCallResponseTrailer:
		if v.answer == nil {
			return nil, false
		}
		return &v.answer.Trailers, true
	}
	s := v.streams[v.effective]
	if s == nil {
		return nil, false
	}
	switch mapType {
	case mapRequestHeaders:
		return &s.Request, true
	case mapResponseHeaders:
		return &s.Response, true
	}
	return nil, false
}

// headerPair reads the map, name and value of an add or replace call:
// (map type, name pointer, name size, value pointer, value size).
func (v *VM) headerPair(s []uint64) (*[][2]string, string, string, Status) {
	m, ok := v.headerMap(u32(s[0]))
	if !ok {
		return nil, "", "", StatusNotFound
	}
	key, ok1 := v.readString(u32(s[1]), u32(s[2]))
	val, ok2 := v.readString(u32(s[3]), u32(s[4]))
	if !ok1 || !ok2 {
		return nil, "", "", StatusBadArgument
	}
	return m, key, val, StatusOK
}

type hostFunc struct {
	params  []api.ValueType
	results []api.ValueType
	fn      func(stack []uint64) Status
}

func i32s(n int) []api.ValueType {
	out := make([]api.ValueType, n)
	for i := range out {
		out[i] = api.ValueTypeI32
	}
	return out
}

func u32(x uint64) uint32 { return uint32(x) }

func (v *VM) hostFuncs() map[string]hostFunc {
	f := func(n int, fn func(stack []uint64) Status) hostFunc {
		return hostFunc{params: i32s(n), results: i32s(1), fn: fn}
	}
	return map[string]hostFunc{
		"proxy_log": f(3, func(s []uint64) Status {
			level := u32(s[0])
			msg, ok := v.readString(u32(s[1]), u32(s[2]))
			if !ok {
				return StatusBadArgument
			}
			if level >= numLevels {
				level = LogCritical
			}
			v.logCount[level]++
			if len(v.logs[level]) == logKeep {
				copy(v.logs[level], v.logs[level][1:])
				v.logs[level] = v.logs[level][:logKeep-1]
			}
			v.logs[level] = append(v.logs[level], msg)
			return StatusOK
		}),
		"proxy_get_buffer_bytes": f(5, func(s []uint64) Status {
			var buf []byte
			switch u32(s[0]) {
			case bufferPluginConfig:
				buf = v.opts.PluginConfig
			case bufferVMConfiguration:
				buf = v.opts.VMConfig
			case bufferCallResponseBody:
				if v.answer == nil {
					return StatusNotFound
				}
				buf = v.answer.Body
			default:
				return StatusNotFound
			}
			start, max := int(u32(s[1])), int(u32(s[2]))
			if start > len(buf) {
				return StatusBadArgument
			}
			buf = buf[start:]
			if max < len(buf) {
				buf = buf[:max]
			}
			if len(buf) == 0 {
				return StatusNotFound
			}
			return v.give(buf, u32(s[3]), u32(s[4]))
		}),
		"proxy_set_buffer_bytes": f(5, func([]uint64) Status { return StatusNotFound }),
		"proxy_get_header_map_value": f(5, func(s []uint64) Status {
			m, ok := v.headerMap(u32(s[0]))
			if !ok {
				return StatusNotFound
			}
			key, ok := v.read(u32(s[1]), u32(s[2]))
			if !ok {
				return StatusBadArgument
			}
			for _, h := range *m {
				if h[0] == string(key) {
					return v.give([]byte(h[1]), u32(s[3]), u32(s[4]))
				}
			}
			return StatusNotFound
		}),
		"proxy_get_header_map_pairs": f(3, func(s []uint64) Status {
			m, ok := v.headerMap(u32(s[0]))
			if !ok {
				return StatusNotFound
			}
			return v.give(SerializeMap(*m), u32(s[1]), u32(s[2]))
		}),
		"proxy_set_header_map_pairs": f(3, func(s []uint64) Status {
			m, ok := v.headerMap(u32(s[0]))
			if !ok {
				return StatusNotFound
			}
			b, ok := v.read(u32(s[1]), u32(s[2]))
			if !ok {
				return StatusBadArgument
			}
			hs, err := DeserializeMap(b)
			if err != nil {
				return StatusBadArgument
			}
			*m = hs
			return StatusOK
		}),
		"proxy_add_header_map_value": f(5, func(s []uint64) Status {
			m, key, val, st := v.headerPair(s)
			if st != StatusOK {
				return st
			}
			*m = append(*m, [2]string{key, val})
			return StatusOK
		}),
		"proxy_replace_header_map_value": f(5, func(s []uint64) Status {
			m, key, val, st := v.headerPair(s)
			if st != StatusOK {
				return st
			}
			// Envoy's replace sets the first occurrence, drops the others,
			// and adds the header when it is absent.
			out := (*m)[:0:0]
			done := false
			for _, h := range *m {
				if h[0] != key {
					out = append(out, h)
				} else if !done {
					out = append(out, [2]string{key, val})
					done = true
				}
			}
			if !done {
				out = append(out, [2]string{key, val})
			}
			*m = out
			return StatusOK
		}),
		"proxy_remove_header_map_value": f(3, func(s []uint64) Status {
			m, ok := v.headerMap(u32(s[0]))
			if !ok {
				return StatusNotFound
			}
			key, ok := v.read(u32(s[1]), u32(s[2]))
			if !ok {
				return StatusBadArgument
			}
			out := (*m)[:0:0]
			for _, h := range *m {
				if h[0] != string(key) {
					out = append(out, h)
				}
			}
			*m = out
			return StatusOK
		}),
		"proxy_continue_stream": f(1, func(s []uint64) Status {
			st := v.streams[v.effective]
			if st == nil {
				return StatusNotFound
			}
			switch u32(s[0]) {
			case streamRequest:
				st.Resumed++
			case streamResponse:
				st.ResumedResponse++
			default:
				return StatusBadArgument
			}
			return StatusOK
		}),
		"proxy_close_stream": f(1, func([]uint64) Status {
			st := v.streams[v.effective]
			if st == nil {
				return StatusNotFound
			}
			st.Closed++
			return StatusOK
		}),
		"proxy_send_local_response": {params: i32s(8), results: i32s(1), fn: func(s []uint64) Status {
			st := v.streams[v.effective]
			if st == nil {
				return StatusNotFound
			}
			details, ok1 := v.readString(u32(s[1]), u32(s[2]))
			body, ok2 := v.read(u32(s[3]), u32(s[4]))
			hdrs, ok3 := v.read(u32(s[5]), u32(s[6]))
			if !ok1 || !ok2 || !ok3 {
				return StatusBadArgument
			}
			hs, err := DeserializeMap(hdrs)
			if err != nil {
				return StatusBadArgument
			}
			st.LocalResponses++
			st.Local = &LocalResponse{Status: u32(s[0]), Details: details, Body: bytes.Clone(body), Headers: hs, GRPC: int32(u32(s[7]))}
			return StatusOK
		}},
		"proxy_http_call": f(10, func(s []uint64) Status {
			upstream, ok1 := v.readString(u32(s[0]), u32(s[1]))
			hdrs, ok2 := v.read(u32(s[2]), u32(s[3]))
			body, ok3 := v.read(u32(s[4]), u32(s[5]))
			trl, ok4 := v.read(u32(s[6]), u32(s[7]))
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return StatusBadArgument
			}
			hs, err1 := DeserializeMap(hdrs)
			ts, err2 := DeserializeMap(trl)
			if err1 != nil || err2 != nil {
				return StatusBadArgument
			}
			if upstream == "" {
				return StatusBadArgument
			}
			c := &Callout{ID: v.nextCallout, Stream: v.effective, Upstream: upstream, Headers: hs,
				Body: bytes.Clone(body), Trailers: ts, TimeoutMS: u32(s[8])}
			if !v.mem.WriteUint32Le(u32(s[9]), c.ID) {
				return StatusBadArgument
			}
			v.nextCallout++
			v.callouts[c.ID] = c
			v.pending = append(v.pending, c.ID)
			if st := v.streams[v.effective]; st != nil {
				st.Callouts = append(st.Callouts, c.ID)
			}
			return StatusOK
		}),
		"proxy_set_effective_context": f(1, func(s []uint64) Status {
			id := u32(s[0])
			if id != v.root && v.streams[id] == nil {
				return StatusBadArgument
			}
			v.effective = id
			return StatusOK
		}),
		"proxy_done":                         f(0, func([]uint64) Status { return StatusOK }),
		"proxy_set_tick_period_milliseconds": f(1, func([]uint64) Status { return StatusOK }),
		"proxy_define_metric": f(4, func(s []uint64) Status {
			name, ok := v.readString(u32(s[1]), u32(s[2]))
			if !ok {
				return StatusBadArgument
			}
			id, seen := v.metricIndex[name]
			if !seen {
				id = uint32(len(v.metrics))
				v.metrics = append(v.metrics, metric{name: name, kind: u32(s[0])})
				v.metricIndex[name] = id
			}
			if !v.mem.WriteUint32Le(u32(s[3]), id) {
				return StatusBadArgument
			}
			return StatusOK
		}),
		"proxy_increment_metric": {params: []api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, results: i32s(1),
			fn: func(s []uint64) Status {
				id := u32(s[0])
				if int(id) >= len(v.metrics) {
					return StatusNotFound
				}
				v.metrics[id].value += s[1] // two's complement: a negative offset subtracts
				return StatusOK
			}},
		"proxy_record_metric": {params: []api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, results: i32s(1),
			fn: func(s []uint64) Status {
				id := u32(s[0])
				if int(id) >= len(v.metrics) {
					return StatusNotFound
				}
				v.metrics[id].value = s[1]
				return StatusOK
			}},
		"proxy_get_metric": f(2, func(s []uint64) Status {
			id := u32(s[0])
			if int(id) >= len(v.metrics) {
				return StatusNotFound
			}
			if !v.mem.WriteUint64Le(u32(s[1]), v.metrics[id].value) {
				return StatusBadArgument
			}
			return StatusOK
		}),
		"proxy_get_property": f(4, func([]uint64) Status { return StatusNotFound }),
	}
}

// exportEnv defines the "env" host module with every function the module
// imports from it: the implemented ones, and stubs answering Unimplemented
// (with the module's own signature) for the rest.
func (v *VM) exportEnv(compiled wazero.CompiledModule) error {
	impl := v.hostFuncs()
	b := v.rt.NewHostModuleBuilder("env")
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod != "env" {
			continue
		}
		hf, ok := impl[name]
		if ok && !sameTypes(hf.params, def.ParamTypes()) {
			return fmt.Errorf("env.%s: module declares params %v, host has %v", name, def.ParamTypes(), hf.params)
		}
		if !ok {
			name := name
			nres := len(def.ResultTypes())
			hf = hostFunc{params: def.ParamTypes(), results: def.ResultTypes(), fn: func([]uint64) Status {
				v.unimplemented[name]++
				return StatusUnimplemented
			}}
			if nres == 0 {
				hf.results = nil
			}
		}
		fn := hf.fn
		nres := len(hf.results)
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
				st := fn(stack)
				if nres > 0 {
					stack[0] = uint64(st)
				}
			}), hf.params, hf.results).
			Export(name)
	}
	_, err := b.Instantiate(v.ctx)
	return err
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Clone(string(t.buf))
}
