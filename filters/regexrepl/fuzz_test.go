package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// FuzzRegexRepl_Config feeds raw configuration bytes, in either form, to the
// plugin: it starts with rules that cannot rewrite pseudo-headers it must
// not touch, or refuses with exactly one error line; it never panics.
// FuzzRegexRepl covers the rule semantics; this covers the parser's edges
// (the list form, header names, KEY=VALUE lines).
func FuzzRegexRepl_Config(f *testing.F) {
	for _, s := range []string{
		tutorial,
		"regex=banana/([0-9]*)\nreplace=status/$1\n",
		`{"rules": [{"regex": "^/a", "replace": "/b"}, {"regex": "x", "replace": "y", "header": ":authority"}]}`,
		`{"rules": []}`,
		`{"rules": [{"regex": "(", "replace": ""}]}`,
		`{"rules": {"regex": "a"}}`,
		`{"regex": "a", "replace": "$1x"}`,
		"regex=a\nheader=:method\nreplace=b",
		`{"rules": [{"regex": "a{1000}{1000}", "replace": "b"}]}`,
		"# only a comment\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		host, status := start(t, &vm{}, raw)
		errs := host.GetErrorLogs()
		if status != types.OnPluginStartStatusOK {
			require.Len(t, errs, 1)
			require.True(t, strings.HasPrefix(errs[0], "regexrepl: invalid configuration: "), errs[0])
			return
		}
		require.Empty(t, errs)
		c, err := config.Parse([]byte(raw))
		require.NoError(t, err, "the plugin started, so the configuration parses")
		cfg, err := parseConfig(c)
		require.NoError(t, err)
		for i, r := range cfg.Rules {
			require.False(t, r.Regex.MatchString(""), "rule %d matches the empty string", i)
			if headers.IsPseudo(r.Header) {
				require.Contains(t, []string{":path", ":authority"}, r.Header, "rule %d", i)
			} else {
				require.NoError(t, headers.ValidName(r.Header), "rule %d", i)
			}
			require.LessOrEqual(t, programSize(r.Regex.String()), maxProgram, "rule %d", i)
		}
		id := host.InitializeHttpContext()
		require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, request("/banana/1"), false))
	})
}
