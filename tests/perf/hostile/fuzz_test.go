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

	"github.com/meshwasm/meshwasm/tests/perf/host"
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
	vms map[string]*host.VM
}{vms: map[string]*host.VM{}}

func fuzzVM(t testing.TB, f workload.Filter, module []byte) *host.VM {
	fuzzVMs.Lock()
	defer fuzzVMs.Unlock()
	if vm := fuzzVMs.vms[f.Name]; vm != nil {
		return vm
	}
	vm, err := host.New(context.Background(), module, host.Options{PluginConfig: f.Config, Cache: fuzzCache})
	require.NoError(t, err)
	require.True(t, vm.Started, "plugin refused its configuration: %v", vm.Logs(host.LogError))
	fuzzVMs.vms[f.Name] = vm
	return vm
}

func dropFuzzVM(name string) {
	fuzzVMs.Lock()
	defer fuzzVMs.Unlock()
	if vm := fuzzVMs.vms[name]; vm != nil {
		vm.Close()
		delete(fuzzVMs.vms, name)
	}
}

// FuzzHostile_Request sends one arbitrary request through every shipped
// filter compiled to wasm, with its workload configuration; httpcallout's
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
	for _, name := range workload.Known {
		filters[name], modules[name] = filterModule(f, name)
		fuzzVM(f, filters[name], modules[name])
	}
	f.Fuzz(func(t *testing.T, path, name, value, status, answerName, answerValue string, body []byte) {
		answer := host.Answer{Body: body}
		if status != "" {
			answer.Headers = append(answer.Headers, [2]string{":status", status})
		}
		if answerName != "" {
			answer.Headers = append(answer.Headers, [2]string{strings.ToLower(answerName), answerValue})
		}
		for _, filterName := range workload.Known {
			t.Run(filterName, func(t *testing.T) {
				f := filters[filterName]
				vm := fuzzVM(t, f, modules[filterName])
				t.Cleanup(func() {
					if t.Failed() {
						dropFuzzVM(filterName)
					}
				})
				f.Answer = func(*host.Callout) host.Answer { return answer }
				req := with(f.Request, ":path", path)
				if name != "" {
					req = append(req, [2]string{strings.ToLower(name), value})
				}
				send(t, vm, f, req, with(f.Response, "x-upstream", value))
				require.Zero(t, vm.Live(), "streams left behind")
			})
		}
	})
}
