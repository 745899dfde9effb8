package hostile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// fuzzCache keeps compiled modules on disk: the fuzzing engine's worker
// processes would otherwise each compile every module again.
var fuzzCache = func() wazero.CompilationCache {
	c, err := wazero.NewCompilationCacheWithDir(filepath.Join(os.TempDir(), "meshwasm-hostile-wazero"))
	if err != nil {
		return wazero.NewCompilationCache()
	}
	return c
}()

// fuzzVMs keeps one VM per filter for a fuzzing process: creating one costs
// far more than a request. A VM whose request failed is dropped, so a trap
// cannot poison the inputs the fuzzer tries next (or its minimization).
var fuzzVMs = struct {
	sync.Mutex
	vms   map[string]*proxyhost.VM
	roots map[string]*proxyhost.Root
}{vms: map[string]*proxyhost.VM{}, roots: map[string]*proxyhost.Root{}}

func fuzzVM(t testing.TB, f workload.Filter, module []byte) (*proxyhost.VM, *proxyhost.Root) {
	fuzzVMs.Lock()
	defer fuzzVMs.Unlock()
	if vm := fuzzVMs.vms[f.Name]; vm != nil {
		return vm, fuzzVMs.roots[f.Name]
	}
	vm, root, err := proxyhost.Start(context.Background(), module, proxyhost.Options{Cache: fuzzCache}, "", f.Config)
	require.NoError(t, err)
	require.True(t, root.Started, "plugin refused its configuration: %v", vm.Logs(proxyhost.LogError))
	fuzzVMs.vms[f.Name] = vm
	fuzzVMs.roots[f.Name] = root
	return vm, root
}

func dropFuzzVM(name string) {
	fuzzVMs.Lock()
	defer fuzzVMs.Unlock()
	if vm := fuzzVMs.vms[name]; vm != nil {
		vm.Close()
		delete(fuzzVMs.vms, name)
		delete(fuzzVMs.roots, name)
	}
}

// FuzzHostile_Request sends one arbitrary request through every filter under
// filters/ compiled to wasm, with its workload configuration; httpcallout's
// callout gets an arbitrary answer. The checks are the suite's: no trap, the
// request ends exactly once, no CR, LF or NUL the client did not send, no
// stream left behind. The filters' own fuzzers run natively; this one runs
// the modules Envoy loads.
func FuzzHostile_Request(f *testing.F) {
	f.Add("/banana/123?color=yellow", "x-custom", "v", "200", "x-user", "alice", []byte(`{"result": {"allow": true}}`))
	f.Add("", "authorization", "Bearer \r\nx-injected: 1", "403", "www-authenticate", "Basic\x00", []byte("denied"))
	f.Add("/\xff\xfe", ":authority", "\x00", "", "", "", []byte(nil))
	f.Add("*", "x-debug-token", strings.Repeat("a", 9000), "503", "x-user", "bob\nx: y", []byte("{"))
	f.Add("banana", "X-Upper", "é", "099", ":status", "200", []byte{0xff})
	// Build the modules and start their VMs before fuzzing: the fuzzing
	// engine treats an input that runs for 10 seconds as a hang, and a first
	// build takes about that long.
	filters := map[string]workload.Filter{}
	modules := map[string][]byte{}
	var names []string
	for _, sf := range shipped(f) {
		filters[sf.Name], modules[sf.Name] = sf, wasmtest.Module(f, sf.Dir)
		fuzzVM(f, filters[sf.Name], modules[sf.Name])
		names = append(names, sf.Name)
	}
	f.Fuzz(func(t *testing.T, path, name, value, status, answerName, answerValue string, body []byte) {
		answer := proxyhost.Answer{Body: body}
		if status != "" {
			answer.Headers = append(answer.Headers, [2]string{":status", status})
		}
		if answerName != "" {
			answer.Headers = append(answer.Headers, [2]string{strings.ToLower(answerName), answerValue})
		}
		for _, filterName := range names {
			t.Run(filterName, func(t *testing.T) {
				f := filters[filterName]
				vm, root := fuzzVM(t, f, modules[filterName])
				t.Cleanup(func() {
					if t.Failed() {
						dropFuzzVM(filterName)
					}
				})
				f.Answer = func(*proxyhost.Callout) proxyhost.Answer { return answer }
				req := with(f.Request, ":path", path)
				if name != "" {
					req = append(req, [2]string{strings.ToLower(name), value})
				}
				send(t, vm, root, f, req, with(f.Response, "x-upstream", value))
				require.Zero(t, vm.Live(), "streams left behind")
			})
		}
	})
}
