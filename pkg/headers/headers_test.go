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

// run calls fn during the callback of map m, with in as that map's headers,
// and returns the map's headers afterwards. The emulator holds a global lock
// until reset, so run creates one at a time and always resets it.
func run(t *testing.T, m Map, in [][2]string, fn func(t *testing.T)) [][2]string {
	t.Helper()
	ran := false
	call := func() { ran = true; fn(t) }
	h := &harness{}
	if m == Request {
		h.onRequest = call
	} else {
		h.onResponse = call
	}
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(h))
	defer reset()
	id := host.InitializeHttpContext()
	in = append([][2]string(nil), in...) // the emulator edits in place
	var got [][2]string
	if m == Request {
		host.CallOnRequestHeaders(id, in, false)
		got = host.GetCurrentRequestHeaders(id)
	} else {
		reqIn := [][2]string{{":path", "/"}, {"x-req", "r"}}
		host.CallOnRequestHeaders(id, reqIn, false)
		host.CallOnResponseHeaders(id, in, false)
		got = host.GetCurrentResponseHeaders(id)
		// Response edits must leave the request map alone.
		require.Equal(t, reqIn, host.GetCurrentRequestHeaders(id))
	}
	require.True(t, ran, "callback did not run")
	return got
}

// values joins every value the map holds for name, so a check holds whether
// a host keeps added values as separate entries or joins them.
func values(hs [][2]string, name string) string {
	var b strings.Builder
	for _, h := range hs {
		if h[0] == name {
			b.WriteString(h[1])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var (
	maps = []Map{Request, Response}
	base = [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}, {"x-empty", ""}}
)

func TestMap_String(t *testing.T) {
	cases := []struct {
		m    Map
		want string
	}{
		{Request, "request"},
		{Response, "response"},
		{Map(7), "Map(7)"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, tc.m.String())
	}
}

func TestMap_Get(t *testing.T) {
	cases := []struct {
		name, header, want string
		ok                 bool
	}{
		{"present", "x-b", "2", true},
		{"pseudo", ":status", "200", true},
		{"case-insensitive", "X-B", "2", true},
		{"absent", "x-absent", "", false},
		{"empty value reads as absent", "x-empty", "", false},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				got := run(t, m, base, func(t *testing.T) {
					v, ok, err := m.Get(tc.header)
					require.NoError(t, err)
					require.Equal(t, tc.ok, ok)
					require.Equal(t, tc.want, v)
				})
				require.Equal(t, base, got)
			})
		}
	}
}

func TestMap_Set(t *testing.T) {
	cases := []struct {
		name, header, value string
		want                [][2]string
	}{
		{"replaces", "x-a", "new", [][2]string{{":status", "200"}, {"x-a", "new"}, {"x-b", "2"}, {"x-empty", ""}}},
		{"adds when absent", "x-c", "3", [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-b", "2"}, {"x-empty", ""}, {"x-c", "3"}}},
		{"pseudo-header", ":status", "503", [][2]string{{":status", "503"}, {"x-a", "1"}, {"x-b", "2"}, {"x-empty", ""}}},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				got := run(t, m, base, func(t *testing.T) {
					require.NoError(t, m.Set(tc.header, tc.value))
					v, ok, err := m.Get(tc.header)
					require.NoError(t, err)
					require.True(t, ok)
					require.Equal(t, tc.value, v)
				})
				require.ElementsMatch(t, tc.want, got)
			})
		}
	}
}

func TestMap_Add(t *testing.T) {
	cases := []struct {
		name, header, value string
		wantValues          []string // each must be among the header's values
		wantLen             int      // entries after; the emulator joins onto an existing entry
	}{
		{"absent", "x-c", "3", []string{"3"}, len(base) + 1},
		{"beside existing", "x-a", "more", []string{"1", "more"}, len(base)},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				got := run(t, m, base, func(t *testing.T) {
					require.NoError(t, m.Add(tc.header, tc.value))
				})
				vs := values(got, tc.header)
				for _, want := range tc.wantValues {
					require.Contains(t, vs, want)
				}
				require.Len(t, got, tc.wantLen)
			})
		}
	}
}

func TestMap_AddIfAbsent(t *testing.T) {
	cases := []struct {
		name, header string
		wantAdded    bool
		wantValue    string
	}{
		{"adds when absent", "x-c", true, "default"},
		{"keeps present", "x-a", false, "1"},
		{"keeps present pseudo", ":status", false, "200"},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				got := run(t, m, base, func(t *testing.T) {
					added, err := m.AddIfAbsent(tc.header, "default")
					require.NoError(t, err)
					require.Equal(t, tc.wantAdded, added)
				})
				require.Equal(t, tc.wantValue+"\n", values(got, tc.header))
			})
		}
	}
}

func TestMap_Remove(t *testing.T) {
	cases := []struct {
		name, header string
		want         [][2]string
	}{
		{"present", "x-a", [][2]string{{":status", "200"}, {"x-b", "2"}, {"x-empty", ""}}},
		{"absent", "x-absent", base},
		{"case-insensitive", "X-B", [][2]string{{":status", "200"}, {"x-a", "1"}, {"x-empty", ""}}},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				got := run(t, m, base, func(t *testing.T) {
					require.NoError(t, m.Remove(tc.header))
				})
				require.ElementsMatch(t, tc.want, got)
			})
		}
	}
}

