// Package migration proves that a filter written for TinyGo in the style of
// the public tutorials builds unchanged with `meshwasm build` and standard Go,
// from a directory outside this repository.
package migration

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/wasmtest"
)

// meshwasm builds the command once into dir and returns its path.
func meshwasm(t *testing.T, dir string) string {
	bin := filepath.Join(dir, "meshwasm")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/meshwasm/meshwasm/build/cmd/meshwasm").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// copyDir copies the flat directory src to dst.
func copyDir(t *testing.T, src, dst string) {
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dst, 0o755))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
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

	vm, err := wasmtest.NewVM(wasm)
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
