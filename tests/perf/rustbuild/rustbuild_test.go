package rustbuild

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// The twins are the module crates of tests/perf/rust, each named after the Go
// module it mirrors; the ABI and configuration crates are not twins.
func TestTwins(t *testing.T) {
	root, err := workload.Root()
	require.NoError(t, err)
	got, err := Twins(root)
	require.NoError(t, err)
	require.Equal(t, []string{"addheader", "noop", "regexrepl"}, got)
	for _, name := range got {
		_, err := workload.Get(root, name)
		require.NoError(t, err, "twin %s has a Go module", name)
	}

	empty := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(Dir(empty), "lib"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(Dir(empty), "lib", "Cargo.toml"), []byte("[lib]\npath = \"src/lib.rs\"\n"), 0o644))
	_, err = Twins(empty)
	require.ErrorContains(t, err, "no module crates")
}

// Without Debian's toolchain, the build fails with one line that names the
// packages to install and what is missing.
func TestCheck_Missing(t *testing.T) {
	cargo := filepath.Join(t.TempDir(), "cargo")
	err := Check(context.Background(), cargo)
	require.Error(t, err)
	msg := err.Error()
	require.NotContains(t, msg, "\n")
	require.Contains(t, msg, "apt-get install cargo libstd-rust-dev-wasm32 librust-regex-dev librust-serde-json-dev")
	require.Contains(t, msg, "missing: "+cargo+", "+filepath.Join(filepath.Dir(cargo), "rustc"))

	_, err = Build(context.Background(), t.TempDir(), cargo, t.TempDir())
	require.ErrorContains(t, err, "apt-get install cargo")
}
