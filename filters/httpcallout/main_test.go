package main

import (
	"errors"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

const cluster = "outbound|80||auth.default.svc.cluster.local"

// twin runs fn natively and against the compiled module.
func twin(t *testing.T, fn func(t *testing.T, vm types.VMContext)) {
	wasmtest.Twin(t, &vm{}, ".", fn)
}

// mustStart starts the plugin and fails unless it accepted the configuration.
func mustStart(t testing.TB, vm types.VMContext, cfg string) proxytest.HostEmulator {
	host, status := wasmtest.Start(t, vm, cfg)
	require.Equal(t, types.OnPluginStartStatusOK, status, host.GetErrorLogs())
	return host
}

var request = [][2]string{
	{":method", "POST"}, {":path", "/api/items?id=1"}, {":authority", "example.com"}, {":scheme", "http"},
	{"authorization", "Bearer token"}, {"cookie", "session=1"}, {"x-request-id", "r-1"}, {"x-user", "mallory"},
}

// send runs the request headers through a new stream; the request must
// pause with exactly one callout, whose ID is returned.
func send(t testing.TB, host proxytest.HostEmulator) (id, calloutID uint32) {
	id = host.InitializeHttpContext()
	require.Equal(t, types.ActionPause, host.CallOnRequestHeaders(id, request, false))
	callouts := host.GetCalloutAttributesFromContext(id)
	require.Len(t, callouts, 1)
	require.Equal(t, cluster, callouts[0].Upstream)
	return id, callouts[0].CalloutID
}

// resumed fails unless the stream continued without a local answer.
func resumed(t testing.TB, host proxytest.HostEmulator, id uint32) {
	require.Nil(t, host.GetSentLocalResponse(id), "answered locally")
	require.Equal(t, types.ActionContinue, host.GetCurrentHttpStreamAction(id), "not resumed")
}

// answered fails unless the stream was answered locally, and returns the answer.
func answered(t testing.TB, host proxytest.HostEmulator, id uint32) *proxytest.LocalHttpResponse {
	resp := host.GetSentLocalResponse(id)
	require.NotNil(t, resp, "not answered locally")
	return resp
}

// counters returns allowed, denied, failed and skipped.
func counters(t testing.TB, host proxytest.HostEmulator) [4]uint64 {
	var n [4]uint64
	for i, name := range []string{metricAllowed, metricDenied, metricFailed, metricSkipped} {
		v, err := host.GetCounterMetric(name)
		require.NoError(t, err)
		n[i] = v
	}
	return n
}

func TestHttpCallout_Allow(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}, {"x-user", "alice"}}, nil, []byte("ok"))
		resumed(t, host, id)
		require.Equal(t, request, host.GetCurrentRequestHeaders(id), "nothing copied unless configured")
		require.Equal(t, [4]uint64{1, 0, 0, 0}, counters(t, host))
	})
}

func TestHttpCallout_AllowCopiesHeaders(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "copy_response_headers": ["x-user", "x-tenant", "x-role"]}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, [][2]string{
			{":status", "204"}, {"x-user", "alice"}, {"x-role", "admin\r\nx-injected: 1"}, {"x-other", "no"},
		}, nil, nil)
		resumed(t, host, id)
		got := host.GetCurrentRequestHeaders(id)
		user, _ := wasmtest.Header(got, "x-user")
		require.Equal(t, "alice", user, "replaces the client's value")
		for _, name := range []string{"x-tenant", "x-role", "x-other", "x-injected"} {
			_, ok := wasmtest.Header(got, name)
			require.False(t, ok, "%s must not be on the request", name)
		}
	})
}

func TestHttpCallout_DenyWithCalloutAnswer(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, [][2]string{
			{":status", "401"}, {"www-authenticate", `Bearer realm="api"`}, {"content-type", "application/json"},
			{"set-cookie", "x=1"}, {"www-authenticate", "Basic\r\nx: y"},
		}, nil, []byte(`{"error":"no token"}`))
		resp := answered(t, host, id)
		require.Equal(t, uint32(401), resp.StatusCode)
		require.Equal(t, `{"error":"no token"}`, string(resp.Data))
		require.ElementsMatch(t, [][2]string{
			{"www-authenticate", `Bearer realm="api"`}, {"content-type", "application/json"},
		}, resp.Headers)
		require.Equal(t, [4]uint64{0, 1, 0, 0}, counters(t, host))
	})
}

