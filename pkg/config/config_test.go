package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func mustParse(t *testing.T, s string) *Config {
	t.Helper()
	c, err := Parse([]byte(s))
	require.NoError(t, err)
	return c
}

func TestParse_Form(t *testing.T) {
	cases := map[string]Form{
		"":                  FormEmpty,
		"  \n\t ":           FormEmpty,
		`{}`:                FormJSON,
		" \n{\"a\": \"b\"} ": FormJSON,
		"a=b":               FormLines,
		"# only a comment":  FormLines,
	}
	for in, want := range cases {
		c := mustParse(t, in)
		require.Equal(t, want, c.Form(), in)
	}
	require.Equal(t, "JSON", FormJSON.String())
	require.Equal(t, "KEY=VALUE lines", FormLines.String())
	require.Equal(t, "empty", FormEmpty.String())
}

func TestParse_Lines(t *testing.T) {
	c := mustParse(t, "# comment\n\n  environment = prod \r\nregex=a=b#c\n   # indented comment\nempty=\n")
	require.Equal(t, []string{"environment", "regex", "empty"}, c.Keys())
	for key, want := range map[string]string{"environment": "prod", "regex": "a=b#c", "empty": ""} {
		got, err := c.String(key, "default")
		require.NoError(t, err)
		require.Equal(t, want, got, key)
	}
	require.Equal(t, 3, c.Line("environment"))
	require.Equal(t, 4, c.Line("regex"))
	require.Equal(t, 0, c.Line("absent"))
}

func TestParse_Errors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"missing =", "a=1\nbroken\n", `line 2: missing "=" (want KEY=VALUE)`},
		{"empty key", "a=1\n = 2", `line 2: empty key`},
		{"duplicate line key", "a=1\nb=2\na=3", `line 3, key "a": duplicate key (first on line 1)`},
		{"keys are case-sensitive", "a=1\nA=2", ""},
		{"duplicate JSON key", `{"a": 1, "a": 2}`, `key "a": duplicate key`},
		{"duplicate nested key", `{"rules": [{"regex": "x"}, {"regex": "a", "regex": "b"}]}`, `key "rules[1].regex": duplicate key`},
		{"trailing garbage", `{"a": 1} x`, `invalid JSON`},
		{"two objects", `{"a": 1}{"b": 2}`, `invalid JSON`},
		{"unterminated", `{"a": `, `invalid JSON`},
		{"array", `[1, 2]`, `must be an object, not an array`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			var ce *Error
			require.ErrorAs(t, err, &ce)
		})
	}
}

func TestConfig_String(t *testing.T) {
	c := mustParse(t, `{"s": "x", "n": 1, "e": ""}`)
	s, err := c.String("s", "d")
	require.NoError(t, err)
	require.Equal(t, "x", s)
	s, err = c.String("absent", "d")
	require.NoError(t, err)
	require.Equal(t, "d", s)
	_, err = c.String("n", "")
	require.EqualError(t, err, `key "n": expected a string, got number`)
	_, err = c.RequiredString("absent")
	require.EqualError(t, err, `key "absent": is required`)
	_, err = c.RequiredString("e")
	require.EqualError(t, err, `key "e": must not be empty`)
}

