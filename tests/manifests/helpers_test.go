// Package manifests validates every deployment file meshwasm ships or
// generates against the real schemas (Istio's WasmPlugin, Envoy's bootstrap),
// checks every filter's image, and round-trips it through a real OCI
// registry. It is a module of its own so that the heavy schema packages stay
// out of the filters and the build tooling.
package manifests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const root = "../.."

// meshwasmBin is the meshwasm command, built once by TestMain, so that the
// tests drive the same program the Makefile does.
var meshwasmBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meshwasm-manifests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	meshwasmBin = filepath.Join(dir, "meshwasm")
	out, err := exec.Command("go", "build", "-o", meshwasmBin, "github.com/meshwasm/meshwasm/cmd/meshwasm").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building meshwasm: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// eachFilter runs fn as a subtest for every directory under filters/, found
// afresh each run so that a new filter is tested without an edit here. A
// directory without a main.go is not a filter yet (someone is still writing
// it) and is skipped, saying so; any other must ship everything a filter
// ships, so a missing envoy.yaml or wasmplugin.yaml fails.
func eachFilter(t *testing.T, fn func(t *testing.T, name string)) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "filters"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var ready int
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(filterDir(name), "main.go")); err == nil {
			ready++
		}
	}
	require.NotZero(t, ready, "no filter under filters/ has a main.go")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(filterDir(name), "main.go")); err != nil {
				t.Skipf("filters/%s has no main.go yet: not a filter until it does", name)
			}
			fn(t, name)
		})
	}
}

func filterDir(name string) string { return filepath.Join(root, "filters", name) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "every filter ships %s", filepath.Base(path))
	return b
}

// meshwasm runs the meshwasm command and returns its output.
func meshwasm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(meshwasmBin, args...).CombinedOutput()
	require.NoError(t, err, "meshwasm %s\n%s", strings.Join(args, " "), out)
	return string(out)
}

var noSkopeo sync.Once

// skopeo runs skopeo when it is installed: a second, independent client of
// the formats meshwasm writes. It is optional; the checks it adds are skipped
// without it.
func skopeo(t *testing.T, args ...string) ([]byte, bool) {
	t.Helper()
	bin, err := exec.LookPath("skopeo")
	if err != nil {
		noSkopeo.Do(func() { t.Log("skopeo not installed: its cross-checks are skipped") })
		return nil, false
	}
	out, err := exec.Command(bin, args...).Output()
	var stderr []byte
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "skopeo %s\n%s", strings.Join(args, " "), stderr)
	return out, true
}