func TestHttpCallout_DenyStatus(t *testing.T) {
	cases := []struct {
		name, cfg string
		status    string
		want      uint32
	}{
		{"callout 4xx", ``, "429", 429},
		{"callout 3xx becomes 403", ``, "302", 403},
		{"status outside allow_statuses", `, "allow_statuses": [200]`, "201", 403},
		{"allowed 4xx", `, "allow_statuses": [200, 404]`, "404", 0},
		{"configured status wins", `, "deny_status": 451`, "401", 451},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host := mustStart(t, vm, `{"cluster": "`+cluster+`"`+tc.cfg+`}`)
				id, callout := send(t, host)
				host.CallOnHttpCallResponse(callout, [][2]string{{":status", tc.status}}, nil, nil)
				if tc.want == 0 {
					resumed(t, host, id)
					return
				}
				require.Equal(t, tc.want, answered(t, host, id).StatusCode)
			})
		})
	}
}

func TestHttpCallout_DenyConfiguredBody(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "deny_status": 403, "deny_body": "access denied",
	  "deny_response_headers": ["x-reason"]}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, [][2]string{
			{":status", "401"}, {"content-type", "application/json"}, {"x-reason", "expired"}, {"www-authenticate", "Bearer"},
		}, nil, []byte(`{"secret":"internal"}`))
		resp := answered(t, host, id)
		require.Equal(t, uint32(403), resp.StatusCode)
		require.Equal(t, "access denied", string(resp.Data))
		require.ElementsMatch(t, [][2]string{{"x-reason", "expired"}, {"content-type", "text/plain"}}, resp.Headers)
	})
}

func TestHttpCallout_DenyBodyIsBounded(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		id, callout := send(t, host)
		body := []byte(strings.Repeat("x", maxDenyBody+1000))
		host.CallOnHttpCallResponse(callout, [][2]string{{":status", "403"}}, nil, body)
		resp := answered(t, host, id)
		require.Equal(t, body[:maxDenyBody], resp.Data)
	})
}

func TestHttpCallout_AllowJSONPath(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "allow_json_path": "result.allow"}`
	cases := []struct {
		name   string
		status string
		body   string
		allow  bool
	}{
		{"true", "200", `{"result": {"allow": true}}`, true},
		{"false", "200", `{"result": {"allow": false}}`, false},
		{"string true", "200", `{"result": {"allow": "true"}}`, false},
		{"missing", "200", `{"result": {}}`, false},
		{"not JSON", "200", `allow`, false},
		{"truncated JSON", "200", `{"result": {"allow": true}`, false},
		{"empty body", "200", ``, false},
		{"true but status not allowed", "403", `{"result": {"allow": true}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host := mustStart(t, vm, cfg)
				id, callout := send(t, host)
				host.CallOnHttpCallResponse(callout, [][2]string{{":status", tc.status}, {"content-type", "application/json"}}, nil, []byte(tc.body))
				if tc.allow {
					resumed(t, host, id)
					return
				}
				resp := answered(t, host, id)
				require.Equal(t, uint32(403), resp.StatusCode)
				require.Equal(t, [4]uint64{0, 1, 0, 0}, counters(t, host))
			})
		})
	}
}

func TestHttpCallout_Failure(t *testing.T) {
	answers := []struct {
		name    string
		headers [][2]string
	}{
		{"no status", nil},
		{"status not a number", [][2]string{{":status", "abc"}}},
		{"status out of range", [][2]string{{":status", "099"}}},
		{"500", [][2]string{{":status", "500"}}},
		{"503", [][2]string{{":status", "503"}, {"content-type", "text/html"}}},
	}
	for _, a := range answers {
		t.Run(a.name+"/fail closed", func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host := mustStart(t, vm, `{"cluster": "`+cluster+`", "failure_status": 502}`)
				id, callout := send(t, host)
				host.CallOnHttpCallResponse(callout, a.headers, nil, []byte("upstream says no"))
				resp := answered(t, host, id)
				require.Equal(t, uint32(502), resp.StatusCode)
				require.Equal(t, "callout to "+cluster+" failed", string(resp.Data))
				require.Equal(t, [][2]string{{"content-type", "text/plain"}}, resp.Headers)
				require.Equal(t, [4]uint64{0, 0, 1, 0}, counters(t, host))
			})
		})
		t.Run(a.name+"/fail open", func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host := mustStart(t, vm, `{"cluster": "`+cluster+`", "fail_open": true}`)
				id, callout := send(t, host)
				host.CallOnHttpCallResponse(callout, a.headers, nil, nil)
				resumed(t, host, id)
				require.Equal(t, [4]uint64{0, 0, 1, 0}, counters(t, host))
				require.NotEmpty(t, host.GetWarnLogs())
			})
		})
	}
}

