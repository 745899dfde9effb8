// Package migration proves that filters written for TinyGo build unchanged
// with `meshwasm build` and standard Go, from a directory outside this
// repository: one in the style of the public tutorials, and one shaped like
// the large public filters, whose own test suite must pass against the
// module as built.
package migration

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// meshwasm builds the command once into dir and returns its path.
func meshwasm(t *testing.T, dir string) string {
	bin := filepath.Join(dir, "meshwasm")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/meshwasm/meshwasm/cmd/meshwasm").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// copyDir copies the directory tree src to dst.
func copyDir(t *testing.T, src, dst string) {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	require.NoError(t, err)
}

func TestMigration_TutorialFilterBuildsUnchanged(t *testing.T) {
	work := t.TempDir()
	bin := meshwasm(t, work)
	filter := filepath.Join(work, "myfilter")
	copyDir(t, "testdata/tutorial", filter)

	module := filepath.Join(work, "plugin.wasm")
	cmd := exec.Command(bin, "build", filter, "-o", module)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "wasm")

	wasm, err := os.ReadFile(module)
	require.NoError(t, err)
	wasmtest.CheckABI(t, wasm)

	vm, err := proxytest.NewWasmVMContext(wasm)
	require.NoError(t, err)
	defer vm.Close()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).
		WithPluginConfiguration([]byte(`{"x-migrated": "yes", "x-toolchain": "go"}`))
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin(), "main() registered the VM context")
	require.Contains(t, host.GetInfoLogs(), "plugin 1 will add 2 headers")

	id := host.InitializeHttpContext()
	require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false))
	got := host.GetCurrentResponseHeaders(id)
	require.Contains(t, got, [2]string{"x-migrated", "yes"})
	require.Contains(t, got, [2]string{"x-toolchain", "go"})
}

// The wafish fixture is shaped like the large public filters: its VM context
// registered in main, a build tag that changes behaviour, its own go.work
// naming a module the copy lacks, a dependency that imports net/http and os,
// and its own vmTest suite, which loads build/main.wasm with
// proxytest.NewWasmVMContext exactly as the SDK's examples do. Built with the
// documented command, its suite passes unmodified, natively and in wasm.
func TestMigration_ThirdPartyFilterSuitePasses(t *testing.T) {
	work := t.TempDir()
	bin := meshwasm(t, work)
	filter := filepath.Join(work, "wafish")
	copyDir(t, "testdata/wafish", filter)

	cmd := exec.Command(bin, "build", "-tags", "wafish_block", ".", "-o", "build/main.wasm")
	cmd.Dir = filter
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "wafish: "+filepath.Join(filter, "go.work")+" cannot load (go: cannot load module ftw listed in go.work file")
	require.Contains(t, string(out), "; building the module on its own (GOWORK=off)\n")
	require.Regexp(t, `(?m)^stubbed for Envoy 1\.33 \(return ENOSYS\): .*wasi_snapshot_preview1\.fd_filestat_get`, string(out))

	wasm, err := os.ReadFile(filepath.Join(filter, "build", "main.wasm"))
	require.NoError(t, err)
	// Only functions of the Envoy 1.33 list, although the filter links os
	// and net/http.
	wasmtest.CheckABI(t, wasm)

	goTest := func(args ...string) (string, error) {
		cmd := exec.Command("go", append([]string{"test", "-count=1", "-v"}, args...)...)
		cmd.Dir = filter
		cmd.Env = append(os.Environ(), "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	suite, err := goTest("-tags", "wafish_block", "./...")
	require.NoError(t, err, suite)
	for _, name := range []string{"TestOnPluginStart", "TestInvalidRules", "TestIncludeUnavailable", "TestOnHttpRequestHeaders"} {
		require.Contains(t, suite, "--- PASS: "+name+"/go ")
		require.Contains(t, suite, "--- PASS: "+name+"/wasm ", "the suite ran against the built module")
	}
	require.NotContains(t, suite, "--- SKIP")

	// Without its tag the filter only logs what it detects: the suite sees it.
	untagged, err := goTest("-run", "TestOnHttpRequestHeaders", ".")
	require.Error(t, err, untagged)
	require.Contains(t, untagged, "--- FAIL: TestOnHttpRequestHeaders/go/attack_is_denied")
}

func TestMigration_ErrorsAreOneLine(t *testing.T) {
	work := t.TempDir()
	bin := meshwasm(t, work)
	filter := filepath.Join(work, "nomain")
	require.NoError(t, os.MkdirAll(filter, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(filter, "go.mod"), []byte("module example.com/nomain\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(filter, "lib.go"), []byte("package lib\n"), 0o644))

	cmd := exec.Command(bin, "build", filter, "-o", filepath.Join(work, "x.wasm"))
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Equal(t, "meshwasm build: "+filter+": package lib is not a main package (a filter is built from package main)\n", string(out))
}
