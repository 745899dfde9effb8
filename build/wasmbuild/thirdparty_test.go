package wasmbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/envoyabi"
	"github.com/meshwasm/meshwasm/build/wasmedit"
)

const testTag = "meshwasm_test_tag"

// build builds dir with opts and returns the module and the build's notes.
func build(t *testing.T, dir string, opts Options) ([]byte, string, error) {
	t.Helper()
	var log bytes.Buffer
	opts.Dir, opts.Output, opts.Log = dir, filepath.Join(t.TempDir(), "plugin.wasm"), &log
	if err := Build(context.Background(), opts); err != nil {
		return nil, log.String(), err
	}
	module, err := os.ReadFile(opts.Output)
	require.NoError(t, err)
	return module, log.String(), nil
}

func imports(t *testing.T, module []byte) []string {
	t.Helper()
	list, err := wasmedit.Imports(module)
	require.NoError(t, err)
	var names []string
	for _, imp := range list {
		names = append(names, imp.String())
	}
	return names
}

func TestBuild_Tags(t *testing.T) {
	_, _, err := build(t, "testdata/tagged", Options{})
	require.ErrorContains(t, err, "undefined: mode", "the filter needs its tag")

	_, _, err = build(t, "testdata/tagged", Options{Tags: []string{testTag}})
	require.NoError(t, err)

	_, _, err = build(t, "testdata/tagged", Options{Tags: []string{"a b"}})
	require.ErrorContains(t, err, `build tag "a b": want a name`)
}

// A module for the oldest supported Envoy imports only what that Envoy's
// host provides; the standard library's other WASI imports are stubbed, and
// the build names them. A newer target keeps them as imports.
func TestBuild_EnvoyTarget(t *testing.T) {
	oldest := envoyabi.Imports(envoyabi.MustParse(envoyabi.Oldest))
	module, log, err := build(t, "testdata/tagged", Options{Tags: []string{testTag}})
	require.NoError(t, err)
	for _, imp := range imports(t, module) {
		require.Contains(t, oldest, imp)
	}
	// The body method is declared in the tagged file only: the callback
	// scan must see the files the build compiles.
	require.True(t, exportNames(t, module)["proxy_on_request_body"], "a tagged file's body method keeps its export")
	lines := strings.Split(strings.TrimSpace(log), "\n")
	require.Len(t, lines, 1, log)
	require.Regexp(t, `^stubbed for Envoy 1\.33 \(return ENOSYS\): (wasi_snapshot_preview1\.[a-z_]+, )*wasi_snapshot_preview1\.fd_filestat_get(, wasi_snapshot_preview1\.[a-z_]+)*$`, lines[0])

	again, _, err := build(t, "testdata/tagged", Options{Tags: []string{testTag}})
	require.NoError(t, err)
	require.Equal(t, module, again, "stubbed builds are reproducible too")

	stubbed := regexp.MustCompile(`wasi_snapshot_preview1\.[a-z_]+`).FindAllString(lines[0], -1)
	newer, log, err := build(t, "testdata/tagged", Options{Tags: []string{testTag}, Envoy: "1.38"})
	require.NoError(t, err)
	require.NotContains(t, log, "stubbed")
	got := imports(t, newer)
	for _, name := range stubbed {
		require.Contains(t, got, name, "Envoy 1.38 provides it: the import stays")
	}
	require.True(t, slices.ContainsFunc(got, func(s string) bool { return !slices.Contains(oldest, s) }))

	_, _, err = build(t, "testdata/tagged", Options{Tags: []string{testTag}, Envoy: "1.32"})
	require.ErrorContains(t, err, "standard-Go modules need Envoy >= 1.33")
}

// A filter's own go.work that cannot load does not stop the build of its
// module, and the build says so in one line.
func TestBuild_OwnWorkspaceCannotLoad(t *testing.T) {
	module, log, err := build(t, "testdata/ownwork", Options{})
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(module, []byte("\x00asm")))
	abs, err := filepath.Abs("testdata/ownwork/go.work")
	require.NoError(t, err)
	require.Equal(t, "ownwork: "+abs+" cannot load (go: cannot load module e2e listed in go.work file: open e2e/go.mod: no such file or directory); building the module on its own (GOWORK=off)\n", log)
}

// Every module starts in every host: "_start" and "_initialize" name the same
// function.
func TestBuild_StartExports(t *testing.T) {
	module, _, err := build(t, "testdata/good", Options{})
	require.NoError(t, err)
	_, err = wasmedit.AddStart(module)
	require.ErrorContains(t, err, "already exports _start")
}