func TestHttpCallout_DefaultFailureStatus(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, nil, nil, nil)
		require.Equal(t, uint32(503), answered(t, host, id).StatusCode)
	})
}

// TestHttpCallout_DispatchError reaches the dispatch-error path through the
// seam: the test host accepts every dispatch. Native only, since the seam is
// a Go variable.
func TestHttpCallout_DispatchError(t *testing.T) {
	saved := dispatchHttpCall
	t.Cleanup(func() { dispatchHttpCall = saved })
	dispatchHttpCall = func(string, [][2]string, []byte, [][2]string, uint32, func(int, int, int)) (uint32, error) {
		return 0, errors.New("bad argument")
	}
	t.Run("fail closed", func(t *testing.T) {
		host := mustStart(t, &vm{}, `{"cluster": "`+cluster+`"}`)
		id := host.InitializeHttpContext()
		require.Equal(t, types.ActionPause, host.CallOnRequestHeaders(id, request, false))
		resp := answered(t, host, id)
		require.Equal(t, uint32(503), resp.StatusCode)
		require.Equal(t, "callout to "+cluster+" failed", string(resp.Data))
		require.Equal(t, [4]uint64{0, 0, 1, 0}, counters(t, host))
	})
	t.Run("fail open", func(t *testing.T) {
		host := mustStart(t, &vm{}, `{"cluster": "`+cluster+`", "fail_open": true}`)
		id := host.InitializeHttpContext()
		require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, request, false))
		require.Nil(t, host.GetSentLocalResponse(id))
		require.Equal(t, [4]uint64{0, 0, 1, 0}, counters(t, host))
		require.Contains(t, strings.Join(host.GetWarnLogs(), "\n"), "bad argument")
	})
}

func TestHttpCallout_Forwarding(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "path": "/check", "method": "POST", "timeout_ms": 250,
	  "forward_headers": ["Authorization", "x-request-id", "x-absent"]}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id, _ := send(t, host)
		got := host.GetCalloutAttributesFromContext(id)[0].Headers
		require.ElementsMatch(t, [][2]string{
			{":method", "POST"}, {":path", "/check"}, {":authority", "auth.default.svc.cluster.local"}, {":scheme", "http"},
			{"authorization", "Bearer token"}, {"x-request-id", "r-1"},
			{"x-forwarded-method", "POST"}, {"x-forwarded-uri", "/api/items?id=1"},
		}, got)
	})
}

// TestHttpCallout_ForwardingRepeatedHeader: a forwarded header the client
// sends more than once reaches the callout with every value, each as its own
// entry and in the client's order, so the authorization service sees every
// value the upstream may use.
func TestHttpCallout_ForwardingRepeatedHeader(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "forward_headers": ["x-api-key", "authorization"]}`
	req := [][2]string{
		{":method", "GET"}, {":path", "/"}, {":authority", "example.com"},
		{"x-api-key", "key-checked"}, {"authorization", "Bearer a"}, {"x-api-key", "key-used"},
		{"x-other", "o"}, {"X-Api-Key", "key-third"},
	}
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id := host.InitializeHttpContext()
		require.Equal(t, types.ActionPause, host.CallOnRequestHeaders(id, req, false))
		callouts := host.GetCalloutAttributesFromContext(id)
		require.Len(t, callouts, 1)
		var forwarded [][2]string
		for _, h := range callouts[0].Headers {
			if h[0] == "x-api-key" || h[0] == "authorization" {
				forwarded = append(forwarded, h)
			}
		}
		require.Equal(t, [][2]string{
			{"x-api-key", "key-checked"}, {"x-api-key", "key-used"}, {"x-api-key", "key-third"},
			{"authorization", "Bearer a"},
		}, forwarded)
		host.CallOnHttpCallResponse(callouts[0].CalloutID, [][2]string{{":status", "200"}}, nil, nil)
		resumed(t, host, id)
	})
}

func TestHttpCallout_ExplicitAuthority(t *testing.T) {
	const cfg = "cluster=auth_service\nauthority=auth.internal:9000\nforward_headers=authorization, cookie\nallow_statuses=200,204\n"
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id := host.InitializeHttpContext()
		require.Equal(t, types.ActionPause, host.CallOnRequestHeaders(id, request, false))
		c := host.GetCalloutAttributesFromContext(id)[0]
		require.Equal(t, "auth_service", c.Upstream)
		authority, _ := wasmtest.Header(c.Headers, ":authority")
		require.Equal(t, "auth.internal:9000", authority)
		cookie, _ := wasmtest.Header(c.Headers, "cookie")
		require.Equal(t, "session=1", cookie)
		host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "204"}}, nil, nil)
		resumed(t, host, id)
	})
}

func TestHttpCallout_SkipPathPrefixes(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "skip_path_prefixes": ["/healthz", "/ready"]}`
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id := host.InitializeHttpContext()
		req := [][2]string{{":method", "GET"}, {":path", "/healthz/live"}, {":authority", "example.com"}}
		require.Equal(t, types.ActionContinue, host.CallOnRequestHeaders(id, req, false))
		require.Empty(t, host.GetCalloutAttributesFromContext(id))
		require.Equal(t, [4]uint64{0, 0, 0, 1}, counters(t, host))

		_, callout := send(t, host) // /api/... is called out
		host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}}, nil, nil)
	})
}

