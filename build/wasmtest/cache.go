package wasmtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

// The modules a run builds are shared across test binaries through a
// directory keyed by a hash of everything the build reads: `go test ./...`
// runs one binary per package, and several of them (a filter's own tests,
// the manifests, the perf and e2e suites) build the same filter. The first
// binary builds it; the others read the file.
//
// CacheEnv names the directory; "off" disables the cache. By default it is
// meshwasm/wasmtest under the user's cache directory (os.UserCacheDir).
const CacheEnv = "MESHWASM_TEST_CACHE"

// buildOptions is the part of the key that says how wasmtest builds: the
// default wasmbuild.Options (standard Go, stripped, no tags, the oldest
// supported Envoy). Change it when Module builds differently.
const buildOptions = "wasmbuild.Options{Toolchain: go, KeepDebug: false, Tags: none, Envoy: oldest}"

// staleLock is how old a lock file may get before another binary takes it
// over: a binary killed mid-build leaves its lock behind.
const staleLock = 10 * time.Minute

// cacheDir returns the cache directory, or "" when caching is off.
func cacheDir() string {
	if dir := os.Getenv(CacheEnv); dir != "" {
		if dir == "off" {
			return ""
		}
		return dir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "meshwasm", "wasmtest")
}

// cachedBuild returns the module built from the filter in dir, from the
// cache when an identical build is there, else built and stored. Binaries
// that need the same key at once build it once: the others wait on a lock
// file and read the result.
func cachedBuild(ctx context.Context, dir string) ([]byte, error) {
	cache := cacheDir()
	if cache == "" {
		return build(ctx, dir)
	}
	key, err := buildKey(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return build(ctx, dir) // an unwritable cache costs time, not a failure
	}
	path := filepath.Join(cache, key+".wasm")
	if module, err := os.ReadFile(path); err == nil {
		return module, nil
	}
	unlock, err := lock(ctx, path+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another binary may have built it while this one waited.
	if module, err := os.ReadFile(path); err == nil {
		return module, nil
	}
	module, err := build(ctx, dir)
	if err != nil {
		return nil, err
	}
	store(path, module)
	return module, nil
}

// store writes module to path through a temporary file and a rename, so a
// reader sees the whole module or none. A failed write leaves no file: the
// next binary builds again.
func store(path string, module []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(module)
	if cerr := tmp.Close(); err == nil && cerr == nil {
		// A failed rename leaves the cache without this module: the next
		// test binary builds it again.
		_ = os.Rename(tmp.Name(), path)
	}
}

// build builds the module of the filter in dir into a temporary directory.
func build(ctx context.Context, dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "meshwasm-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "plugin.wasm")
	if err := wasmbuild.Build(ctx, wasmbuild.Options{Dir: dir, Output: out}); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// lock takes the lock file at path, waiting while another binary holds it.
func lock(ctx context.Context, path string) (unlock func(), err error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, err := os.Stat(path); err == nil && time.Since(info.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// listedPackage is what buildKey reads of `go list -deps -json`.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	EmbedFiles []string
	// IgnoredGoFiles count too: the build scans files of other build tags
	// for callbacks (wasmbuild's callback scan).
	IgnoredGoFiles []string
	Module         *struct {
		Path    string
		Version string
		GoMod   string
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// buildKey hashes what the build of the filter in dir reads: the Go
// toolchain and its settings, the build options, the sources of meshwasm's
// build packages (the binding, the stubs, the module edits), and every
// package the filter links, by content for a package in a local module (the
// filter, pkg/, a workspace module) and by module version for one from the
// module cache, whose contents a version pins.
func buildKey(ctx context.Context, dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "meshwasm wasmtest cache v1\n%s\n", buildOptions)
	goenv, err := goOutput(ctx, dir, nil, "env", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOWASM", "GOWORK")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "go env: %s\n", goenv)
	if err := hashBuildSources(ctx, h); err != nil {
		return "", err
	}
	env := []string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0"}
	if _, err := goOutput(ctx, dir, env, "list", "."); err != nil {
		// As wasmbuild does, a module the workspace does not use (or one
		// whose workspace does not load) builds on its own.
		env = append(env, "GOWORK=off")
		fmt.Fprintf(h, "GOWORK=off\n")
	}
	if err := hashPackages(ctx, h, dir, env, "."); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// hashBuildSources hashes the packages wasmbuild builds with (the binding
// and its embedded source, the stubs, the module edits), found from this
// file's path: a `go test` binary is built with its sources' paths. Without
// them the cache could not tell a changed binding from the old one, so it is
// an error.
func hashBuildSources(ctx context.Context, h io.Writer) error {
	_, self, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(self) {
		return fmt.Errorf("wasmtest: the build packages' sources cannot be found (built with -trimpath?); set %s=off", CacheEnv)
	}
	return hashPackages(ctx, h, filepath.Dir(self), nil, "github.com/meshwasm/meshwasm/build/wasmbuild")
}

// hashPackages hashes the packages pattern links, as `go list -deps` run in
// dir with env lists them: a package from the module cache by its module
// version (which pins its contents), any other (the filter, pkg/, this
// module, a workspace module) by the contents of its files and go.mod/go.sum.
func hashPackages(ctx context.Context, h io.Writer, dir string, env []string, pattern string) error {
	out, err := goOutput(ctx, dir, env, "list", "-deps", "-json", pattern)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if p.Standard {
			continue // the Go version pins it
		}
		m := p.Module
		if m != nil && m.Replace == nil && m.Version != "" {
			fmt.Fprintf(h, "package %s from %s@%s\n", p.ImportPath, m.Path, m.Version)
			continue
		}
		if m != nil && m.Replace != nil && m.Replace.Version != "" {
			fmt.Fprintf(h, "package %s from %s@%s\n", p.ImportPath, m.Replace.Path, m.Replace.Version)
			continue
		}
		fmt.Fprintf(h, "package %s\n", p.ImportPath)
		files := append(append(append([]string{}, p.GoFiles...), p.EmbedFiles...), p.IgnoredGoFiles...)
		if m != nil && m.GoMod != "" {
			files = append(files, m.GoMod, strings.TrimSuffix(m.GoMod, ".mod")+".sum")
		}
		if err := hashFiles(h, p.Dir, files); err != nil {
			return err
		}
	}
}

// hashFiles writes each file's name and contents to h, in name order;
// names are relative to dir unless absolute.
func hashFiles(h io.Writer, dir string, files []string) error {
	sort.Strings(files)
	for _, f := range files {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, f)
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(f, ".sum") {
			continue // a module without dependencies has no go.sum
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "file %s %d\n", filepath.Base(f), len(b))
		_, _ = h.Write(b) // a hash.Hash never returns an error
	}
	return nil
}

// goOutput runs the go command in dir with extra environment and returns its
// standard output.
func goOutput(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return stdout.String(), nil
}
