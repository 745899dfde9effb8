package config

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func mustParse(t *testing.T, s string) *Object {
	t.Helper()
	c, err := Parse([]byte(s))
	require.NoError(t, err)
	return c
}

// requireConfigError checks the text and that the error is an *Error, so
// filters can inspect Path and Line.
func requireConfigError(t *testing.T, err error, want string) {
	t.Helper()
	require.EqualError(t, err, want)
	require.ErrorAs(t, err, new(*Error))
}

// configError is requireConfigError for the tests that go on to read the *Error.
func configError(t *testing.T, err error, want string) *Error {
	t.Helper()
	requireConfigError(t, err, want)
	var ce *Error
	errors.As(err, &ce)
	return ce
}

func TestParse_Form(t *testing.T) {
	cases := []struct {
		name, in string
		want     Form
	}{
		{"nil", "", FormEmpty},
		{"white space", "  \r\n\t ", FormEmpty},
		{"empty object", `{}`, FormJSON},
		{"object after white space", " \n{\"a\": \"b\"} \n", FormJSON},
		{"object after a BOM", "\xef\xbb\xbf{\"a\": \"b\"}", FormJSON},
		{"line", "a=b", FormLines},
		{"only a comment", "# nothing set", FormLines},
		{"value starting with a brace", "a={b}", FormLines},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustParse(t, tc.in).Form())
		})
	}
	require.Equal(t, "empty", FormEmpty.String())
	require.Equal(t, "JSON", FormJSON.String())
	require.Equal(t, "KEY=VALUE lines", FormLines.String())
	require.Equal(t, "Form(7)", Form(7).String())
}

func TestParse_Empty(t *testing.T) {
	c := mustParse(t, "\n")
	require.True(t, c.Empty())
	require.Empty(t, c.Keys())
	require.False(t, c.Has("a"))
	require.NoError(t, c.Known())
	s, err := c.String("a", "def")
	require.NoError(t, err)
	require.Equal(t, "def", s)
	o, err := c.Object("a")
	require.NoError(t, err)
	require.Nil(t, o)
	require.True(t, mustParse(t, "# just a comment\n").Empty())
	require.True(t, mustParse(t, "{ }").Empty())
}

func TestParse_Lines(t *testing.T) {
	in := "\n# comment\n\n  environment = prod \r\nregex=a=b#c\n   # indented comment\nempty=\r\nspaced key = x  y \nK=upper\nk=lower"
	c := mustParse(t, in)
	require.Equal(t, FormLines, c.Form())
	require.Equal(t, []string{"environment", "regex", "empty", "spaced key", "K", "k"}, c.Keys())
	cases := []struct {
		key, want string
		line      int
	}{
		{"environment", "prod", 4},    // trimmed, \r dropped, leading blank lines counted
		{"regex", "a=b#c", 5},         // the first "=" splits; "#" inside a value is literal
		{"empty", "", 7},              // an empty value is a value
		{"spaced key", "x  y", 8},     // inner spaces are kept
		{"K", "upper", 9},             // keys are case-sensitive
		{"k", "lower", 10},            //
		{"# comment", "absent", 0},    // comments are not keys
		{"missing", "absent", 0},      //
		{"environment ", "absent", 0}, // keys are trimmed when read, not when looked up
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			got, err := c.String(tc.key, "absent")
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.line, c.Line(tc.key))
		})
	}
}

func TestParse_LinesErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		line           int
	}{
		{"missing =", "a=1\nbroken\n", `line 2: missing "=" (want KEY=VALUE)`, 2},
		{"missing = after blank lines", "\n\n\na=1\n  x  ", `line 5: missing "=" (want KEY=VALUE)`, 5},
		{"missing = in CRLF", "a=1\r\n\r\nb\r\n", `line 3: missing "=" (want KEY=VALUE)`, 3},
		{"empty key", "a=1\n = 2", `line 2: empty key (want KEY=VALUE)`, 2},
		{"only =", "=", `line 1: empty key (want KEY=VALUE)`, 1},
		{"duplicate key", "a=1\nb=2\n a = 3", `line 3, key "a": duplicate key (first on line 1)`, 3},
		{"duplicate key, CRLF", "# c\r\na=1\r\na=1\r\n", `line 3, key "a": duplicate key (first on line 2)`, 3},
		{"JSON scalar is lines", `"a"`, `line 1: missing "=" (want KEY=VALUE)`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			ce := configError(t, err, tc.want)
			require.Equal(t, tc.line, ce.Line)
		})
	}
}

