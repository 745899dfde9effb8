package scaffold

import (
	"context"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateName(t *testing.T) {
	for _, name := range []string{"demo", "a", "ratelimit2", "x9y"} {
		require.NoError(t, ValidateName(name), name)
	}
	for _, name := range []string{"", "Demo", "2fa", "rate-limit", "rate_limit", "a b", "../x", "déjà", "demo\n"} {
		require.Error(t, ValidateName(name), "%q", name)
	}
}

// Every Go file of the template must come out gofmt-clean whatever the
// name's length, and every file must be filled in.
func TestRender(t *testing.T) {
	for _, name := range []string{"a", "demo", "averyveryverylongfiltername0"} {
		files, err := Render(name)
		require.NoError(t, err)
		for _, f := range []string{"main.go", "config.go", "main_test.go", "fuzz_test.go", "README.md", "wasmplugin.yaml", "envoy.yaml"} {
			require.Contains(t, files, f)
		}
		for f, b := range files {
			require.NotContains(t, string(b), "[[", f)
			require.NotContains(t, string(b), "]]", f)
			if !strings.HasSuffix(f, ".go") {
				continue
			}
			formatted, err := format.Source(b)
			require.NoError(t, err, f)
			require.Equal(t, string(formatted), string(b), "%s for %q is not gofmt-clean", f, name)
		}
		title := strings.ToUpper(name[:1]) + name[1:]
		require.Contains(t, string(files["main_test.go"]), "func Benchmark"+title+"_Request(b *testing.B)")
		require.Contains(t, string(files["main.go"]), `"`+name+`.responses_changed"`)
	}
	_, err := Render("Bad")
	require.Error(t, err)
}

// fakeRoot makes a repository root holding the modules a new filter
// requires (links to this repository's), an existing filter and a Makefile:
// enough for New with NoWorkspace.
func fakeRoot(t *testing.T) string {
	root := t.TempDir()
	for _, m := range localModules {
		require.NoError(t, os.Symlink(filepath.Join(repoRoot(t), m), filepath.Join(root, m)))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "filters", "addheader"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "Makefile"), []byte("all: $(FILTERS)\n\ntest:\n\tgo test ./...\n"), 0o644))
	return root
}

func TestNew_Files(t *testing.T) {
	root := fakeRoot(t)
	require.NoError(t, New(context.Background(), Options{Root: root, Name: "demo", NoWorkspace: true}))
	dir := filepath.Join(root, "filters", "demo")
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(gomod), "module github.com/meshwasm/meshwasm/filters/demo\n"), string(gomod))
	require.Contains(t, string(gomod), "\ngo 1.26\n")
	require.Contains(t, string(gomod), "github.com/meshwasm/meshwasm/build => ../../build")
	require.Contains(t, string(gomod), "github.com/meshwasm/meshwasm/pkg => ../../pkg")
	require.Contains(t, string(gomod), "github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0")
	require.Contains(t, string(gomod), "github.com/stretchr/testify v")
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	require.NoError(t, err)
	require.Contains(t, string(sum), "github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0 h1:")
	rendered, err := Render("demo")
	require.NoError(t, err)
	for f, want := range rendered {
		got, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), f)
	}
}

func TestNew_Refuses(t *testing.T) {
	root := fakeRoot(t)
	ctx := context.Background()
	require.NoError(t, New(ctx, Options{Root: root, Name: "demo", NoWorkspace: true}))
	main := filepath.Join(root, "filters", "demo", "main.go")
	before, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(before, "// edited\n"...), 0o644))

	err = New(ctx, Options{Root: root, Name: "demo", NoWorkspace: true})
	require.ErrorContains(t, err, "already exists")
	after, _ := os.ReadFile(main)
	require.Contains(t, string(after), "// edited", "an existing filter is left alone")

	require.ErrorContains(t, New(ctx, Options{Root: root, Name: "addheader", NoWorkspace: true}), "already exists")
	require.ErrorContains(t, New(ctx, Options{Root: root, Name: "test", NoWorkspace: true}), "make target")
	require.ErrorContains(t, New(ctx, Options{Root: root, Name: "My-Filter", NoWorkspace: true}), "[a-z][a-z0-9]*")
	require.ErrorContains(t, New(ctx, Options{Root: t.TempDir(), Name: "other", NoWorkspace: true}), "not the meshwasm repository root")
	entries, err := os.ReadDir(filepath.Join(root, "filters"))
	require.NoError(t, err)
	require.Len(t, entries, 2, "only addheader and demo")
}

// repoRoot is the repository this package is tested in: the nearest parent
// directory with go.work.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.work above the package: the scaffold tests run inside the meshwasm repository")
		dir = parent
	}
}
