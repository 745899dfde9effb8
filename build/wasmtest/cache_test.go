package wasmtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// copyProbe copies the probe filter to a temporary directory, so a test may
// change its files.
func copyProbe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum", "main.go"} {
		b, err := os.ReadFile(filepath.Join(probe, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	return dir
}

// The key follows the filter's sources: the same tree gives the same key, a
// changed file a different one.
func TestBuildKey_FollowsSources(t *testing.T) {
	ctx := context.Background()
	dir := copyProbe(t)
	first, err := buildKey(ctx, dir)
	require.NoError(t, err)
	again, err := buildKey(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, first, again)

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(src, "\n// changed\n"...), 0o644))
	changed, err := buildKey(ctx, dir)
	require.NoError(t, err)
	require.NotEqual(t, first, changed, "a changed source must not reuse the old module")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.go"), []byte("//go:build ignore\n\npackage main\n"), 0o644))
	ignored, err := buildKey(ctx, dir)
	require.NoError(t, err)
	require.NotEqual(t, changed, ignored, "files of other build tags count: the build scans them")
}

// Binaries that need the same module at once build it once and share the
// file; a later binary reads it instead of building.
func TestCachedBuild_SharedAcrossBuilds(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	ctx := context.Background()
	dir, err := filepath.Abs(probe)
	require.NoError(t, err)

	var wg sync.WaitGroup
	modules := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range modules {
		wg.Add(1)
		go func() {
			defer wg.Done()
			modules[i], errs[i] = cachedBuild(ctx, dir)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Equal(t, modules[0], modules[1])
	CheckABI(t, modules[0])

	key, err := buildKey(ctx, dir)
	require.NoError(t, err)
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	require.Len(t, entries, 1, "one module, no lock or temporary file left")
	require.Equal(t, key+".wasm", entries[0].Name())

	// The next build reads the file: a marker written there comes back.
	require.NoError(t, os.WriteFile(filepath.Join(cache, key+".wasm"), []byte("marker"), 0o644))
	got, err := cachedBuild(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, "marker", string(got))
}

func TestCachedBuild_Off(t *testing.T) {
	t.Setenv(CacheEnv, "off")
	require.Equal(t, "", cacheDir())
	t.Setenv(CacheEnv, "/some/dir")
	require.Equal(t, "/some/dir", cacheDir())
}

func TestHeader(t *testing.T) {
	hs := [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-a", "2"}}
	v, ok := Header(hs, "x-a")
	require.True(t, ok)
	require.Equal(t, "1", v)
	_, ok = Header(hs, "x-b")
	require.False(t, ok)
}