func TestConfig_Scalar(t *testing.T) {
	c := mustParse(t, `{"s": "x", "n": 1, "f": 2.50, "t": true, "o": {}, "a": [], "z": null}`)
	for key, want := range map[string]string{"s": "x", "n": "1", "f": "2.50", "t": "true"} {
		got, err := c.Scalar(key)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for key, kind := range map[string]string{"o": "object", "a": "array", "z": "null"} {
		_, err := c.Scalar(key)
		require.EqualError(t, err, `key "`+key+`": expected a string, number or boolean, got `+kind)
	}
}

func TestConfig_Int(t *testing.T) {
	c := mustParse(t, `{"n": 500, "f": 1.5, "s": "3", "big": 100000, "neg": -1}`)
	n, err := c.Int("n", 0, 1, 60000)
	require.NoError(t, err)
	require.Equal(t, 500, n)
	n, err = c.Int("absent", 7, 1, 10)
	require.NoError(t, err)
	require.Equal(t, 7, n)
	_, err = c.Int("f", 0, 0, 10)
	require.EqualError(t, err, `key "f": expected an integer, got "1.5"`)
	_, err = c.Int("s", 0, 0, 10)
	require.EqualError(t, err, `key "s": expected an integer, got string`)
	_, err = c.Int("big", 0, 1, 60000)
	require.EqualError(t, err, `key "big": must be between 1 and 60000, got 100000`)
	_, err = c.Int("neg", 0, 0, 10)
	require.Error(t, err)

	l := mustParse(t, "timeout_ms=250\nbad=abc")
	n, err = l.Int("timeout_ms", 0, 1, 1000)
	require.NoError(t, err)
	require.Equal(t, 250, n)
	_, err = l.Int("bad", 0, 0, 1)
	require.EqualError(t, err, `line 2, key "bad": expected an integer, got "abc"`)
}

func TestConfig_Bool(t *testing.T) {
	c := mustParse(t, `{"t": true, "f": false, "s": "true"}`)
	b, err := c.Bool("t", false)
	require.NoError(t, err)
	require.True(t, b)
	b, err = c.Bool("f", true)
	require.NoError(t, err)
	require.False(t, b)
	b, err = c.Bool("absent", true)
	require.NoError(t, err)
	require.True(t, b)
	_, err = c.Bool("s", false)
	require.EqualError(t, err, `key "s": expected true or false, got string`)

	l := mustParse(t, "a=true\nb=yes")
	b, err = l.Bool("a", false)
	require.NoError(t, err)
	require.True(t, b)
	_, err = l.Bool("b", false)
	require.EqualError(t, err, `line 2, key "b": expected true or false, got "yes"`)
}

func TestConfig_Duration(t *testing.T) {
	c := mustParse(t, `{"d": "1.5s", "bad": "soon", "neg": "-1s", "n": 5}`)
	d, err := c.Duration("d", 0)
	require.NoError(t, err)
	require.Equal(t, 1500*time.Millisecond, d)
	d, err = c.Duration("absent", time.Second)
	require.NoError(t, err)
	require.Equal(t, time.Second, d)
	_, err = c.Duration("bad", 0)
	require.ErrorContains(t, err, `key "bad": expected a duration`)
	_, err = c.Duration("neg", 0)
	require.ErrorContains(t, err, `must not be negative`)
	_, err = c.Duration("n", 0)
	require.ErrorContains(t, err, `expected a string, got number`)
}

func TestConfig_Lists(t *testing.T) {
	c := mustParse(t, `{"s": ["a", "b"], "mixed": ["a", 1], "i": [200, 204], "range": [200, 700], "notlist": "a"}`)
	s, err := c.StringList("s")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, s)
	s, err = c.StringList("absent")
	require.NoError(t, err)
	require.Nil(t, s)
	_, err = c.StringList("mixed")
	require.EqualError(t, err, `key "mixed[1]": expected a string, got number`)
	_, err = c.StringList("notlist")
	require.EqualError(t, err, `key "notlist": expected an array, got string`)
	i, err := c.IntList("i", 100, 599)
	require.NoError(t, err)
	require.Equal(t, []int{200, 204}, i)
	_, err = c.IntList("range", 100, 599)
	require.EqualError(t, err, `key "range[1]": must be between 100 and 599, got 700`)

	l := mustParse(t, "h = x-a, x-b ,, x-c\ncodes=200, 204\nbad=1,x")
	s, err = l.StringList("h")
	require.NoError(t, err)
	require.Equal(t, []string{"x-a", "x-b", "x-c"}, s)
	i, err = l.IntList("codes", 100, 599)
	require.NoError(t, err)
	require.Equal(t, []int{200, 204}, i)
	_, err = l.IntList("bad", 0, 10)
	require.EqualError(t, err, `line 3, key "bad[1]": expected an integer, got "x"`)
}

