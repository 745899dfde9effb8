package proxyhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Options configure a VM.
type Options struct {
	// VMConfig is the VM configuration (Envoy's vm_config.configuration).
	VMConfig []byte
	// Env is the module's environment (Envoy's vm_config.environment_variables,
	// Istio's WasmPlugin vmConfig.env), e.g. GOGC.
	Env map[string]string
	// Cache shares compiled code between VMs of one process.
	Cache wazero.CompilationCache
	// Stderr receives the module's stdout and stderr (the Go runtime writes
	// fatal errors there). Nil keeps the last 64 KiB for Output.
	Stderr io.Writer
	// Log receives every proxy_log line (nil: kept for Logs only). It runs
	// with the VM locked.
	Log func(LogEntry)
	// Clusters says whether a cluster exists, as Envoy's cluster manager
	// does for proxy_http_call (nil: every cluster exists).
	Clusters func(name string) bool
	// Dispatch starts a callout the module asked for. It runs with the VM
	// locked and must not call the VM: the answer comes later, from any
	// goroutine, through Answer or Reset. An error is a request that could
	// not be started (proxy_http_call then answers InternalFailure). Nil
	// starts nothing: the caller answers what Pending lists (which holds
	// every callout not yet answered, dispatched or not).
	Dispatch func(*Callout) error
}

// Trap is a module call that did not return: a wasm trap, or the Go runtime
// exiting. The VM is failed afterwards: every later call returns the trap
// (proxy-wasm-cpp-host marks the WasmBase failed, FailState::RuntimeError).
type Trap struct {
	Call string
	Err  error
}

func (t *Trap) Error() string { return fmt.Sprintf("%s trapped: %v", t.Call, t.Err) }
func (t *Trap) Unwrap() error { return t.Err }

// VM is one instance of a module.
type VM struct {
	mu   sync.Mutex
	ctx  context.Context
	rt   wazero.Runtime
	mod  api.Module
	mem  api.Memory
	opts Options
	ex   exports

	stack [8]uint64

	// nextContextID allocates context IDs for roots and streams from one
	// sequence (WasmBase::allocContextId).
	nextContextID uint32
	roots         map[uint32]*Root
	rootList      []*Root
	streams       map[uint32]*Stream

	// current is the context whose callback runs; effective is the one the
	// module chose with proxy_set_effective_context during it (0: none).
	// proxy-wasm-cpp-host's contextOrEffectiveContext resolves host calls
	// to the effective context when set, else the current one.
	current, effective uint32
	// after holds what Envoy defers until the module call returns
	// (WasmBase::addAfterVmCallAction): local replies.
	after []func() error
	depth int

	pending []*Callout // dispatched, not yet answered, in order

	logs    logStore
	metrics metricStore

	unimplemented map[string]int
	outOfPhase    map[string]int
	stderr        *tailBuffer
	failed        error
}

// Compile compiles a module once for many VMs sharing cache.
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

// New instantiates module and starts it: `_initialize` when the module
// exports it (a WASI reactor, which is what Go's c-shared build makes), else
// `_start` (WasmBase::startVm). No root context exists yet: NewRoot starts
// one. A module that fails to load or traps is an error.
func New(ctx context.Context, module []byte, opts Options) (*VM, error) {
	v := &VM{
		ctx:           ctx,
		opts:          opts,
		nextContextID: 1,
		roots:         map[uint32]*Root{},
		streams:       map[uint32]*Stream{},
		metrics:       newMetricStore(),
		unimplemented: map[string]int{},
		outOfPhase:    map[string]int{},
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
	if err := v.instantiateEnv(compiled); err != nil {
		return nil, err
	}
	v.mod, err = v.rt.InstantiateModule(ctx, compiled, v.moduleConfig())
	if err != nil {
		return nil, fmt.Errorf("instantiating module: %w", err)
	}
	v.mem = v.mod.Memory()
	if err := v.ex.bind(v.mod); err != nil {
		return nil, err
	}
	for _, start := range []string{"_initialize", "_start"} {
		if fn := v.mod.ExportedFunction(start); fn != nil {
			if _, err := v.call(start, fn, 0); err != nil {
				return nil, err
			}
			break
		}
	}
	ok = true
	return v, nil
}

// Close releases the VM.
func (v *VM) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.rt.Close(v.ctx)
}

// Failed returns the trap that failed the VM, or nil.
func (v *VM) Failed() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.failed
}

// MemorySize is the module's linear memory in bytes (it never shrinks).
func (v *VM) MemorySize() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return uint64(v.mem.Size())
}

// Output is the tail of what the module wrote to stdout and stderr (empty
// when Options.Stderr took it).
func (v *VM) Output() string {
	if v.stderr == nil {
		return ""
	}
	return v.stderr.String()
}

// Unimplemented counts calls to host functions this host does not implement.
func (v *VM) Unimplemented() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.unimplemented))
	for k, n := range v.unimplemented {
		out[k] = n
	}
	return out
}

// OutOfPhase counts the module's reads and writes of a header map or buffer
// that Envoy would not have given it at that moment (request headers after
// the request continued, the plugin configuration outside configure, a
// callout's answer outside its callback...), by what was asked for. In
// Envoy those calls fail the same way; a filter that makes them loses
// whatever it meant to do.
func (v *VM) OutOfPhase() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.outOfPhase))
	for k, n := range v.outOfPhase {
		out[k] = n
	}
	return out
}

// Live is how many streams were created and not yet ended.
func (v *VM) Live() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.streams)
}

// errFailed wraps the trap a failed VM returns for every later call.
var errFailed = errors.New("the VM failed earlier")

// call runs an exported function with up to 8 parameters on behalf of the
// context current (0 for none) and returns its first result (0 if none).
// When the outermost call returns, the actions it deferred run
// (DeferAfterCallActions in proxy-wasm-cpp-host).
func (v *VM) call(name string, fn api.Function, current uint32, params ...uint64) (uint64, error) {
	if v.failed != nil {
		return 0, fmt.Errorf("%s: %w: %w", name, errFailed, v.failed)
	}
	prevCurrent, prevEffective := v.current, v.effective
	v.current, v.effective = current, 0
	v.depth++
	stack := v.stack[:]
	copy(stack, params)
	err := fn.CallWithStack(v.ctx, stack)
	v.depth--
	v.current, v.effective = prevCurrent, prevEffective
	if err != nil {
		v.failed = &Trap{Call: name, Err: err}
		v.after = nil
		return 0, v.failed
	}
	var res uint64
	if len(fn.Definition().ResultTypes()) > 0 {
		res = stack[0]
	}
	if v.depth == 0 {
		for len(v.after) > 0 {
			next := v.after[0]
			v.after = v.after[1:]
			if err := next(); err != nil {
				v.after = nil
				return res, err
			}
		}
	}
	return res, nil
}

// context resolves the context a host call acts on
// (proxy-wasm-cpp-host contextOrEffectiveContext): the effective context
// when the module set one that still exists, else the current one.
func (v *VM) context() (*Root, *Stream) {
	id := v.current
	if v.effective != 0 {
		if v.roots[v.effective] != nil || v.streams[v.effective] != nil {
			id = v.effective
		}
	}
	if r := v.roots[id]; r != nil {
		return r, nil
	}
	if s := v.streams[id]; s != nil {
		return s.Root, s
	}
	return nil, nil
}

func (v *VM) allocContextID() uint32 {
	for {
		id := v.nextContextID
		v.nextContextID++
		if id != 0 && v.roots[id] == nil && v.streams[id] == nil {
			return id
		}
	}
}

func flag(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
