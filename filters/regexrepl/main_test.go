package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"gopkg.in/yaml.v3"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// twin runs fn natively and against the compiled module.
func twin(t *testing.T, fn func(t *testing.T, vm types.VMContext)) {
	wasmtest.Twin(t, &vm{}, ".", fn)
}

const tutorial = `{"regex": "banana/([0-9]*)", "replace": "status/$1"}`

var baseResponse = [][2]string{{":status", "200"}, {"content-type", "text/plain"}}

// request is a GET with the given :path and extra headers.
func request(path string, extra ...[2]string) [][2]string {
	return append([][2]string{{":method", "GET"}, {":path", path}, {":authority", "example.com"}}, extra...)
}

func counter(t *testing.T, host proxytest.HostEmulator, name string) uint64 {
	t.Helper()
	n, err := host.GetCounterMetric(name)
	require.NoError(t, err)
	return n
}

func TestRegexRepl_OnHttpRequestHeaders(t *testing.T) {
	cases := []struct {
		name    string
		cfg     string
		req     [][2]string
		want    [][2]string // headers the request must carry afterwards
		changed bool        // regexrepl.rewritten counts the request
	}{
		{"tutorial JSON", tutorial,
			request("/banana/123"), [][2]string{{":path", "/status/123"}}, true},
		{"tutorial KEY=VALUE lines", "regex=banana/([0-9]*)\nreplace=status/$1\n",
			request("/banana/123"), [][2]string{{":path", "/status/123"}}, true},
		{"no match", tutorial,
			request("/apple/123"), [][2]string{{":path", "/apple/123"}}, false},
		{"every match is replaced", tutorial,
			request("/banana/1/banana/2"), [][2]string{{":path", "/status/1/status/2"}}, true},
		{"query string is part of :path", tutorial,
			request("/banana/123?next=/banana/7"), [][2]string{{":path", "/status/123?next=/status/7"}}, true},
		{"rule on the query string", `{"regex": "\\?q=([^&]*)", "replace": "?query=$1"}`,
			request("/search?q=go&page=2"), [][2]string{{":path", "/search?query=go&page=2"}}, true},
		{"anchored rule does not see past the query", `{"regex": "^/v1/(.*)$", "replace": "/v2/$1"}`,
			request("/v1/users?id=1"), [][2]string{{":path", "/v2/users?id=1"}}, true},
		{"named group", `{"regex": "banana/(?P<id>[0-9]+)", "replace": "status/${id}"}`,
			request("/banana/123"), [][2]string{{":path", "/status/123"}}, true},
		{"braced group then text", `{"regex": "banana/([0-9]+)", "replace": "status/${1}x"}`,
			request("/banana/123"), [][2]string{{":path", "/status/123x"}}, true},
		{"empty replacement deletes", `{"regex": "^/api", "replace": ""}`,
			request("/api/users"), [][2]string{{":path", "/users"}}, true},
		{"literal dollar", `{"regex": "^/price", "replace": "/cost$$"}`,
			request("/price/1"), [][2]string{{":path", "/cost$/1"}}, true},
		{"rules apply in order, each to the last output", `{"rules": [
			{"regex": "^/v1/", "replace": "/v2/"},
			{"regex": "^/v2/(.*)$", "replace": "/api/$1"}]}`,
			request("/v1/users"), [][2]string{{":path", "/api/users"}}, true},
		{"rules that undo each other write nothing", `{"rules": [
			{"regex": "^/a$", "replace": "/b"},
			{"regex": "^/b$", "replace": "/a"}]}`,
			request("/a"), [][2]string{{":path", "/a"}}, false},
		{":authority", `{"rules": [{"regex": "^old\\.example\\.com$", "replace": "new.example.com", "header": ":authority"}]}`,
			[][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "old.example.com"}},
			[][2]string{{":authority", "new.example.com"}, {":path", "/"}}, true},
		{"regular header, name lowercased", `{"rules": [{"regex": "^acme-(.*)$", "replace": "$1", "header": "X-Tenant"}]}`,
			request("/", [2]string{"x-tenant", "acme-blue"}),
			[][2]string{{"x-tenant", "blue"}}, true},
		{"header in the single-rule lines form", "regex=^acme-\nreplace=\nheader=x-tenant\n",
			request("/", [2]string{"x-tenant", "acme-blue"}),
			[][2]string{{"x-tenant", "blue"}}, true},
		{"several headers", `{"rules": [
			{"regex": "banana", "replace": "status"},
			{"regex": "^acme$", "replace": "globex", "header": "x-tenant"},
			{"regex": "/status/", "replace": "/state/"}]}`,
			request("/banana/1", [2]string{"x-tenant", "acme"}),
			[][2]string{{":path", "/state/1"}, {"x-tenant", "globex"}}, true},
		{"results chained across headers stay apart", `{"rules": [
			{"regex": "^/v1/([a-z]+)", "replace": "/v2/$1"},
			{"regex": "^acme-([a-z]+)$", "replace": "tenant-$1", "header": "x-tenant"},
			{"regex": "^/v2/([a-z]+)", "replace": "/api/$1/x"},
			{"regex": "^tenant-([a-z]+)$", "replace": "t-$1-t", "header": "x-tenant"},
			{"regex": "^/api/([a-z]+)/x", "replace": "/$1"}]}`,
			request("/v1/users?id=7", [2]string{"x-tenant", "acme-blue"}),
			[][2]string{{":path", "/users?id=7"}, {"x-tenant", "t-blue-t"}}, true},
		{"absent header is skipped", `{"rules": [
			{"regex": "x", "replace": "y", "header": "x-absent"},
			{"regex": "banana", "replace": "status"}]}`,
			request("/banana/1"), [][2]string{{":path", "/status/1"}}, true},
		{"empty rules list", `{"rules": []}`,
			request("/banana/1"), [][2]string{{":path", "/banana/1"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
				id := host.InitializeHttpContext()
				require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, tc.req, false))
				got := host.GetCurrentRequestHeaders(id)
				for _, h := range tc.want {
					require.Contains(t, got, h)
				}
				require.Len(t, got, len(tc.req), "no header added or removed")
				require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, baseResponse, false))
				require.Equal(t, baseResponse, host.GetCurrentResponseHeaders(id), "response untouched")
				host.CompleteHttpContext(id)

				want := uint64(0)
				if tc.changed {
					want = 1
				}
				require.Equal(t, want, counter(t, host, metricRewritten))
				require.Zero(t, counter(t, host, metricDropped))
				require.Empty(t, host.GetWarnLogs())
				require.Empty(t, host.GetErrorLogs())
			})
		})
	}
}

