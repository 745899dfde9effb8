package wasistub

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const src = `package syscall

import "unsafe"

//go:wasmimport wasi_snapshot_preview1 fd_write
//go:noescape
func fd_write(fd int32, iovs *iovec, iovsLen size, nwritten *size) Errno

// fd_pread reads at an offset.
//
//go:wasmimport wasi_snapshot_preview1 fd_pread
//go:noescape
func fd_pread(fd int32, iovs *iovec, iovsLen size, offset filesize, nread *size) Errno

//go:wasmimport wasi_snapshot_preview1 sock_accept
func sock_accept(fd int32, flags fdflags, newfd *int32) Errno

//go:wasmimport env other
func other(p unsafe.Pointer) uint32

func pread(fd int32) Errno { return fd_pread(fd, nil, 0, 0, nil) }
`

func lacking(name string) bool { return name == "fd_pread" || name == "sock_accept" || name == "other" }

func TestRewrite(t *testing.T) {
	out, funcs, err := Rewrite("fs_wasip1.go", []byte(src), lacking)
	require.NoError(t, err)
	require.Equal(t, []Func{{"fd_pread", "fd_pread"}, {"sock_accept", "sock_accept"}}, funcs)
	want := strings.NewReplacer(
		"//go:wasmimport wasi_snapshot_preview1 fd_pread\n//go:noescape\nfunc fd_pread(fd int32, iovs *iovec, iovsLen size, offset filesize, nread *size) Errno\n",
		"//go:noinline\n//\nfunc fd_pread(fd int32, iovs *iovec, iovsLen size, offset filesize, nread *size) Errno { return 52 } // wasi_snapshot_preview1.fd_pread: not provided by the target host (ENOSYS)\n",
		"//go:wasmimport wasi_snapshot_preview1 sock_accept\nfunc sock_accept(fd int32, flags fdflags, newfd *int32) Errno\n",
		"//go:noinline\nfunc sock_accept(fd int32, flags fdflags, newfd *int32) Errno { return 52 } // wasi_snapshot_preview1.sock_accept: not provided by the target host (ENOSYS)\n",
	).Replace(src)
	require.Equal(t, want, string(out), "only the stubbed declarations change, line for line")
	_, err = parser.ParseFile(token.NewFileSet(), "out.go", out, parser.ParseComments)
	require.NoError(t, err)

	same, funcs, err := Rewrite("fs_wasip1.go", []byte(src), func(string) bool { return false })
	require.NoError(t, err)
	require.Nil(t, funcs)
	require.Equal(t, src, string(same))
}

func TestRewrite_NeedsOneResult(t *testing.T) {
	_, _, err := Rewrite("x.go", []byte("package x\n\n//go:wasmimport wasi_snapshot_preview1 proc_exit\nfunc proc_exit(code int32)\n"), func(string) bool { return true })
	require.ErrorContains(t, err, "proc_exit: cannot stub a WASI import without exactly one (errno) result")
}

// The standard library of the Go that runs this test: every WASI import of
// its syscall package can be stubbed, and the result is still Go.
func TestRewrite_StandardLibrary(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	checked := 0
	for _, file := range []string{"syscall/fs_wasip1.go", "syscall/net_wasip1.go", "internal/syscall/unix/at_wasip1.go"} {
		path := filepath.Join(strings.TrimSpace(string(goroot)), "src", filepath.FromSlash(file))
		in, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue // moved in a later Go: the build finds files through go list
		}
		require.NoError(t, err)
		require.True(t, Mentions(in))
		out, funcs, err := Rewrite(path, in, func(string) bool { return true })
		require.NoError(t, err, file)
		require.NotEmpty(t, funcs, file)
		require.False(t, Mentions(out), "%s: no WASI import is left", file)
		require.Equal(t, strings.Count(string(in), "\n"), strings.Count(string(out), "\n"))
		_, err = parser.ParseFile(token.NewFileSet(), path, out, parser.ParseComments)
		require.NoError(t, err)
		checked++
	}
	require.NotZero(t, checked, "no wasip1 syscall file found in GOROOT")
}
