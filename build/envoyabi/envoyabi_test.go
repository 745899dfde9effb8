package envoyabi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"1.33": "1.33", "1.33.2": "1.33", "v1.38": "1.38", " 1.40 ": "1.40"} {
		v, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, v.String())
	}
	for in, msg := range map[string]string{
		"1.32":   "need Envoy >= 1.33",
		"1":      "want 1.N",
		"2.0":    "want 1.N",
		"1.x":    "want 1.N",
		"1.33.x": "want 1.N",
		"":       "want 1.N",
	} {
		_, err := Parse(in)
		require.ErrorContains(t, err, msg, in)
	}
}

// Envoy 1.38's host added the functions Go's os and net import; older
// releases lack them, newer ones keep them.
func TestWASI(t *testing.T) {
	added := []string{
		"fd_filestat_get", "fd_filestat_set_size", "fd_pread", "fd_pwrite", "fd_readdir", "fd_sync",
		"path_create_directory", "path_filestat_get", "path_readlink", "path_remove_directory",
		"path_unlink_file", "sock_accept", "sock_shutdown",
	}
	oldest := WASI(MustParse(Oldest))
	require.Len(t, oldest, 18)
	require.Contains(t, oldest, "sched_yield")
	require.Equal(t, oldest, WASI(MustParse("1.37")))
	for _, name := range added {
		require.NotContains(t, oldest, name)
		require.Contains(t, WASI(MustParse("1.38")), name)
	}
	require.Len(t, WASI(MustParse("1.38")), 18+len(added))
	require.Equal(t, WASI(MustParse("1.38")), WASI(MustParse("1.45")))
}

func TestImports(t *testing.T) {
	imports := Imports(MustParse(Oldest))
	require.Contains(t, imports, "env.proxy_log")
	require.Contains(t, imports, "wasi_snapshot_preview1.fd_write")
	require.NotContains(t, imports, "wasi_snapshot_preview1.fd_pread")
	require.IsIncreasing(t, imports)
}