func TestParse_JSON(t *testing.T) {
	c := mustParse(t, `{"z": "last?", "a": {"y": 1, "b": 2}, "m": [1, {"k": "v"}], "esc": "a\"b\u00e9\n"}`)
	require.Equal(t, []string{"z", "a", "m", "esc"}, c.Keys(), "document order, not sorted")
	require.False(t, c.Empty())
	require.Equal(t, 0, c.Line("z"))
	a, err := c.Object("a")
	require.NoError(t, err)
	require.Equal(t, []string{"y", "b"}, a.Keys())
	require.Equal(t, FormJSON, a.Form())
	s, err := c.String("esc", "")
	require.NoError(t, err)
	require.Equal(t, "a\"bé\n", s)
}

func TestParse_JSONErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"duplicate key", `{"a": 1, "b": 2, "a": 2}`, `key "a": duplicate key`},
		{"duplicate key, same value", `{"a": "x", "a": "x"}`, `key "a": duplicate key`},
		{"duplicate nested key", `{"request": {"set": {"x-a": "1", "x-a": "2"}}}`, `key "request.set.x-a": duplicate key`},
		{"duplicate key in a list", `{"rules": [{"regex": "x"}, {"regex": "a", "regex": "b"}]}`, `key "rules[1].regex": duplicate key`},
		{"duplicate key in a nested list", `{"a": [[{}, {"k": 1, "k": 2}]]}`, `key "a[0][1].k": duplicate key`},
		{"top-level array", `[{"a": 1}]`, `a JSON configuration must be an object, not an array`},
		{"top-level empty array", ` [] `, `a JSON configuration must be an object, not an array`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			requireConfigError(t, err, tc.want)
		})
	}

	// fastjson's own text follows; only the prefix is ours.
	invalid := []struct{ name, in string }{
		{"trailing garbage", `{"a": 1} x`},
		{"two objects", `{"a": 1}{"b": 2}`},
		{"trailing comma", `{"a": 1,}`},
		{"unterminated", `{"a": `},
		{"unquoted key", `{a: 1}`},
		{"single quotes", `{'a': 1}`},
		{"minus in a number", `{"n": 1-2}`},
		{"leading zero", `{"n": 01}`},
		{"plus sign", `{"n": +5}`},
		{"NaN", `{"n": NaN}`},
		{"bad escape", `{"s": "\x"}`},
		{"raw control character", "{\"s\": \"a\tb\"}"},
		{"comment", "{\"a\": 1 # no\n}"},
		{"too deep", `{"a": ` + repeat("[", 400) + repeat("]", 400) + `}`},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			require.ErrorContains(t, err, "invalid JSON: ")
			var ce *Error
			require.ErrorAs(t, err, &ce)
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestParse_CopiesInput(t *testing.T) {
	for _, in := range []string{`{"a": "value"}`, "a=value"} {
		data := []byte(in)
		c, err := Parse(data)
		require.NoError(t, err)
		for i := range data {
			data[i] = 'X'
		}
		s, err := c.String("a", "")
		require.NoError(t, err)
		require.Equal(t, "value", s, in)
	}
}

func TestError_Format(t *testing.T) {
	cases := []struct {
		err  Error
		want string
	}{
		{Error{Path: "rules[1].regex", Msg: "expected a string, got number"}, `key "rules[1].regex": expected a string, got number`},
		{Error{Line: 3, Msg: `missing "="`}, `line 3: missing "="`},
		{Error{Path: "timeout_ms", Line: 4, Msg: `expected an integer, got "abc"`}, `line 4, key "timeout_ms": expected an integer, got "abc"`},
		{Error{Msg: "bare"}, "bare"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, tc.err.Error())
	}
}

func TestObject_String(t *testing.T) {
	j := mustParse(t, `{"s": "x", "n": 1, "e": "", "z": null, "o": {}}`)
	l := mustParse(t, "s=x\ne=\nn=1")
	cases := []struct {
		name    string
		c       *Object
		key     string
		want    string
		wantErr string
	}{
		{"JSON string", j, "s", "x", ""},
		{"JSON empty string", j, "e", "", ""},
		{"JSON missing", j, "absent", "def", ""},
		{"JSON number", j, "n", "", `key "n": expected a string, got number`},
		{"JSON null", j, "z", "", `key "z": expected a string, got null`},
		{"JSON object", j, "o", "", `key "o": expected a string, got object`},
		{"lines value", l, "s", "x", ""},
		{"lines empty value", l, "e", "", ""},
		{"lines digits", l, "n", "1", ""},
		{"lines missing", l, "absent", "def", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.String(tc.key, "def")
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_RequiredString(t *testing.T) {
	j := mustParse(t, `{"s": "x", "e": "", "n": 1}`)
	l := mustParse(t, "s=x\ne=")
	cases := []struct {
		name    string
		c       *Object
		key     string
		want    string
		wantErr string
	}{
		{"JSON present", j, "s", "x", ""},
		{"JSON missing", j, "absent", "", `key "absent": is required`},
		{"JSON empty", j, "e", "", `key "e": is required and must not be empty`},
		{"JSON number", j, "n", "", `key "n": expected a string, got number`},
		{"lines present", l, "s", "x", ""},
		{"lines missing", l, "absent", "", `key "absent": is required`},
		{"lines empty", l, "e", "", `line 2, key "e": is required and must not be empty`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.RequiredString(tc.key)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_Scalar(t *testing.T) {
	j := mustParse(t, `{"s": "x", "n": 1, "f": 2.50, "e": -1.5e3, "t": true, "no": false, "o": {}, "a": [], "z": null}`)
	l := mustParse(t, "debug=1\nname = x y")
	cases := []struct {
		name    string
		c       *Object
		key     string
		want    string
		wantErr string
	}{
		{"string", j, "s", "x", ""},
		{"integer as written", j, "n", "1", ""},
		{"decimal as written", j, "f", "2.50", ""},
		{"exponent as written", j, "e", "-1.5e3", ""},
		{"true", j, "t", "true", ""},
		{"false", j, "no", "false", ""},
		{"missing", j, "absent", "", ""},
		{"object", j, "o", "", `key "o": expected a string, number or boolean, got object`},
		{"array", j, "a", "", `key "a": expected a string, number or boolean, got array`},
		{"null", j, "z", "", `key "z": expected a string, number or boolean, got null`},
		{"lines", l, "debug", "1", ""},
		{"lines spaces", l, "name", "x y", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Scalar(tc.key)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_Int(t *testing.T) {
	j := mustParse(t, `{"n": 500, "zero": 0, "neg": -5, "f": 1.5, "whole": 1.0, "exp": 1e3, "s": "3", "b": true, "big": 100000, "huge": 99999999999999999999}`)
	l := mustParse(t, "timeout_ms=250\nbad=abc\nfloat = 2.5\nneg=-3\nplus=+4\nspace=1 2\nempty=\nhuge=99999999999999999999")
	cases := []struct {
		name     string
		c        *Object
		key      string
		min, max int
		want     int
		wantErr  string
	}{
		{"JSON integer", j, "n", 1, 60000, 500, ""},
		{"JSON zero", j, "zero", 0, 1, 0, ""},
		{"JSON negative in range", j, "neg", -10, 10, -5, ""},
		{"JSON missing gives default", j, "absent", 1, 10, 7, ""},
		{"JSON fraction", j, "f", 0, 10, 0, `key "f": expected an integer, got "1.5"`},
		{"JSON 1.0", j, "whole", 0, 10, 0, `key "whole": expected an integer, got "1.0"`},
		{"JSON exponent", j, "exp", 0, 10000, 0, `key "exp": expected an integer, got "1e3"`},
		{"JSON string", j, "s", 0, 10, 0, `key "s": expected an integer, got string`},
		{"JSON bool", j, "b", 0, 10, 0, `key "b": expected an integer, got boolean`},
		{"JSON above max", j, "big", 1, 60000, 0, `key "big": must be between 1 and 60000, got 100000`},
		{"JSON below min", j, "neg", 0, 10, 0, `key "neg": must be between 0 and 10, got -5`},
		{"JSON overflow", j, "huge", 0, 10, 0, `key "huge": must be between 0 and 10, got 99999999999999999999`},
		{"lines integer", l, "timeout_ms", 1, 1000, 250, ""},
		{"lines negative", l, "neg", -5, 5, -3, ""},
		{"lines plus sign", l, "plus", 0, 5, 4, ""},
		{"lines missing", l, "absent", 1, 10, 7, ""},
		{"lines text", l, "bad", 0, 1, 0, `line 2, key "bad": expected an integer, got "abc"`},
		{"lines fraction", l, "float", 0, 10, 0, `line 3, key "float": expected an integer, got "2.5"`},
		{"lines out of range", l, "timeout_ms", 1, 100, 0, `line 1, key "timeout_ms": must be between 1 and 100, got 250`},
		{"lines inner space", l, "space", 0, 100, 0, `line 6, key "space": expected an integer, got "1 2"`},
		{"lines empty", l, "empty", 0, 100, 0, `line 7, key "empty": expected an integer, got ""`},
		{"lines overflow", l, "huge", 0, 10, 0, `line 8, key "huge": must be between 0 and 10, got 99999999999999999999`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Int(tc.key, 7, tc.min, tc.max)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_Bool(t *testing.T) {
	j := mustParse(t, `{"t": true, "f": false, "s": "true", "n": 1, "z": null}`)
	l := mustParse(t, "a=true\nb=false\nc=yes\nd=1\ne=True")
	cases := []struct {
		name    string
		c       *Object
		key     string
		def     bool
		want    bool
		wantErr string
	}{
		{"JSON true", j, "t", false, true, ""},
		{"JSON false", j, "f", true, false, ""},
		{"JSON missing", j, "absent", true, true, ""},
		{"JSON string", j, "s", false, false, `key "s": expected true or false, got string`},
		{"JSON number", j, "n", false, false, `key "n": expected true or false, got number`},
		{"JSON null", j, "z", false, false, `key "z": expected true or false, got null`},
		{"lines true", l, "a", false, true, ""},
		{"lines false", l, "b", true, false, ""},
		{"lines missing", l, "absent", true, true, ""},
		{"lines yes", l, "c", false, false, `line 3, key "c": expected true or false, got "yes"`},
		{"lines 1", l, "d", false, false, `line 4, key "d": expected true or false, got "1"`},
		{"lines True", l, "e", false, false, `line 5, key "e": expected true or false, got "True"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Bool(tc.key, tc.def)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_StringList(t *testing.T) {
	j := mustParse(t, `{"s": ["a", "b"], "empty": [], "mixed": ["a", 1], "notlist": "a", "nulls": [null]}`)
	l := mustParse(t, "h = x-a, x-b ,, x-c,\none=x\nnone=\ncommas= , ,")
	cases := []struct {
		name    string
		c       *Object
		key     string
		want    []string
		wantErr string
	}{
		{"JSON strings", j, "s", []string{"a", "b"}, ""},
		{"JSON empty", j, "empty", []string{}, ""},
		{"JSON missing", j, "absent", nil, ""},
		{"JSON mixed", j, "mixed", nil, `key "mixed[1]": expected a string, got number`},
		{"JSON null item", j, "nulls", nil, `key "nulls[0]": expected a string, got null`},
		{"JSON not a list", j, "notlist", nil, `key "notlist": expected an array, got string`},
		{"lines items trimmed, empty dropped", l, "h", []string{"x-a", "x-b", "x-c"}, ""},
		{"lines one item", l, "one", []string{"x"}, ""},
		{"lines empty", l, "none", []string{}, ""},
		{"lines only commas", l, "commas", []string{}, ""},
		{"lines missing", l, "absent", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.StringList(tc.key)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.want == nil, got == nil, "nil only when missing")
		})
	}
}

func TestObject_IntList(t *testing.T) {
	j := mustParse(t, `{"i": [200, 204], "range": [200, 700], "frac": [1.5], "str": ["200"], "notlist": 200}`)
	l := mustParse(t, "codes=200, 204\nbad=150,x\nhigh = 200,600\nnone=")
	cases := []struct {
		name    string
		c       *Object
		key     string
		want    []int
		wantErr string
	}{
		{"JSON integers", j, "i", []int{200, 204}, ""},
		{"JSON missing", j, "absent", nil, ""},
		{"JSON out of range", j, "range", nil, `key "range[1]": must be between 100 and 599, got 700`},
		{"JSON fraction", j, "frac", nil, `key "frac[0]": expected an integer, got "1.5"`},
		{"JSON string item", j, "str", nil, `key "str[0]": expected an integer, got string`},
		{"JSON not a list", j, "notlist", nil, `key "notlist": expected an array, got number`},
		{"lines integers", l, "codes", []int{200, 204}, ""},
		{"lines text item", l, "bad", nil, `line 2, key "bad[1]": expected an integer, got "x"`},
		{"lines out of range", l, "high", nil, `line 3, key "high[1]": must be between 100 and 599, got 600`},
		{"lines empty", l, "none", []int{}, ""},
		{"lines missing", l, "absent", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.IntList(tc.key, 100, 599)
			if tc.wantErr != "" {
				requireConfigError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestObject_Object(t *testing.T) {
	c := mustParse(t, `{"request": {"set": {"x-a": "1"}, "remove": ["x-b", 3]}, "list": [], "s": "x"}`)
	req, err := c.Object("request")
	require.NoError(t, err)
	require.Equal(t, []string{"set", "remove"}, req.Keys())
	require.Equal(t, "request.set", req.Path("set"))
	set, err := req.Object("set")
	require.NoError(t, err)
	require.Equal(t, "request.set.x-a", set.Path("x-a"))
	_, err = req.StringList("remove")
	requireConfigError(t, err, `key "request.remove[1]": expected a string, got number`)
	requireConfigError(t, req.Known("set"), `key "request.remove": unknown key (known keys: set)`)

	none, err := c.Object("absent")
	require.NoError(t, err)
	require.Nil(t, none)
	_, err = c.Object("list")
	requireConfigError(t, err, `key "list": expected an object, got array`)
	_, err = c.Object("s")
	requireConfigError(t, err, `key "s": expected an object, got string`)

	_, err = mustParse(t, "a=1\nrequest=x").Object("request")
	requireConfigError(t, err, `line 2, key "request": needs the JSON form (a nested object cannot be written as KEY=VALUE)`)
	none, err = mustParse(t, "a=1").Object("request")
	require.NoError(t, err)
	require.Nil(t, none)
}

func TestObject_ObjectList(t *testing.T) {
	c := mustParse(t, `{"rules": [{"regex": "a"}, {"regex": 1}, {}], "bad": [{}, 1], "obj": {}, "empty": []}`)
	rules, err := c.ObjectList("rules")
	require.NoError(t, err)
	require.Len(t, rules, 3)
	require.Equal(t, "rules[0].regex", rules[0].Path("regex"))
	s, err := rules[0].String("regex", "")
	require.NoError(t, err)
	require.Equal(t, "a", s)
	_, err = rules[1].String("regex", "")
	requireConfigError(t, err, `key "rules[1].regex": expected a string, got number`)
	_, err = rules[2].RequiredString("regex")
	requireConfigError(t, err, `key "rules[2].regex": is required`)
	require.True(t, rules[2].Empty())

	cases := []struct {
		name, key, wantErr string
	}{
		{"item not an object", "bad", `key "bad[1]": expected an object, got number`},
		{"not a list", "obj", `key "obj": expected an array, got object`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ObjectList(tc.key)
			requireConfigError(t, err, tc.wantErr)
		})
	}
	list, err := c.ObjectList("empty")
	require.NoError(t, err)
	require.NotNil(t, list)
	require.Empty(t, list)
	list, err = c.ObjectList("absent")
	require.NoError(t, err)
	require.Nil(t, list)

	_, err = mustParse(t, "rules=a").ObjectList("rules")
	requireConfigError(t, err, `line 1, key "rules": needs the JSON form (a list of objects cannot be written as KEY=VALUE)`)
	list, err = mustParse(t, "a=1").ObjectList("rules")
	require.NoError(t, err)
	require.Nil(t, list)
}

func TestObject_Known(t *testing.T) {
	cases := []struct {
		name, in string
		known    []string
		wantErr  string
	}{
		{"all known", `{"regex": "a", "replace": "b"}`, []string{"regex", "replace", "header"}, ""},
		{"typo", `{"regex": "a", "replce": "b"}`, []string{"regex", "replace"}, `key "replce": unknown key (known keys: regex, replace)`},
		{"first unknown in document order", `{"b": 1, "a": 2}`, []string{"c"}, `key "b": unknown key (known keys: c)`},
		{"case-sensitive", `{"Regex": "a"}`, []string{"regex"}, `key "Regex": unknown key (known keys: regex)`},
		{"none accepted", `{"a": 1}`, nil, `key "a": unknown key (no keys are accepted here)`},
		{"empty", ``, []string{"a"}, ""},
		{"lines typo", "regex=a\nreplce=b", []string{"regex", "replace"}, `line 2, key "replce": unknown key (known keys: regex, replace)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mustParse(t, tc.in).Known(tc.known...)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			requireConfigError(t, err, tc.wantErr)
		})
	}
}

func TestObject_Kind(t *testing.T) {
	c := mustParse(t, `{"s": "", "n": 0, "b": false, "o": {}, "a": [], "z": null}`)
	want := map[string]Kind{"s": KindString, "n": KindNumber, "b": KindBool, "o": KindObject, "a": KindArray, "z": KindNull, "x": KindMissing}
	for key, kind := range want {
		require.Equal(t, kind, c.Kind(key), key)
		require.Equal(t, kind != KindMissing, c.Has(key), key)
	}
	l := mustParse(t, "a=1\nb={}\nc=")
	for _, key := range []string{"a", "b", "c"} {
		require.Equal(t, KindString, l.Kind(key), key)
	}
	require.Equal(t, KindMissing, l.Kind("d"))
	require.Equal(t, "boolean", KindBool.String())
	require.Equal(t, "missing", KindMissing.String())
	require.Equal(t, "Kind(42)", Kind(42).String())
}

func TestErrorf(t *testing.T) {
	c := mustParse(t, `{"rules": [{"regex": "("}, {"regex": "a"}]}`)
	rules, err := c.ObjectList("rules")
	require.NoError(t, err)
	ce := configError(t, rules[0].Errorf("regex", "invalid regex %q", "("), `key "rules[0].regex": invalid regex "("`)
	require.Equal(t, "rules[0].regex", ce.Path)
	require.Equal(t, 0, ce.Line)
	requireConfigError(t, rules[1].Errorf("", "rule is useless"), `key "rules[1]": rule is useless`)
	requireConfigError(t, c.Errorf("", "no rules"), `no rules`)

	l := mustParse(t, "# c\nregex=(")
	ce = configError(t, l.Errorf("regex", "invalid regex"), `line 2, key "regex": invalid regex`)
	require.Equal(t, 2, ce.Line)

	ce = configError(t, rules[1].ItemErrorf("methods", 3, "bad %s", "method"), `key "rules[1].methods[3]": bad method`)
	require.Equal(t, 0, ce.Line)
	lines := mustParse(t, "a=b\nmethods=GET, BREW")
	ce = configError(t, lines.ItemErrorf("methods", 1, "bad method"), `line 2, key "methods[1]": bad method`)
	require.Equal(t, 2, ce.Line)

	// Wrapped by a filter, the *Error is still reachable.
	wrapped := fmt.Errorf("addheader: %w", l.Errorf("regex", "x"))
	var target *Error
	require.True(t, errors.As(wrapped, &target))
	require.Equal(t, "regex", target.Path)
}

// loader is a plugin whose OnPluginStart runs load, as LoadAs does for every filter.
type loader struct {
	types.DefaultVMContext
	got *Object
	err error
}

func (l *loader) NewPluginContext(uint32) types.PluginContext { return &loaderPlugin{l: l} }

type loaderPlugin struct {
	types.DefaultPluginContext
	l *loader
}

func (p *loaderPlugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.l.got, p.l.err = load()
	if p.l.err != nil {
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

// startWithConfig starts a plugin under the emulator; reset runs before
// returning, since the emulator holds a global lock until then.
func startWithConfig(cfg []byte) (*loader, types.OnPluginStartStatus) {
	l := &loader{}
	opt := proxytest.NewEmulatorOption().WithVMContext(l)
	if cfg != nil {
		opt = opt.WithPluginConfiguration(cfg)
	}
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	return l, host.StartPlugin()
}

func TestLoad_Forms(t *testing.T) {
	cases := []struct {
		name    string
		cfg     []byte
		form    Form
		keys    []string
		wantErr string
	}{
		{"no configuration (host answers NotFound)", nil, FormEmpty, []string{}, ""},
		{"empty configuration", []byte{}, FormEmpty, []string{}, ""},
		{"white space", []byte(" \n"), FormEmpty, []string{}, ""},
		{"JSON", []byte(`{"b": "1", "a": "2"}`), FormJSON, []string{"b", "a"}, ""},
		{"lines", []byte("a=b\r\nc=d\r\n"), FormLines, []string{"a", "c"}, ""},
		{"invalid", []byte("a=b\nbroken"), 0, nil, `line 2: missing "=" (want KEY=VALUE)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, status := startWithConfig(tc.cfg)
			if tc.wantErr != "" {
				require.Equal(t, types.OnPluginStartStatusFailed, status)
				requireConfigError(t, l.err, tc.wantErr)
				return
			}
			require.Equal(t, types.OnPluginStartStatusOK, status)
			require.NoError(t, l.err)
			require.Equal(t, tc.form, l.got.Form())
			require.Equal(t, tc.keys, l.got.Keys())
		})
	}
}
