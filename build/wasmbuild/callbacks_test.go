package wasmbuild

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/binding"
)

// A filter exports an optional callback exactly when one of its types
// declares the callback's method: testdata/good keeps every one of
// DefaultHttpContext's, testdata/body declares two (in a package of its
// own, reached through an interface).
func TestBuild_OptionalCallbacks(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		present []string
	}{
		{"testdata/good", nil},
		{"testdata/body", []string{"proxy_on_request_trailers", "proxy_on_response_body"}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "plugin.wasm")
			require.NoError(t, Build(context.Background(), Options{Dir: tc.dir, Output: out}))
			module, err := os.ReadFile(out)
			require.NoError(t, err)
			exports := exportNames(t, module)
			for _, name := range binding.Required() {
				require.Contains(t, exports, name)
			}
			want := map[string]bool{}
			for _, name := range tc.present {
				want[name] = true
			}
			for name := range binding.Optional {
				require.Equal(t, want[name], exports[name], "%s exported", name)
			}
		})
	}
}

func TestUnusedCallbacks_UnreadableSourceKeepsAll(t *testing.T) {
	_, err := declaredMethods(filepath.Join(t.TempDir(), "absent.go"), false, map[string]bool{"OnHttpRequestBody": true})
	require.Error(t, err)
	// A directory go list cannot read: the binding written before stays.
	tmp := t.TempDir()
	written := filepath.Join(tmp, binding.FileName)
	require.NoError(t, os.WriteFile(written, binding.Source, 0o644))
	require.NoError(t, pruneBinding(context.Background(), t.TempDir(), "off", tmp))
	got, err := os.ReadFile(written)
	require.NoError(t, err)
	require.Equal(t, binding.Source, got)
}

// exportNames reads the names in a module's export section.
func exportNames(t *testing.T, module []byte) map[string]bool {
	t.Helper()
	r := wasmReader{b: module[8:]}
	names := map[string]bool{}
	for len(r.b) > 0 {
		id := r.byte()
		size := r.uleb()
		section := wasmReader{b: r.bytes(size)}
		if id != 7 {
			continue
		}
		for n := section.uleb(); n > 0; n-- {
			names[string(section.bytes(section.uleb()))] = true
			section.byte() // kind
			section.uleb() // index
		}
	}
	require.NotEmpty(t, names)
	return names
}

type wasmReader struct{ b []byte }

func (r *wasmReader) byte() byte {
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wasmReader) uleb() int {
	n, shift := 0, 0
	for {
		c := r.byte()
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
		shift += 7
	}
}

func (r *wasmReader) bytes(n int) []byte {
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
