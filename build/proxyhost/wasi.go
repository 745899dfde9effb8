package proxyhost

import (
	"crypto/rand"
	"sort"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
)

// moduleConfig is the WASI side of the module (wazero's
// wasi_snapshot_preview1 provides the functions): the environment Envoy
// passes from vm_config.environment_variables, real clocks and sleep, a
// cryptographic random source, and stdout/stderr to Options.Stderr or a
// 64 KiB tail kept for Output. No start function runs at instantiation: New
// calls `_initialize` or `_start` itself, as WasmBase::startVm does.
func (v *VM) moduleConfig() wazero.ModuleConfig {
	out := v.opts.Stderr
	if out == nil {
		v.stderr = &tailBuffer{max: 64 << 10}
		out = v.stderr
	}
	mc := wazero.NewModuleConfig().
		WithStartFunctions().
		WithStdout(out).WithStderr(out).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	keys := make([]string, 0, len(v.opts.Env))
	for k := range v.opts.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mc = mc.WithEnv(k, v.opts.Env[k])
	}
	return mc
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