// A result that would break the request is dropped with a warn line; the
// header keeps the value the rule was given.
func TestRegexRepl_DroppedResults(t *testing.T) {
	long := "/" + strings.Repeat("x", 100)
	cases := []struct {
		name    string
		cfg     string
		req     [][2]string
		want    [][2]string
		warn    string // substring of the one warn line
		dropped bool   // regexrepl.dropped counts the request
		changed bool
	}{
		{"empty result", `{"regex": "^/.*$", "replace": ""}`,
			request("/banana/1"), [][2]string{{":path", "/banana/1"}}, "dropped (empty)", true, false},
		{":path without leading slash", `{"regex": "^/", "replace": "x/"}`,
			request("/banana/1"), [][2]string{{":path", "/banana/1"}}, `dropped (does not start with "/")`, true, false},
		{"CR in result", `{"regex": "a", "replace": "b"}`,
			request("/a\r\nx-evil: 1"), [][2]string{{":path", "/a\r\nx-evil: 1"}}, "dropped (contains CR, LF or NUL)", true, false},
		{"NUL in result", `{"regex": "a", "replace": "b"}`,
			request("/a\x00"), [][2]string{{":path", "/a\x00"}}, "dropped (contains CR, LF or NUL)", true, false},
		{"result over 8192 bytes", `{"regex": "x", "replace": "` + strings.Repeat("y", 100) + `"}`,
			request(long), [][2]string{{":path", long}}, "dropped (over the 8192-byte limit)", true, false},
		{"empty result of a regular header", `{"regex": "^acme$", "replace": "", "header": "x-tenant"}`,
			request("/", [2]string{"x-tenant", "acme"}), [][2]string{{"x-tenant", "acme"}}, "x-tenant dropped (empty)", true, false},
		{"value over 8192 bytes left unchanged", tutorial,
			request("/banana/1/" + strings.Repeat("a", 8192)), nil, "over the 8192-byte limit: left unchanged", false, false},
		{"a later rule's bad result keeps the earlier rules' work", `{"rules": [
			{"regex": "banana", "replace": "status"},
			{"regex": "^/", "replace": ""},
			{"regex": "/1$", "replace": "/2"}]}`,
			request("/banana/1"), [][2]string{{":path", "/status/2"}}, "rule 1: result for :path dropped", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
				id := host.InitializeHttpContext()
				require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, tc.req, false))
				got := host.GetCurrentRequestHeaders(id)
				if tc.want == nil {
					require.Equal(t, tc.req, got)
				}
				for _, h := range tc.want {
					require.Contains(t, got, h)
				}
				warns := host.GetWarnLogs()
				require.Len(t, warns, 1, "one warn line")
				require.Contains(t, warns[0], "regexrepl: ")
				require.Contains(t, warns[0], tc.warn)
				require.Less(t, len(warns[0]), 400, "warn lines quote values clipped")

				wantDropped, wantChanged := uint64(0), uint64(0)
				if tc.dropped {
					wantDropped = 1
				}
				if tc.changed {
					wantChanged = 1
				}
				require.Equal(t, wantDropped, counter(t, host, metricDropped))
				require.Equal(t, wantChanged, counter(t, host, metricRewritten))
			})
		})
	}
}

