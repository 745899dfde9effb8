package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// twin runs fn natively and against the compiled module.
func twin(t *testing.T, fn func(t *testing.T, vm types.VMContext)) {
	wasmtest.Twin(t, &vm{}, ".", fn)
}

var baseRequest = [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "example.com"}}
var baseResponse = [][2]string{{":status", "200"}, {"content-type", "text/plain"}}

func TestAddHeader_OnHttpResponseHeaders(t *testing.T) {
	cases := []struct {
		name string
		cfg  string
		want [][2]string
	}{
		{"flat JSON", `{"header_1": "first_header", "header_2": "second_header"}`,
			[][2]string{{"header_1", "first_header"}, {"header_2", "second_header"}}},
		{"lines", "environment=prod\nuser=peter\n# a comment\ndebug=1\n",
			[][2]string{{"environment", "prod"}, {"user", "peter"}, {"debug", "1"}}},
		{"numbers and booleans as text", `{"debug": 1, "ratio": 2.5, "canary": true}`,
			[][2]string{{"debug", "1"}, {"ratio", "2.5"}, {"canary", "true"}}},
		{"names are lowercased", `{"X-Env": "prod"}`, [][2]string{{"x-env", "prod"}}},
		{"structured response set", `{"response": {"set": {"content-type": "application/json"}}}`,
			[][2]string{{"content-type", "application/json"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
				id := host.InitializeHttpContext()
				require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, baseRequest, false))
				require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id, baseResponse, false))
				got := host.GetCurrentResponseHeaders(id)
				for _, h := range tc.want {
					require.Contains(t, got, h)
				}
				require.Equal(t, baseRequest, host.GetCurrentRequestHeaders(id), "request untouched")
				n, err := host.GetCounterMetric(metricResponsesChanged)
				require.NoError(t, err)
				require.Equal(t, uint64(1), n)
			})
		})
	}
}

func TestAddHeader_OnHttpRequestHeaders(t *testing.T) {
	const cfg = `{
	  "request": {
	    "remove": ["x-internal"],
	    "set": {"x-env": "prod"},
	    "add_if_absent": {"x-request-id": "generated", "x-tenant": "default"},
	    "add": {"x-via": "meshwasm"}
	  },
	  "response": {"remove": ["server"], "add": {"x-served-by": "meshwasm"}}
	}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host, status := wasmtest.Start(t, vm, cfg)
		require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
		id := host.InitializeHttpContext()
		req := append([][2]string{{"x-internal", "secret"}, {"x-env", "dev"}, {"x-tenant", "acme"}}, baseRequest...)
		require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, req, false))
		got := host.GetCurrentRequestHeaders(id)
		require.NotContains(t, headerNames(got), "x-internal")
		require.Contains(t, got, [2]string{"x-env", "prod"})
		require.Contains(t, got, [2]string{"x-tenant", "acme"}, "add_if_absent keeps a present header")
		require.Contains(t, got, [2]string{"x-request-id", "generated"})
		require.Contains(t, got, [2]string{"x-via", "meshwasm"})
		require.Contains(t, got, [2]string{":path", "/"})

		require.Equal(t, types.ActionContinue, host.CallOnResponseHeaders(id,
			append([][2]string{{"server", "envoy"}}, baseResponse...), false))
		resp := host.GetCurrentResponseHeaders(id)
		require.NotContains(t, headerNames(resp), "server")
		require.Contains(t, resp, [2]string{"x-served-by", "meshwasm"})

		for _, m := range []string{metricRequestsChanged, metricResponsesChanged} {
			n, err := host.GetCounterMetric(m)
			require.NoError(t, err)
			require.Equal(t, uint64(1), n, m)
		}
	})
}

// The order within one direction is remove, set, add_if_absent, add,
// whatever the order of the keys in the configuration.
func TestAddHeader_Order(t *testing.T) {
	const cfg = `{"request": {"add": {"x-d": "4"}, "add_if_absent": {"x-c": "3"}, "set": {"x-b": "2"}, "remove": ["x-a"]}}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host, status := wasmtest.Start(t, vm, cfg)
		require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, append([][2]string{{"x-a", "1"}}, baseRequest...), false)
		got := host.GetCurrentRequestHeaders(id)
		require.Equal(t, []string{":method", ":path", ":authority", "x-b", "x-c", "x-d"}, headerNames(got))
	})
}

