package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
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
		host, status := wasmtest.Start(t, &vm{}, raw)
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

// fuzzInput is one input of FuzzRegexRepl: a single rule on :path and the
// :path of a request.
type fuzzInput struct{ Regex, Replace, Path string }

// fuzzSeeds seed FuzzRegexRepl and are replayed against the wasm module.
var fuzzSeeds = []fuzzInput{
	{"banana/([0-9]*)", "status/$1", "/banana/123"},
	{"banana/([0-9]*)", "status/$1", "/apple/123"},
	{"banana/([0-9]*)", "status/$1", "/banana/1?next=/banana/2"},
	{"^/", "", "/x"},
	{"^/", "x", "/x"},
	{"a", "b", "/a\r\nx: y"},
	{"a", "b", "/a\x00"},
	{"x", "yyyyyyyyyyyyyyyyyyyy", "/" + strings.Repeat("x", 500)},
	{"a", "b", "/" + strings.Repeat("a", 8200)},
	{"a*", "x", "/a"},
	{"(", "x", "/"},
	{"(a)", "$2", "/a"},
	{"(a)", "\\1", "/a"},
	{"(?P<n>a)", "${n}${n}", "/a"},
	{"a", "b", ""},
	{"a", "b", "  /a  "},
	{"\xff", "\xfe", "/\xff"},
	{".", "$$", "/é"},
}

func FuzzRegexRepl(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.Regex, s.Replace, s.Path)
	}
	f.Fuzz(func(t *testing.T, regex, replace, path string) {
		checkRequest(t, &vm{}, fuzzInput{regex, replace, path})
	})
}

// checkRequest starts the plugin with the input's rule and runs one request
// through it. It must never panic and always continue; the resulting :path
// is the original or a valid path, and exactly what the rule's semantics
// predict.
func checkRequest(t *testing.T, vm types.VMContext, in fuzzInput) {
	// encoding/json writes valid JSON for any string (invalid UTF-8 becomes
	// U+FFFD); the plugin reads back what it wrote.
	cfg, err := json.Marshal(map[string]string{"regex": in.Regex, "replace": in.Replace})
	require.NoError(t, err)
	var rule map[string]string
	require.NoError(t, json.Unmarshal(cfg, &rule))

	host, status := wasmtest.Start(t, vm, string(cfg))
	if status != types.OnPluginStartStatusOK {
		errs := host.GetErrorLogs()
		require.Len(t, errs, 1)
		// The one rule is at the top level: its error names regex or
		// replace, nothing else can be wrong.
		require.Regexp(t, `^regexrepl: invalid configuration: key "(regex|replace)": `, errs[0])
		return
	}
	re := regexp.MustCompile(rule["regex"]) // it started, so it compiles
	require.False(t, re.MatchString(""))

	id := host.InitializeHttpContext()
	require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, request(in.Path), false))
	got, ok := wasmtest.Header(host.GetCurrentRequestHeaders(id), ":path")
	require.True(t, ok)
	if got != in.Path {
		require.True(t, strings.HasPrefix(got, "/"), "%q", got)
		require.NoError(t, headers.ValidValue(got))
		require.LessOrEqual(t, len(got), maxValueLen)
	}
	want, set := expected(re, rule["replace"], in.Path)
	require.Equal(t, want, got)
	n := counter(t, host, metricRewritten)
	require.Equal(t, set, n == 1)
	require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, baseResponse, false))
	host.CompleteHttpContext(id)
}

// expected is the :path after one rule: the emulator hands the filter the
// value trimmed of white space (as Envoy's header map stores it) and NotFound
// for an empty one.
func expected(re *regexp.Regexp, replace, path string) (string, bool) {
	v := strings.TrimSpace(path)
	if v == "" || len(v) > maxValueLen {
		return path, false
	}
	out := re.ReplaceAllString(v, replace)
	if out == v || badResult(":path", out) != "" {
		return path, false
	}
	return out, true
}

// TestRegexRepl_FuzzCorpusWasm replays FuzzRegexRepl's seeds and its corpus
// in testdata/ against the wasm module, with the same checks.
func TestRegexRepl_FuzzCorpusWasm(t *testing.T) {
	inputs := map[string]fuzzInput{}
	for i, s := range fuzzSeeds {
		inputs["seed-"+strconv.Itoa(i)] = s
	}
	corpus, err := wasmtest.ReadCorpus(".", "FuzzRegexRepl")
	require.NoError(t, err)
	for name, v := range corpus {
		require.Len(t, v, 3, name)
		inputs[name] = fuzzInput{v[0].(string), v[1].(string), v[2].(string)}
	}
	vm := wasmtest.VM(t, ".")
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) { checkRequest(t, vm, in) })
	}
}
