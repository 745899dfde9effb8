// Package manifests validates every deployment file meshwasm ships or
// generates against the real schemas (Istio's WasmPlugin, Envoy's bootstrap),
// and round-trips every filter's image through a real OCI registry. It is a
// module of its own so that the heavy schema packages stay out of the filters
// and the build tooling.
package manifests

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

const root = "../.."

// filters lists the filter directories: every filters/<name>/ with a main.go.
func filters(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join(root, "filters", "*", "main.go"))
	require.NoError(t, err)
	var names []string
	for _, m := range mains {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(names)
	require.NotEmpty(t, names, "no filters found")
	return names
}

func filterDir(name string) string { return filepath.Join(root, "filters", name) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "every filter ships %s", filepath.Base(path))
	return b
}