func TestConfig_Nested(t *testing.T) {
	c := mustParse(t, `{"request": {"set": {"x-a": "1", "x-b": 2}}, "rules": [{"regex": "a"}, {"regex": 1}], "bad": [1]}`)
	req, err := c.Object("request")
	require.NoError(t, err)
	require.Equal(t, "request.set", req.Path("set"))
	m, err := req.StringMap("set")
	require.NoError(t, err)
	require.Equal(t, []Pair{{"x-a", "1"}, {"x-b", "2"}}, m)
	none, err := c.Object("absent")
	require.NoError(t, err)
	require.Nil(t, none)
	_, err = c.Object("rules")
	require.EqualError(t, err, `key "rules": expected an object, got array`)

	rules, err := c.ObjectList("rules")
	require.NoError(t, err)
	require.Len(t, rules, 2)
	_, err = rules[1].String("regex", "")
	require.EqualError(t, err, `key "rules[1].regex": expected a string, got number`)
	require.EqualError(t, Errorf(rules[0], "regex", "rule %d: bad", 0), `key "rules[0].regex": rule 0: bad`)
	_, err = c.ObjectList("bad")
	require.EqualError(t, err, `key "bad[0]": expected an object, got number`)

	l := mustParse(t, "request=x")
	_, err = l.Object("request")
	require.ErrorContains(t, err, `line 1, key "request": needs the JSON form`)
	_, err = l.ObjectList("request")
	require.ErrorContains(t, err, `needs the JSON form`)
	_, err = l.StringMap("request")
	require.ErrorContains(t, err, `needs the JSON form`)
}

func TestConfig_Known(t *testing.T) {
	c := mustParse(t, `{"regex": "a", "replce": "b"}`)
	require.EqualError(t, c.Known("regex", "replace"), `key "replce": unknown key (known keys: regex, replace)`)
	require.NoError(t, c.Known("regex", "replce"))
	l := mustParse(t, "regex=a\nreplce=b")
	require.EqualError(t, l.Known("regex", "replace"), `line 2, key "replce": unknown key (known keys: regex, replace)`)
}

func TestConfig_Kind(t *testing.T) {
	c := mustParse(t, `{"s": "", "n": 0, "b": false, "o": {}, "a": [], "z": null}`)
	want := map[string]Kind{"s": KindString, "n": KindNumber, "b": KindBool, "o": KindObject, "a": KindArray, "z": KindNull, "x": KindMissing}
	for key, kind := range want {
		require.Equal(t, kind, c.Kind(key), key)
	}
	require.Equal(t, KindString, mustParse(t, "a=1").Kind("a"))
	require.True(t, c.Has("z"))
	require.False(t, c.Has("x"))
	require.True(t, mustParse(t, "{}").Empty())
}

// loader is a plugin that runs Load at start, as every filter does.
type loader struct {
	types.DefaultVMContext
	got *Config
	err error
}

func (l *loader) NewPluginContext(uint32) types.PluginContext { return &loaderPlugin{l: l} }

type loaderPlugin struct {
	types.DefaultPluginContext
	l *loader
}

func (p *loaderPlugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.l.got, p.l.err = Load()
	return types.OnPluginStartStatusOK
}

func TestLoad(t *testing.T) {
	cases := []struct {
		cfg  []byte
		form Form
	}{
		{nil, FormEmpty}, // the host answers NotFound
		{[]byte(`{"a": "b"}`), FormJSON},
		{[]byte("a=b"), FormLines},
	}
	for _, tc := range cases {
		l := &loader{}
		opt := proxytest.NewEmulatorOption().WithVMContext(l)
		if tc.cfg != nil {
			opt = opt.WithPluginConfiguration(tc.cfg)
		}
		host, reset := proxytest.NewHostEmulator(opt)
		require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())
		reset()
		require.NoError(t, l.err)
		require.Equal(t, tc.form, l.got.Form())
	}
}