// TestHttpCallout_ManyStreams dispatches every callout before answering any
// (the test host reuses IDs of answered callouts) and answers them out of
// order: each answer ends its own request.
func TestHttpCallout_ManyStreams(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		const n = 6
		var ids, callouts [n]uint32
		for i := range n {
			ids[i], callouts[i] = send(t, host)
		}
		for i := n - 1; i >= 0; i-- {
			status := "200"
			if i%2 == 1 {
				status = "403"
			}
			host.CallOnHttpCallResponse(callouts[i], [][2]string{{":status", status}}, nil, nil)
		}
		for i := range n {
			if i%2 == 1 {
				require.Equal(t, uint32(403), answered(t, host, ids[i]).StatusCode)
			} else {
				resumed(t, host, ids[i])
			}
		}
		require.Equal(t, [4]uint64{n / 2, n / 2, 0, 0}, counters(t, host))
	})
}

// TestHttpCallout_LateAnswer: an answer for a stream the host has already
// finished (the client went away) touches nothing.
func TestHttpCallout_LateAnswer(t *testing.T) {
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, `{"cluster": "`+cluster+`"}`)
		id, callout := send(t, host)
		host.CompleteHttpContext(id)
		host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}}, nil, nil)
		require.Equal(t, [4]uint64{0, 0, 0, 0}, counters(t, host))
		require.Empty(t, host.GetErrorLogs())
	})
}