func TestRegexRepl_OnPluginStart(t *testing.T) {
	cases := []struct {
		name    string
		cfg     string
		wantErr string // substring of the one error line; "" means the plugin starts
	}{
		{"empty", "", ""},
		{"white space only", " \n ", ""},
		{"empty object", "{}", ""},
		{"empty rules", `{"rules": []}`, ""},
		{"tutorial", tutorial, ""},
		{"tutorial lines", "regex=banana/([0-9]*)\nreplace=status/$1", ""},
		{":authority and regular headers", `{"rules": [{"regex": "a", "replace": "b", "header": ":authority"}, {"regex": "a", "replace": "b", "header": "X-A"}]}`, ""},

		{"regex does not compile", `{"rules": [{"regex": "a", "replace": "b"}, {"regex": "b", "replace": "c"}, {"regex": "banana/(", "replace": "x"}]}`,
			`key "rules[2].regex": missing closing ): ` + "`banana/(`"},
		{"regex does not compile, single", `{"regex": "banana/(", "replace": "status/$1"}`,
			`key "regex": missing closing )`},
		{"regex does not compile, lines", "regex=a**\nreplace=b", `line 1, key "regex": invalid nested repetition operator`},
		{"regex too complex", `{"rules": [{"regex": "a", "replace": "b"}, {"regex": "[^/]{1000}", "replace": "x"}]}`,
			`key "rules[1].regex": regex is too complex: it compiles to 1002 instructions, over the limit of 1000`},
		{"empty regex", `{"regex": "", "replace": "x"}`, `key "regex": regex must not be empty`},
		{"empty regex, lines", "regex=\nreplace=x", `line 1, key "regex": regex must not be empty`},
		{"missing regex", `{"rules": [{"replace": "x"}]}`, `key "rules[0].regex": is required`},
		{"missing replace", `{"regex": "a"}`, `key "replace": is required`},
		{"regex not a string", `{"regex": 1, "replace": "x"}`, `key "regex": expected a string, got number`},
		{"replace not a string", `{"rules": [{"regex": "a", "replace": null}]}`, `key "rules[0].replace": expected a string, got null`},
		{"matches the empty string: a*", `{"regex": "a*", "replace": "x"}`, `regex "a*" matches the empty string`},
		{"matches the empty string: ^", `{"rules": [{"regex": "a", "replace": "b"}, {"regex": "^", "replace": "/x"}]}`, `key "rules[1].regex": regex "^" matches the empty string`},
		{"matches the empty string: ()", `{"regex": "()", "replace": "x"}`, `regex "()" matches the empty string`},
		{"replace names a missing group", `{"regex": "banana/([0-9]*)", "replace": "status/$2"}`,
			`key "replace": replace names group $2, which regex "banana/([0-9]*)" does not have`},
		{"replace $1x names group 1x", `{"rules": [{"regex": "banana/([0-9]*)", "replace": "status/$1x"}]}`,
			`key "rules[0].replace": replace names group $1x`},
		{"replace names a missing named group", `{"regex": "(?P<id>[0-9]+)", "replace": "${ID}"}`,
			`replace names group ${ID}`},
		{"replace with Envoy's \\1", `{"regex": "banana/([0-9]*)", "replace": "status/\\1"}`,
			`replace has "\\1", Envoy's group syntax`},
		{"replace with unclosed ${", `{"regex": "banana/([0-9]*)", "replace": "status/${1"}`,
			`replace has "${1" without a well-formed ${name}`},
		{"replace with CR", `{"regex": "a", "replace": "b\rc"}`, `key "replace": replace: header value has a CR`},
		{"replace with LF", `{"rules": [{"regex": "a", "replace": "b\nc"}]}`, `replace: header value has a LF`},
		{"replace with NUL", `{"regex": "a", "replace": "b\u0000c"}`, `replace: header value has a NUL`},
		{"unknown key in a rule", `{"rules": [{"regex": "a", "replace": "b"}, {"regex": "a", "replace": "b", "heder": ":path"}]}`,
			`key "rules[1].heder": unknown key (known keys: regex, replace, header)`},
		{"unknown key, single", `{"regex": "a", "replace": "b", "flags": "i"}`,
			`key "flags": unknown key`},
		{"unknown key, lines", "regex=a\nreplace=b\nreplacement=c", `line 3, key "replacement": unknown key`},
		{"single-rule keys beside rules", `{"rules": [], "regex": "a"}`, `key "regex": unknown key (known keys: rules)`},
		{"header not a valid name", `{"rules": [{"regex": "a", "replace": "b", "header": "x tenant"}]}`,
			`key "rules[0].header": header name "x tenant" has invalid character ' '`},
		{"header empty", `{"regex": "a", "replace": "b", "header": ""}`, `key "header": header name is empty`},
		{"header :method", `{"rules": [{"regex": "a", "replace": "b", "header": ":method"}]}`,
			`key "rules[0].header": header ":method" cannot be rewritten`},
		{"header :scheme", `{"regex": "a", "replace": "b", "header": ":scheme"}`, `header ":scheme" cannot be rewritten`},
		{"header :status", `{"regex": "a", "replace": "b", "header": ":status"}`, `header ":status" cannot be rewritten`},
		{"header not a string", `{"regex": "a", "replace": "b", "header": ["x-a"]}`, `key "header": expected a string, got array`},
		{"rules not a list", `{"rules": {"regex": "a"}}`, `key "rules": expected an array, got object`},
		{"rule not an object", `{"rules": ["a"]}`, `key "rules[0]": expected an object, got string`},
		{"rules in lines", "rules=a", `line 1, key "rules": needs the JSON form`},
		{"duplicate key", `{"regex": "a", "regex": "b", "replace": "c"}`, `key "regex": duplicate key`},
		{"not JSON", `{"regex": `, `invalid JSON`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				errs := host.GetErrorLogs()
				if tc.wantErr == "" {
					require.Equal(t, types.OnPluginStartStatusOK, status, errs)
					require.Empty(t, errs)
					return
				}
				require.Equal(t, types.OnPluginStartStatusFailed, status)
				require.Len(t, errs, 1, "one error line")
				require.Contains(t, errs[0], "regexrepl: invalid configuration: ")
				require.Contains(t, errs[0], tc.wantErr)
			})
		})
	}
}

