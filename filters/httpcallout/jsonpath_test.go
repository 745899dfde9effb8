package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
	"github.com/valyala/fastjson"
)

func TestParseJSONPath(t *testing.T) {
	for path, want := range map[string]jsonPath{
		"allow":            {"allow"},
		"result.allow":     {"result", "allow"},
		"items.0.ok":       {"items", "0", "ok"},
		`a\.b.c`:           {"a.b", "c"},
		`odd\#key.x\*`:     {"odd#key", "x*"},
		`back\\slash`:      {`back\slash`},
		"ключ.é":           {"ключ", "é"},
		"with space.a-b_c": {"with space", "a-b_c"},
	} {
		got, err := parseJSONPath(path)
		require.NoError(t, err, path)
		require.Equal(t, want, got, path)
	}
	for _, path := range []string{
		"items.#", "items.#(id==1).ok", "a*", "a?", "@this", "a|b", "!true", "[a,b]", "{a}",
		".a", "a.", "a..b", `a\`, "",
	} {
		_, err := parseJSONPath(path)
		require.Error(t, err, path)
	}
}

// holds is allow_json_path's whole decision on a body, as jsonAllows makes
// it after its size and nesting bounds.
func holds(p *fastjson.Parser, path jsonPath, body []byte) bool {
	if !validJSON(body) {
		return false
	}
	v, err := p.ParseBytes(body)
	return err == nil && path.holdsTrue(v)
}

func TestJSONPath_HoldsTrue(t *testing.T) {
	var p fastjson.Parser
	for _, c := range []struct {
		path, body string
		want       bool
	}{
		{"result.allow", `{"result": {"allow": true}}`, true},
		{"result.allow", `{"result": {"allow": "true"}}`, false},
		{"result.allow", `{"result": {"allow": 1}}`, false},
		{"result.allow", `{"result": {"allow": false}}`, false},
		{"result.allow", `{"result": {"allow": true}} x`, false},
		{"result.allow", `{"result": {"allow": true, "x": "a` + "\x01" + `"}}`, false},
		{"result.allow", `{"result": {"allow": true, "x": "\q"}}`, false},
		{"result.allow", `{"result": {"allow": true}, "result": {"allow": false}}`, true},
		{"result.allow", `{"result": [true]}`, false},
		{"items.1.ok", `{"items": [{"ok": false}, {"ok": true}]}`, true},
		{"items.01.ok", `{"items": [{"ok": false}, {"ok": true}]}`, true},
		{"items.2.ok", `{"items": [{"ok": false}, {"ok": true}]}`, false},
		{"items.1", `{"items": {"1": true}}`, true},
		{`a\.b`, `{"a.b": true, "a": {"b": false}}`, true},
		{"k", `{"\u006b": true}`, true},
		{"allow", `true`, false},
	} {
		path, err := parseJSONPath(c.path)
		require.NoError(t, err)
		require.Equal(t, c.want, holds(&p, path, []byte(c.body)), "%s in %s", c.path, c.body)
		want := gjson.ValidBytes([]byte(c.body)) && gjson.GetBytes([]byte(c.body), c.path).Type == gjson.True
		require.Equal(t, want, c.want, "gjson's answer for %s in %s", c.path, c.body)
	}
}

// FuzzJSONPath compares the filter's evaluation of a path it accepts with
// gjson's, the library whose syntax it documents, on any body within the
// nesting bound.
func FuzzJSONPath(f *testing.F) {
	f.Add("result.allow", `{"result": {"allow": true}}`)
	f.Add("items.1.ok", `{"items": [{"ok": false}, {"ok": true}]}`)
	f.Add(`a\.b`, `{"a.b": true}`)
	f.Add("a", `{"a": tru}`)
	f.Add("a", `{"a": true, "b": 01}`)
	f.Add("a", `{"a": true, "b": "\ud800"}`)
	f.Add("a", `{"a": true, "b": 1e}`)
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, rawPath, body string) {
		path, err := parseJSONPath(rawPath)
		if err != nil || !nestingWithin([]byte(body), maxJSONDepth) {
			return
		}
		want := gjson.Valid(body) && gjson.Get(body, rawPath).Type == gjson.True
		require.Equal(t, want, holds(&p, path, []byte(body)), "%q in %q", rawPath, body)
	})
}
