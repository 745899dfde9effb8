package headers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// harness is a filter whose stream runs a test function on request or
// response headers, so the functions under test run inside a real callback.
type harness struct {
	types.DefaultVMContext
	onRequest, onResponse func()
}

func (h *harness) NewPluginContext(uint32) types.PluginContext { return &harnessPlugin{h: h} }

type harnessPlugin struct {
	types.DefaultPluginContext
	h *harness
}

func (p *harnessPlugin) NewHttpContext(uint32) types.HttpContext { return &harnessStream{h: p.h} }

type harnessStream struct {
	types.DefaultHttpContext
	h *harness
}

func (s *harnessStream) OnHttpRequestHeaders(int, bool) types.Action {
	if s.h.onRequest != nil {
		s.h.onRequest()
	}
	return types.ActionContinue
}

func (s *harnessStream) OnHttpResponseHeaders(int, bool) types.Action {
	if s.h.onResponse != nil {
		s.h.onResponse()
	}
	return types.ActionContinue
}

// run calls fn with m during the matching callback and returns the headers
// of that map afterwards.
func run(t *testing.T, m Map, in [][2]string, fn func()) [][2]string {
	h := &harness{}
	if m == Request {
		h.onRequest = fn
	} else {
		h.onResponse = fn
	}
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(h))
	defer reset()
	id := host.InitializeHttpContext()
	if m == Request {
		host.CallOnRequestHeaders(id, in, false)
		return host.GetCurrentRequestHeaders(id)
	}
	host.CallOnResponseHeaders(id, in, false)
	return host.GetCurrentResponseHeaders(id)
}

func TestMap_String(t *testing.T) {
	require.Equal(t, "request", Request.String())
	require.Equal(t, "response", Response.String())
}

func TestMap_Edits(t *testing.T) {
	in := [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}}
	for _, m := range []Map{Request, Response} {
		t.Run(m.String(), func(t *testing.T) {
			cases := []struct {
				name string
				fn   func(t *testing.T)
				want [][2]string
			}{
				{"set replaces", func(t *testing.T) { require.NoError(t, m.Set("x-a", "new")) },
					[][2]string{{":status", "200"}, {"x-a", "new"}, {"x-b", "2"}}},
				{"set adds when absent", func(t *testing.T) { require.NoError(t, m.Set("x-c", "3")) },
					[][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}, {"x-c", "3"}}},
				{"add", func(t *testing.T) { require.NoError(t, m.Add("x-c", "3")) },
					[][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}, {"x-c", "3"}}},
				{"add if absent adds", func(t *testing.T) {
					added, err := m.AddIfAbsent("x-c", "3")
					require.NoError(t, err)
					require.True(t, added)
				}, [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}, {"x-c", "3"}}},
				{"add if absent keeps", func(t *testing.T) {
					added, err := m.AddIfAbsent("x-a", "other")
					require.NoError(t, err)
					require.False(t, added)
				}, in},
				{"remove", func(t *testing.T) { require.NoError(t, m.Remove("x-a")) },
					[][2]string{{":status", "200"}, {"x-b", "2"}}},
				{"remove absent", func(t *testing.T) { require.NoError(t, m.Remove("x-absent")) }, in},
				{"get", func(t *testing.T) {
					v, ok, err := m.Get("x-b")
					require.NoError(t, err)
					require.True(t, ok)
					require.Equal(t, "2", v)
					_, ok, err = m.Get("x-absent")
					require.NoError(t, err)
					require.False(t, ok)
				}, in},
				{"all", func(t *testing.T) {
					all, err := m.All()
					require.NoError(t, err)
					require.Equal(t, in, all)
				}, in},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					copied := append([][2]string(nil), in...)
					got := run(t, m, copied, func() { tc.fn(t) })
					require.ElementsMatch(t, tc.want, got)
				})
			}
		})
	}
}

func TestValidName(t *testing.T) {
	valid := []string{"x-foo", "x_y", "a!#$%&'*+-.^_`|~", "x1", "0", ":method", ":scheme", ":authority", ":path", ":status"}
	for _, name := range valid {
		require.NoError(t, ValidName(name), name)
	}
	invalid := map[string]string{
		"":       "empty",
		"X-Foo":  "must be lowercase",
		"a b":    "invalid character ' '",
		"a:b":    "invalid character ':'",
		"é":      "invalid character",
		":foo":   "not a known pseudo-header",
		"a\tb":   "invalid character",
		"a\"b":   "invalid character",
		"x-(y)":  "invalid character '('",
		"x\x00y": "invalid character",
	}
	for name, want := range invalid {
		err := ValidName(name)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), want, name)
	}
}

func TestValidRegularName(t *testing.T) {
	require.NoError(t, ValidRegularName("x-a"))
	require.ErrorContains(t, ValidRegularName(":path"), "pseudo-header :path not allowed here")
	require.ErrorContains(t, ValidRegularName("X"), "lowercase")
	require.True(t, IsPseudo(":path"))
	require.False(t, IsPseudo("path"))
	require.False(t, IsPseudo(""))
}

func TestValidValue(t *testing.T) {
	for _, v := range []string{"", "plain", "with\ttab", "obs-text \x80\xff", "quote\"s"} {
		require.NoError(t, ValidValue(v), v)
	}
	cases := map[string]string{"a\rb": "CR at byte 1", "ab\n": "LF at byte 2", "\x00": "NUL at byte 0"}
	for v, want := range cases {
		require.ErrorContains(t, ValidValue(v), want)
	}
}

func TestLower(t *testing.T) {
	require.Equal(t, "x-foo", Lower("X-Foo"))
	require.Equal(t, "x-foo", Lower("x-foo"))
	require.Equal(t, "é-x", Lower("é-X"))
	n := testing.AllocsPerRun(100, func() { _ = Lower("already-lower") })
	require.Zero(t, n)
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"x-foo", ":path", "X", "", "a b", ":x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidName(name) == nil && !IsPseudo(name) {
			require.Equal(t, name, Lower(name))
			require.NotContains(t, name, " ")
		}
	})
}

func FuzzValidValue(f *testing.F) {
	for _, s := range []string{"ok", "a\rb", "\n", "\x00", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		bad := strings.ContainsAny(v, "\r\n\x00")
		require.Equal(t, bad, ValidValue(v) != nil)
	})
}