func TestRegexRepl_EmptyConfigurationChangesNothing(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host, status := wasmtest.Start(t, vm, "")
		require.Equal(t, types.OnPluginStartStatusOK, status)
		require.Contains(t, host.GetInfoLogs(), "regexrepl: empty configuration: no request will be rewritten")
		id := host.InitializeHttpContext()
		req := request("/banana/1")
		host.CallOnRequestHeaders(id, req, false)
		require.Equal(t, req, host.GetCurrentRequestHeaders(id))
		require.Zero(t, counter(t, host, metricRewritten))
	})
}

// One plugin serves many streams: the counters add up and each stream sees
// only its own headers.
func TestRegexRepl_ManyStreams(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host, status := wasmtest.Start(t, vm, tutorial)
		require.Equal(t, types.OnPluginStartStatusOK, status)
		for i := 0; i < 10; i++ {
			id := host.InitializeHttpContext()
			n := strconv.Itoa(i)
			path := "/banana/" + n
			if i%2 == 1 {
				path = "/apple/" + n
			}
			host.CallOnRequestHeaders(id, request(path), false)
			got, _ := wasmtest.Header(host.GetCurrentRequestHeaders(id), ":path")
			require.Equal(t, regexp.MustCompile(`banana`).ReplaceAllString(path, "status"), got)
			host.CompleteHttpContext(id)
		}
		require.Equal(t, uint64(5), counter(t, host, metricRewritten))
	})
}

