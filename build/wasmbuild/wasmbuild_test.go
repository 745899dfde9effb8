package wasmbuild

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuild_Errors(t *testing.T) {
	cases := []struct {
		name string
		dir  string
		want string
	}{
		{"no SDK dependency", "testdata/nosdk", "does not depend on github.com/tetratelabs/proxy-wasm-go-sdk"},
		{"wrong SDK version", "testdata/wrongsdk", "requires github.com/tetratelabs/proxy-wasm-go-sdk v0.23.0, but meshwasm's binding supports only v0.24.0"},
		{"not a main package", "testdata/notmain", "is not a main package"},
		{"compile error", "testdata/broken", "build failed"},
		{"missing directory", "testdata/absent", "not a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Build(context.Background(), Options{Dir: tc.dir, Output: filepath.Join(t.TempDir(), "plugin.wasm")})
			require.Error(t, err)
			var be *Error
			require.True(t, errors.As(err, &be), "a user-facing *Error, got %T", err)
			require.Contains(t, be.Msg, tc.want)
			require.NotContains(t, be.Msg, "\n", "the message is one line")
		})
	}
}

func TestBuild_CompilerOutputIsKept(t *testing.T) {
	err := Build(context.Background(), Options{Dir: "testdata/broken", Output: filepath.Join(t.TempDir(), "plugin.wasm")})
	require.ErrorContains(t, err, "undefined: undefinedContext")
}

// The same source gives the same module bytes, whatever the temporary paths
// of the build.
func TestBuild_Reproducible(t *testing.T) {
	var modules [][]byte
	for i := 0; i < 2; i++ {
		out := filepath.Join(t.TempDir(), "plugin.wasm")
		require.NoError(t, Build(context.Background(), Options{Dir: "testdata/good", Output: out}))
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b, []byte("\x00asm")))
		modules = append(modules, b)
	}
	require.Equal(t, modules[0], modules[1])
}

func TestBuild_UnknownToolchain(t *testing.T) {
	err := Build(context.Background(), Options{Dir: "testdata/good", Output: filepath.Join(t.TempDir(), "p.wasm"), Toolchain: "gccgo"})
	require.ErrorContains(t, err, `unknown toolchain "gccgo"`)
}

func TestBuild_TinyGoMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Build(context.Background(), Options{Dir: "testdata/good", Output: filepath.Join(t.TempDir(), "p.wasm"), Toolchain: ToolchainTinyGo})
	require.ErrorContains(t, err, "tinygo is not on PATH")
}

func TestTinyGoFlags(t *testing.T) {
	cases := map[string][]string{
		"tinygo version 0.34.0 linux/amd64 (using go version go1.23.1 and LLVM version 18.1.2)": {"-target=wasip1", "-buildmode=c-shared"},
		"tinygo version 0.33.0 darwin/arm64":                                                    {"-target=wasip1", "-buildmode=c-shared"},
		"tinygo version 1.0.0 linux/amd64":                                                      {"-target=wasip1", "-buildmode=c-shared"},
		"tinygo version 0.32.0 linux/amd64":                                                     {"-target=wasi", "-scheduler=none"},
		"something else":                                                                        {"-target=wasi", "-scheduler=none"},
	}
	for in, want := range cases {
		require.Equal(t, want, TinyGoFlags(in), in)
	}
}

// TestBuild_TinyGoCommand runs Build against a stand-in tinygo that records
// its arguments, for a release before and after wasip1 c-shared support.
func TestBuild_TinyGoCommand(t *testing.T) {
	for _, tc := range []struct {
		version string
		tags    []string
		flags   string
	}{
		{"0.34.0", nil, "-target=wasip1 -buildmode=c-shared"},
		{"0.30.0", nil, "-target=wasi -scheduler=none"},
		// TinyGo's -tags takes a space-separated list.
		{"0.34.0", []string{"a", "b"}, "-tags a b -target=wasip1 -buildmode=c-shared"},
	} {
		version, flags := tc.version, tc.flags
		t.Run(version+strings.Join(tc.tags, ","), func(t *testing.T) {
			bin := t.TempDir()
			args := filepath.Join(bin, "args")
			script := "#!/bin/sh\n" +
				"if [ \"$1\" = version ]; then echo 'tinygo version " + version + " linux/amd64'; exit 0; fi\n" +
				"echo \"$(pwd) $*\" > " + args + "\n" +
				"printf '\\0asm' > \"$3\"\n"
			require.NoError(t, os.WriteFile(filepath.Join(bin, "tinygo"), []byte(script), 0o755))
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

			dir, err := filepath.Abs("testdata/good")
			require.NoError(t, err)
			out := filepath.Join(t.TempDir(), "p.wasm")
			require.NoError(t, Build(context.Background(), Options{Dir: dir, Output: out, Toolchain: ToolchainTinyGo, Tags: tc.tags}))
			got, err := os.ReadFile(args)
			require.NoError(t, err)
			require.Equal(t, dir+" build -o "+out+" "+flags+" .\n", string(got))
			require.FileExists(t, out)
		})
	}
}