func TestMap_All(t *testing.T) {
	cases := []struct {
		name   string
		in     [][2]string
		edit   func(m Map) error
		want   [][2]string
		wantOK bool
	}{
		{"as sent", base, nil, base, true},
		{"sees edits", base, func(m Map) error { return m.Set("x-c", "3") },
			append(append([][2]string(nil), base...), [2]string{"x-c", "3"}), true},
		{"empty", nil, nil, nil, true},
	}
	for _, m := range maps {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				run(t, m, tc.in, func(t *testing.T) {
					if tc.edit != nil {
						require.NoError(t, tc.edit(m))
					}
					all, err := m.All()
					require.NoError(t, err)
					if len(tc.want) == 0 {
						require.Empty(t, all)
						return
					}
					require.Equal(t, tc.want, all)
				})
			})
		}
	}
}

// An out-of-range Map must fail loudly instead of editing some other map;
// no host call is made, so no emulator is needed.
func TestMap_Unknown(t *testing.T) {
	m := Map(7)
	_, _, err := m.Get("x")
	require.ErrorContains(t, err, `reading Map(7) header "x": unknown header map`)
	require.ErrorContains(t, m.Set("x", "v"), "unknown header map")
	require.ErrorContains(t, m.Add("x", "v"), "unknown header map")
	require.ErrorContains(t, m.Remove("x"), "unknown header map")
	added, err := m.AddIfAbsent("x", "v")
	require.ErrorContains(t, err, "unknown header map")
	require.False(t, added)
	_, err = m.All()
	require.ErrorContains(t, err, "unknown header map")
}

func TestValidName(t *testing.T) {
	valid := []string{
		"x-foo", "x_y", "a!#$%&'*+-.^_`|~", "0123456789", "x1", "a",
		":method", ":scheme", ":authority", ":path", ":status",
	}
	for _, name := range valid {
		t.Run("valid/"+name, func(t *testing.T) {
			require.NoError(t, ValidName(name))
		})
	}
	invalid := []struct {
		name, in, want string
	}{
		{"empty", "", "header name is empty"},
		{"uppercase", "X-Foo", `header name "X-Foo" must be lowercase`},
		{"uppercase later", "x-fOo", `header name "x-fOo" must be lowercase`},
		{"space", "a b", `header name "a b" has invalid character ' '`},
		{"colon in middle", "a:b", `header name "a:b" has invalid character ':'`},
		{"non-ASCII", "é", `header name "é" has invalid character 0xc3 (non-ASCII) at byte 0`},
		{"tab", "a\tb", `has invalid character '\t'`},
		{"NUL", "x\x00y", `has invalid character '\x00'`},
		{"quote", `a"b`, `has invalid character '"'`},
		{"parenthesis", "x-(y)", `has invalid character '('`},
		{"unknown pseudo", ":foo", `header name ":foo" is not a known pseudo-header`},
		{"bare colon", ":", "is not a known pseudo-header"},
		{"uppercase pseudo", ":PATH", "is not a known pseudo-header"},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			require.ErrorContains(t, ValidName(tc.in), tc.want)
		})
	}
}

func TestValidRegularName(t *testing.T) {
	cases := []struct {
		in, want string // want "" means valid
	}{
		{"x-a", ""},
		{":path", "pseudo-header :path not allowed here"},
		{":status", "pseudo-header :status not allowed here"},
		{":foo", "pseudo-header :foo not allowed here"},
		{"X", "must be lowercase"},
		{"", "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			err := ValidRegularName(tc.in)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestIsPseudo(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{":path", true}, {":foo", true}, {":", true}, {"path", false}, {"", false}, {"a:", false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, IsPseudo(tc.in), tc.in)
	}
}

func TestValidValue(t *testing.T) {
	cases := []struct {
		name, in, want string // want "" means valid
	}{
		{"empty", "", ""},
		{"plain", "plain value", ""},
		{"tab", "with\ttab", ""},
		{"obs-text", "obs-text \x80\xff", ""},
		{"quote", `quote"s`, ""},
		{"CR", "a\rb", "header value has a CR at byte 1"},
		{"LF", "ab\n", "header value has a LF at byte 2"},
		{"NUL", "\x00", "header value has a NUL at byte 0"},
		{"first bad byte wins", "ok\n\r", "LF at byte 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidValue(tc.in)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLower(t *testing.T) {
	cases := []struct{ in, want string }{
		{"x-foo", "x-foo"},
		{"X-Foo", "x-foo"},
		{"ABC", "abc"},
		{"é-X", "é-x"},
		{"", ""},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Lower(tc.in), tc.in)
	}
	n := testing.AllocsPerRun(100, func() { _ = Lower("already-lower") })
	require.Zero(t, n, "Lower allocated for a lowercase name")
}

// Validation runs on every request, so the success paths must not allocate.
func TestValid_NoAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		_ = ValidName("x-request-id")
		_ = ValidName(":authority")
		_ = ValidRegularName("x-request-id")
		_ = ValidValue("some value\twith tab")
	})
	require.Zero(t, n)
}

// tchars are the lowercase RFC 9110 token characters, spelled out
// independently of isTokenChar as the fuzz oracle.
const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"x-foo", ":path", ":foo", "X", "", "a b", ":", "é", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := name != "" && strings.Trim(name, tchars) == ""
		if IsPseudo(name) {
			want = knownPseudo(name)
		}
		err := ValidName(name)
		require.Equal(t, want, err == nil, "name %q: err %v", name, err)
		if err == nil && !IsPseudo(name) {
			require.Equal(t, name, Lower(name))
		}
	})
}

func FuzzValidValue(f *testing.F) {
	for _, s := range []string{"ok", "a\rb", "\n", "\x00", "\t", "\x80\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		bad := strings.ContainsAny(v, "\r\n\x00")
		require.Equal(t, bad, ValidValue(v) != nil, "value %q", v)
	})
}