func TestAddHeader_OnPluginStart(t *testing.T) {
	cases := []struct {
		name    string
		cfg     string
		wantErr string // substring of the one error line; "" means the plugin starts
	}{
		{"empty", "", ""},
		{"white space only", " \n ", ""},
		{"empty object", "{}", ""},
		{"object value", `{"x-a": {"b": "c"}}`, `x-a`},
		{"array value", `{"x-a": ["b"]}`, `x-a`},
		{"null value", `{"x-a": null}`, `x-a`},
		{"invalid name", `{"x a": "b"}`, `x a`},
		{"pseudo-header flat", `{":path": "/x"}`, `:path`},
		{"CR in value", `{"x-a": "b\rc"}`, `x-a`},
		{"LF in value lines", "x-a=ok\nx-b=\u0000", `line 2`},
		{"line without =", "x-a=ok\nbroken\n", `line 2`},
		{"duplicate key lines", "x-a=1\nx-a=2\n", `x-a`},
		{"duplicate after lowercasing", `{"X-A": "1", "x-a": "2"}`, `x-a`},
		{"not JSON", `{"x-a": `, `JSON`},
		{"structured unknown key", `{"request": {"sett": {"x-a": "1"}}}`, `sett`},
		{"structured pseudo-header", `{"request": {"set": {":authority": "x"}}}`, `request.set`},
		{"structured pseudo-header remove", `{"response": {"remove": [":status"]}}`, `response.remove[0]`},
		{"structured same header twice", `{"request": {"set": {"x-a": "1"}, "add": {"x-a": "2"}}}`, `request.add`},
		{"structured remove and set", `{"response": {"remove": ["x-a"], "set": {"x-a": "2"}}}`, `response.set`},
		{"structured remove not a list", `{"request": {"remove": "x-a"}}`, `request.remove`},
		{"structured value object", `{"request": {"set": {"x-a": {}}}}`, `request.set.x-a`},
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
				require.Contains(t, errs[0], "addheader: invalid configuration")
				require.Contains(t, errs[0], tc.wantErr)
			})
		})
	}
}

func TestAddHeader_EmptyConfigurationChangesNothing(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host, status := wasmtest.Start(t, vm, "")
		require.Equal(t, types.OnPluginStartStatusOK, status)
		require.Contains(t, host.GetInfoLogs(), "addheader: empty configuration: no header will be changed")
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, baseRequest, false)
		host.CallOnResponseHeaders(id, baseResponse, false)
		require.Equal(t, baseRequest, host.GetCurrentRequestHeaders(id))
		require.Equal(t, baseResponse, host.GetCurrentResponseHeaders(id))
		n, err := host.GetCounterMetric(metricResponsesChanged)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

func TestAddHeader_ModuleABI(t *testing.T) {
	wasmtest.CheckABI(t, wasmtest.Module(t, "."))
}

func headerNames(hs [][2]string) []string {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h[0]
	}
	return names
}

// BenchmarkAddHeader_Request measures the per-request path (new HTTP
// context, request headers, response headers, done) with the configuration
// of wasmplugin.yaml, natively and against the compiled module.
func BenchmarkAddHeader_Request(b *testing.B) {
	const cfg = `{"request": {"set": {"x-environment": "prod"}, "remove": ["x-debug-token"]},
	  "response": {"add": {"x-served-by": "meshwasm"}, "remove": ["server"]}}`
	req := append([][2]string{{"user-agent", "bench"}, {"accept", "*/*"}, {"x-debug-token", "secret"}}, baseRequest...)
	resp := append([][2]string{{"server", "envoy"}}, baseResponse...)
	wasmtest.Requests(b, &vm{}, ".", cfg, req, resp, func(b *testing.B, host proxytest.HostEmulator) {
		n, err := host.GetCounterMetric(metricResponsesChanged)
		require.NoError(b, err)
		require.Equal(b, uint64(b.N), n)
	})
}