func TestHttpCallout_RefusedConfigurations(t *testing.T) {
	const c = `"cluster": "` + cluster + `"`
	cases := []struct{ name, cfg, want string }{
		{"empty", ``, `key "cluster": is required`},
		{"missing cluster", `{"path": "/"}`, `key "cluster": is required`},
		{"empty cluster", `{"cluster": ""}`, `key "cluster": is required`},
		{"cluster not a string", `{"cluster": 80}`, `key "cluster": expected a string`},
		{"authority not derivable", `{"cluster": "auth_service"}`, `key "authority": is required`},
		{"authority not derivable from a bad port", `{"cluster": "outbound|http||auth.local"}`, `key "authority": is required`},
		{"unknown key", `{` + c + `, "timeout": 5}`, `timeout`},
		{"timeout too small", `{` + c + `, "timeout_ms": 0}`, `key "timeout_ms": must be between 1 and 60000`},
		{"timeout too large", `{` + c + `, "timeout_ms": 60001}`, `key "timeout_ms": must be between 1 and 60000`},
		{"timeout not a number", `{` + c + `, "timeout_ms": "500"}`, `key "timeout_ms": expected an integer`},
		{"allow status too small", `{` + c + `, "allow_statuses": [200, 99]}`, `allow_statuses`},
		{"allow status too large", `{` + c + `, "allow_statuses": [600]}`, `allow_statuses`},
		{"allow statuses empty", `{` + c + `, "allow_statuses": []}`, `key "allow_statuses": must list at least one`},
		{"deny status", `{` + c + `, "deny_status": 399}`, `key "deny_status": must be between 400 and 599`},
		{"failure status", `{` + c + `, "failure_status": 600}`, `key "failure_status": must be between 400 and 599`},
		{"failure status not a number", `{` + c + `, "failure_status": "503"}`, `key "failure_status": expected an integer`},
		{"fail_open not a bool", `{` + c + `, "fail_open": "yes"}`, `key "fail_open": expected true or false`},
		{"pseudo-header forwarded", `{` + c + `, "forward_headers": [":path"]}`, `forward_headers[0]`},
		{"invalid header name", `{` + c + `, "forward_headers": ["authorization", "bad name"]}`, `forward_headers[1]`},
		{"framing header", `{` + c + `, "forward_headers": ["content-length"]}`, `forward_headers[0]`},
		{"forwarded twice", `{` + c + `, "forward_headers": ["a", "A"]}`, `key "forward_headers[1]": header "a" is listed twice`},
		{"x-forwarded-uri listed", `{` + c + `, "forward_headers": ["x-forwarded-uri"]}`, `forward_headers[0]`},
		{"pseudo-header copied", `{` + c + `, "copy_response_headers": [":status"]}`, `copy_response_headers[0]`},
		{"pseudo-header denied", `{` + c + `, "deny_response_headers": [":authority"]}`, `deny_response_headers[0]`},
		{"header list not a list", `{` + c + `, "copy_response_headers": "x-user"}`, `copy_response_headers`},
		{"path without slash", `{` + c + `, "path": "check"}`, `key "path": must start with "/"`},
		{"path with space", `{` + c + `, "path": "/a b"}`, `key "path": must not contain white space`},
		{"method", `{` + c + `, "method": "GE T"}`, `key "method": "GE T" is not a valid HTTP method`},
		{"empty json path", `{` + c + `, "allow_json_path": ""}`, `key "allow_json_path": is required and must not be empty`},
		{"json path query", `{` + c + `, "allow_json_path": "items.#(id==\"x\").ok"}`, `key "allow_json_path": path "items.#(id==\"x\").ok" uses gjson's '#'`},
		{"json path modifier", `{` + c + `, "allow_json_path": "@this.allow"}`, `key "allow_json_path": path "@this.allow" uses gjson's '@'`},
		{"json path empty key", `{` + c + `, "allow_json_path": "result..allow"}`, `key "allow_json_path": path "result..allow" has an empty key`},
		{"skip prefix without slash", `{` + c + `, "skip_path_prefixes": ["healthz"]}`, `skip_path_prefixes[0]`},
		{"line without =", "cluster=" + cluster + "\ntimeout_ms\n", `line 2`},
		{"bad number on a line", "cluster=" + cluster + "\n\ntimeout_ms=fast\n", `line 3`},
		{"duplicate key", "cluster=" + cluster + "\ncluster=x\n", `cluster`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			twin(t, func(t *testing.T, vm types.VMContext) {
				host, status := wasmtest.Start(t, vm, tc.cfg)
				require.Equal(t, types.OnPluginStartStatusFailed, status)
				errs := host.GetErrorLogs()
				require.Len(t, errs, 1, "one error line")
				require.Contains(t, errs[0], "httpcallout: invalid configuration: ")
				require.Contains(t, errs[0], tc.want)
			})
		})
	}
}

func TestHttpCallout_ModuleABI(t *testing.T) {
	wasmtest.CheckABI(t, wasmtest.Module(t, "."))
}

func BenchmarkHttpCallout_Request(b *testing.B) {
	const cfg = `{"cluster": "` + cluster + `", "forward_headers": ["authorization"], "copy_response_headers": ["x-user"]}`
	answer := [][2]string{{":status", "200"}, {"x-user", "alice"}}
	resp := [][2]string{{":status", "200"}, {"content-type", "text/plain"}}
	run := func(b *testing.B, vm types.VMContext) {
		host := mustStart(b, vm, cfg)
		// The test host prints every callout it dispatches; a real proxy does
		// not, so the printing is kept out of the measured cost.
		log.SetOutput(io.Discard)
		b.Cleanup(func() { log.SetOutput(os.Stderr) })
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, request, false)
			callouts := host.GetCalloutAttributesFromContext(id)
			host.CallOnHttpCallResponse(callouts[0].CalloutID, answer, nil, nil)
			host.CallOnResponseHeaders(id, resp, false)
			host.CompleteHttpContext(id)
		}
		b.StopTimer()
		require.Equal(b, uint64(b.N), counters(b, host)[0])
	}
	b.Run("native", func(b *testing.B) { run(b, &vm{}) })
	b.Run("wasm", func(b *testing.B) { run(b, wasmtest.VM(b, ".")) })
}
