package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// answer is one input of FuzzHttpCallout_Callback: a callout answer (status,
// one more header, body) and the failure policy.
type answer struct {
	Status, Name, Value string
	Body                []byte
	FailOpen            bool
}

// fuzzConfig copies and relays the fuzzed header name when it is one of
// these, so that arbitrary values reach both paths.
const fuzzConfig = `{"cluster": "` + cluster + `", "allow_json_path": "allow",
  "copy_response_headers": ["x-user"], "deny_response_headers": ["www-authenticate"], "fail_open": %t}`

// answerSeeds seed FuzzHttpCallout_Callback and are replayed against the
// wasm module.
var answerSeeds = []answer{
	{"200", "x-user", "alice", []byte(`{"allow": true}`), false},
	{"200", "x-user", "alice\r\nx-evil: 1", []byte(`{"allow": true}`), false},
	{"200", "x-user", "a\x00b", []byte(`{"allow": true}`), true},
	{"200", ":path", "/admin", []byte(`{"allow": true}`), false},
	{"200", "x-user", "bob", []byte(`{"allow": false}`), false},
	{"401", "www-authenticate", "Bearer\nx", []byte("denied"), false},
	{"401", "www-authenticate", "Basic realm=\"x\"", nil, false},
	{"503", "", "", nil, false},
	{"503", "", "", nil, true},
	{"", "", "", nil, false},
	{"2000", "", "", nil, false},
	{"-20", "", "", nil, true},
	{" 200", "", "", nil, false},
	{"099", "", "", []byte{0xff, 0xfe}, false},
	{"200", "x-user", strings.Repeat("v", 70000), []byte(`{"allow": true`), false},
	{"403", "content-type", "text/html\r\n", []byte(strings.Repeat("<", 70000)), false},
	// Nesting past maxJSONDepth: denied before gjson's recursive parse.
	{"200", "x-user", "alice", []byte(strings.Repeat("[", 100000)), false},
	{"200", "x-user", "alice", []byte(`{"allow": true, "x": ` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + `}`), false},
	{"200", "x-user", "alice", []byte(`{"allow": true, "x": "` + strings.Repeat("[", 1000) + `"}`), false},
}

func FuzzHttpCallout_Callback(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add(s.Status, s.Name, s.Value, s.Body, s.FailOpen)
	}
	f.Fuzz(func(t *testing.T, status, name, value string, body []byte, failOpen bool) {
		checkAnswer(t, &vm{}, answer{status, name, value, body, failOpen})
	})
}

// checkAnswer runs one request whose callout gets the answer. The request
// ends exactly once, resumed or answered; nothing from the answer reaches
// the request or the client with CR, LF, NUL or as a pseudo-header; and
// exactly one counter moves.
func checkAnswer(t *testing.T, vm types.VMContext, a answer) {
	host := mustStart(t, vm, fmt.Sprintf(fuzzConfig, a.FailOpen))
	id, callout := send(t, host)
	var answerHeaders [][2]string
	if a.Status != "" {
		answerHeaders = append(answerHeaders, [2]string{":status", a.Status})
	}
	if a.Name != "" {
		answerHeaders = append(answerHeaders, [2]string{a.Name, a.Value})
	}
	host.CallOnHttpCallResponse(callout, answerHeaders, nil, a.Body)

	n := counters(t, host)
	require.Equal(t, uint64(1), n[0]+n[1]+n[2], "exactly one decision: %v", n)
	resp := host.GetSentLocalResponse(id)
	if n[0] == 1 || n[2] == 1 && a.FailOpen {
		require.Nil(t, resp, "resumed requests are not answered")
		require.Equal(t, types.ActionContinue, host.GetCurrentHttpStreamAction(id))
		for _, h := range host.GetCurrentRequestHeaders(id) {
			require.NoError(t, headers.ValidValue(h[1]), "request header %q", h[0])
		}
		if user, ok := wasmtest.Header(host.GetCurrentRequestHeaders(id), "x-user"); ok && user != "mallory" {
			require.Equal(t, a.Value, user)
		}
		return
	}
	require.NotNil(t, resp, "not answered")
	require.GreaterOrEqual(t, resp.StatusCode, uint32(400))
	require.LessOrEqual(t, resp.StatusCode, uint32(599))
	require.LessOrEqual(t, len(resp.Data), maxDenyBody)
	for _, h := range resp.Headers {
		require.False(t, headers.IsPseudo(h[0]), "pseudo-header %q", h[0])
		require.NoError(t, headers.ValidValue(h[1]), "answer header %q", h[0])
	}
}

