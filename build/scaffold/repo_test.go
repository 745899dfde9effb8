package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMakeNew_InRepoCopy does what a user does on a fresh clone: `make new
// NAME=demo`, then the new filter's tests (native and wasm, its benchmark
// once) and `make demo`, in a copy of the repository so the real tree is
// left alone. The go build cache is shared, so it takes well under a minute.
func TestMakeNew_InRepoCopy(t *testing.T) {
	root := repoRoot(t)
	tmp := copyRepo(t, root)
	// The copy may hold a filters/demo of the user's own (the README's
	// example): take the first free name.
	name := "demo"
	for i := 1; exists(filepath.Join(tmp, "filters", name)); i++ {
		name = fmt.Sprintf("demo%d", i)
	}
	title := strings.ToUpper(name[:1]) + name[1:]
	dir := filepath.Join("filters", name)

	out := run(t, tmp, nil, "make", "new", "NAME="+name)
	require.Contains(t, out, "created "+dir)
	work, err := os.ReadFile(filepath.Join(tmp, "go.work"))
	require.NoError(t, err)
	require.Contains(t, string(work), "./"+dir+"\n")

	out = run(t, tmp, nil, "go", "test", "-count=1", "-v", "-bench=.", "-benchtime=1x", "./"+dir+"/")
	for _, want := range []string{
		"--- PASS: Test" + title + "_OnHttpResponseHeaders/defaults/native",
		"--- PASS: Test" + title + "_OnHttpResponseHeaders/defaults/wasm",
		"--- PASS: Test" + title + "_OnPluginStart/unknown_key/wasm",
		"--- PASS: Test" + title + "_ModuleABI",
		"Benchmark" + title + "_Request/native",
		"Benchmark" + title + "_Request/wasm",
	} {
		require.Contains(t, out, want)
	}

	// The filter's own go.mod and go.sum suffice outside the workspace.
	run(t, filepath.Join(tmp, dir), []string{"GOWORK=off"}, "go", "build", "./...")

	run(t, tmp, nil, "make", name)
	for _, f := range []string{"plugin.wasm", "image.digest", "wasmplugin.yaml"} {
		info, err := os.Stat(filepath.Join(tmp, "dist", name, f))
		require.NoError(t, err, f)
		require.NotZero(t, info.Size(), f)
	}
	manifest, err := os.ReadFile(filepath.Join(tmp, "dist", name, "wasmplugin.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(manifest), "oci://localhost:5000/meshwasm/"+name+":dev")

	cmd := exec.Command("make", "new", "NAME="+name)
	cmd.Dir, cmd.Env = tmp, cleanEnv(nil)
	b, err := cmd.CombinedOutput()
	require.Error(t, err, "a second make new NAME=%s must fail", name)
	require.Contains(t, string(b), dir+" already exists")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// copyRepo copies the files git knows of (tracked, and untracked but not
// ignored, so work in progress is included and dist/ is not) to a temporary
// directory.
func copyRepo(t *testing.T, root string) string {
	t.Helper()
	tmp := t.TempDir()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	list, err := cmd.Output()
	require.NoError(t, err, "git ls-files in %s", root)
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		info, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		if !info.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		dst := filepath.Join(tmp, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, b, info.Mode().Perm()))
	}
	return tmp
}

// run runs a command in dir and fails the test with its output if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, cleanEnv(env)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// cleanEnv drops what an outer `make test` passes down (its flags and job
// server), so the inner make runs as a user's would, and adds extra.
func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GOWORK", "GOFLAGS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