// The examples in wasmplugin.yaml and envoy.yaml start and do what their
// comments say.
func TestRegexRepl_Examples(t *testing.T) {
	var plugin struct {
		Spec struct {
			PluginConfig map[string]any `yaml:"pluginConfig"`
		} `yaml:"spec"`
	}
	data, err := os.ReadFile("wasmplugin.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &plugin))
	pluginConfig, err := json.Marshal(plugin.Spec.PluginConfig)
	require.NoError(t, err)

	data, err = os.ReadFile("envoy.yaml")
	require.NoError(t, err)
	var bootstrap any
	require.NoError(t, yaml.Unmarshal(data, &bootstrap))
	lines := findKey(bootstrap, "configuration").(map[string]any)["value"].(string)

	for _, tc := range []struct {
		name, cfg string
		req       [][2]string
		want      [][2]string
	}{
		{"wasmplugin.yaml", string(pluginConfig),
			[][2]string{{":method", "GET"}, {":path", "/banana/123?x=1"}, {":authority", "shop.example.com"}},
			[][2]string{{":path", "/status/123?x=1"}, {":authority", "store.example.com"}}},
		{"envoy.yaml", lines, request("/banana/123"), [][2]string{{":path", "/status/123"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
				id := host.InitializeHttpContext()
				host.CallOnRequestHeaders(id, tc.req, false)
				got := host.GetCurrentRequestHeaders(id)
				for _, h := range tc.want {
					require.Contains(t, got, h)
				}
			})
		})
	}
}

// findKey returns the first value under key in a decoded YAML document.
func findKey(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		if found, ok := v[key]; ok {
			return found
		}
		for _, child := range v {
			if found := findKey(child, key); found != nil {
				return found
			}
		}
	case []any:
		for _, child := range v {
			if found := findKey(child, key); found != nil {
				return found
			}
		}
	}
	return nil
}

func TestRegexRepl_ModuleABI(t *testing.T) {
	wasmtest.CheckABI(t, wasmtest.Module(t, "."))
}

func BenchmarkRegexRepl_Request(b *testing.B) {
	const cfg = `{"rules": [
	  {"regex": "^/banana/([0-9]+)", "replace": "/status/$1"},
	  {"regex": "^api\\.(.*)$", "replace": "$1", "header": ":authority"}]}`
	req := [][2]string{{":method", "GET"}, {":path", "/banana/123?x=1"}, {":authority", "api.example.com"},
		{"user-agent", "bench"}, {"accept", "*/*"}}
	wasmtest.Requests(b, &vm{}, ".", cfg, req, baseResponse, func(b *testing.B, host proxytest.HostEmulator) {
		n, err := host.GetCounterMetric(metricRewritten)
		require.NoError(b, err)
		require.Equal(b, uint64(b.N), n)
	})
}