// TestHttpCallout_FuzzCorpusWasm replays FuzzHttpCallout_Callback's seeds
// and its corpus in testdata/ against the wasm module, with the same checks.
func TestHttpCallout_FuzzCorpusWasm(t *testing.T) {
	inputs := map[string]answer{}
	for i, s := range answerSeeds {
		inputs["seed-"+strconv.Itoa(i)] = s
	}
	corpus, err := wasmtest.ReadCorpus(".", "FuzzHttpCallout_Callback")
	require.NoError(t, err)
	for name, v := range corpus {
		require.Len(t, v, 5, name)
		inputs[name] = answer{v[0].(string), v[1].(string), v[2].(string), v[3].([]byte), v[4].(bool)}
	}
	vm := wasmtest.VM(t, ".")
	for name, a := range inputs {
		t.Run(name, func(t *testing.T) { checkAnswer(t, vm, a) })
	}
}

// FuzzHttpCallout_Config: any configuration either starts the plugin or is
// refused with exactly one error line; it never panics.
func FuzzHttpCallout_Config(f *testing.F) {
	f.Add(`{"cluster": "` + cluster + `"}`)
	f.Add(`{"cluster": "x", "authority": "a", "allow_statuses": [200, 600]}`)
	f.Add("cluster=outbound|80||a.b\nforward_headers=authorization,,x\nfail_open=true\n")
	f.Add(`{"cluster": "outbound|0||a", "deny_body": "", "skip_path_prefixes": ["/"]}`)
	f.Fuzz(func(t *testing.T, cfg string) {
		host, status := wasmtest.Start(t, &vm{}, cfg)
		errs := host.GetErrorLogs()
		if status == types.OnPluginStartStatusOK {
			require.Empty(t, errs)
			return
		}
		require.Len(t, errs, 1)
		require.True(t, strings.HasPrefix(errs[0], "httpcallout: invalid configuration: "), errs[0])
	})
}

// FuzzHttpCallout_Request: any request either is skipped or pauses with
// exactly one callout carrying only the listed headers, and it never panics.
func FuzzHttpCallout_Request(f *testing.F) {
	f.Add("/api/items?id=1", "GET", "Bearer x")
	f.Add("/healthz", "GET", "")
	f.Add("", "", "")
	f.Add("/a\r\nx-evil: 1", "GE\x00T", "v\n")
	f.Add(strings.Repeat("/x", 5000), "POST", strings.Repeat("t", 70000))
	const cfg = `{"cluster": "` + cluster + `", "forward_headers": ["authorization"], "skip_path_prefixes": ["/healthz"]}`
	f.Fuzz(func(t *testing.T, path, method, auth string) {
		host := mustStart(t, &vm{}, cfg)
		id := host.InitializeHttpContext()
		req := [][2]string{{":path", path}, {":method", method}, {"authorization", auth}, {"cookie", "c=1"}}
		action := host.CallOnRequestHeaders(id, req, false)
		callouts := host.GetCalloutAttributesFromContext(id)
		if action == types.ActionContinue {
			require.Empty(t, callouts)
			require.Equal(t, [4]uint64{0, 0, 0, 1}, counters(t, host))
			return
		}
		require.Len(t, callouts, 1)
		for _, h := range callouts[0].Headers {
			require.Contains(t, []string{":method", ":path", ":authority", ":scheme", "authorization", forwardedMethod, forwardedURI}, h[0])
			require.NoError(t, headers.ValidValue(h[1]), "callout header %q", h[0])
		}
		host.CallOnHttpCallResponse(callouts[0].CalloutID, [][2]string{{":status", "200"}}, nil, nil)
		resumed(t, host, id)
	})
}
