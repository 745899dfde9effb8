package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/localproxy"
)

// The configuration the addheader tests rely on is the one its
// wasmplugin.yaml ships, which `meshwasm run filters/addheader` uses.
func TestAddHeader_WasmPluginConfig(t *testing.T) {
	cfg := pluginConfig(t, "addheader")
	require.Equal(t, map[string]any{
		"request":  map[string]any{"set": map[string]any{"x-environment": "prod"}, "remove": []any{"x-debug-token"}},
		"response": map[string]any{"add": map[string]any{"x-served-by": "meshwasm"}, "remove": []any{"server"}},
	}, cfg)
}

func TestAddHeader_RequestAndResponse(t *testing.T) {
	p := start(t, "addheader", marshal(t, pluginConfig(t, "addheader")), nil, "")
	c := client()

	res, body := do(t, c, "GET", p.URL()+"/", map[string]string{"x-debug-token": "s", "x-environment": "dev"}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, []string{"meshwasm"}, res.Header.Values("X-Served-By"))
	// The echo upstream says server: meshwasm-echo; the filter removes it.
	require.Empty(t, res.Header.Values("Server"))
	e := parseEcho(t, body)
	require.Equal(t, "GET / HTTP/1.1", e.line)
	require.Equal(t, []string{"prod"}, e.headers["x-environment"], "set replaces the client's value")
	require.NotContains(t, e.headers, "x-debug-token")
	// What Envoy's connection manager adds before the filters.
	require.Equal(t, []string{"http"}, e.headers["x-forwarded-proto"])
	require.Len(t, e.headers["x-request-id"], 1)
	// Nothing the client did not send: Go's transport would add its own
	// accept-encoding (and undo the upstream's gzip) unless told not to.
	require.NotContains(t, e.headers, "accept-encoding")

	// A request body streams through to the upstream (the filter never
	// sees it), and the method and query reach it unchanged.
	payload := strings.Repeat("meshwasm ", 100000)
	res, body = do(t, c, "POST", p.URL()+"/upload?x=1", map[string]string{"content-type": "text/plain"}, strings.NewReader(payload))
	require.Equal(t, http.StatusOK, res.StatusCode)
	e = parseEcho(t, body)
	require.Equal(t, "POST /upload?x=1 HTTP/1.1", e.line)
	require.Equal(t, payload, e.body)
	require.Equal(t, []string{"prod"}, e.headers["x-environment"])
}

func TestRegexRepl_RewriteSeenByUpstream(t *testing.T) {
	cfg := pluginConfig(t, "regexrepl")
	p := start(t, "regexrepl", marshal(t, cfg), nil, "")
	c := client()

	res, body := do(t, c, "GET", p.URL()+"/banana/7", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "GET /status/7 HTTP/1.1", parseEcho(t, body).line)

	// The query is kept; the second rule rewrites the old host name.
	res, body = do(t, c, "GET", p.URL()+"/banana/123?color=yellow", map[string]string{"host": "shop.example.com"}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	e := parseEcho(t, body)
	require.Equal(t, "GET /status/123?color=yellow HTTP/1.1", e.line)
	require.Equal(t, "store.example.com", e.host)

	// A path no rule matches goes as it came.
	_, body = do(t, c, "GET", p.URL()+"/apple/7", nil, nil)
	require.Equal(t, "GET /apple/7 HTTP/1.1", parseEcho(t, body).line)
}

// An h2c client (HTTP/2 with prior knowledge, no TLS) gets the same
// filter; the upstream is still spoken to in HTTP/1.1, as Envoy's default
// cluster does.
func TestH2C(t *testing.T) {
	p := start(t, "addheader", marshal(t, pluginConfig(t, "addheader")), nil, "")
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Protocols: &protocols, DisableCompression: true}}
	for i := 0; i < 3; i++ {
		res, body := do(t, c, "GET", p.URL()+"/h2?n=1", map[string]string{"x-debug-token": "s"}, nil)
		require.Equal(t, "HTTP/2.0", res.Proto)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "meshwasm", res.Header.Get("X-Served-By"))
		e := parseEcho(t, body)
		require.Equal(t, "GET /h2?n=1 HTTP/1.1", e.line)
		require.Equal(t, []string{"prod"}, e.headers["x-environment"])
		require.NotContains(t, e.headers, "x-debug-token")
	}
}

// The proxy with no module (the load test's baseline) forwards requests
// unchanged, and hop-by-hop headers stop at the proxy either way.
func TestNoFilter(t *testing.T) {
	p := listen(t, localproxy.Options{})
	res, body := do(t, client(), "GET", p.URL()+"/a/b?c=d", map[string]string{
		"x-debug-token": "s", "connection": "x-hop", "x-hop": "1", "keep-alive": "timeout=5",
	}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, localproxy.EchoServer, res.Header.Get("Server"))
	e := parseEcho(t, body)
	require.Equal(t, "GET /a/b?c=d HTTP/1.1", e.line)
	require.Equal(t, []string{"s"}, e.headers["x-debug-token"])
	require.NotContains(t, e.headers, "x-hop")
	require.NotContains(t, e.headers, "keep-alive")
}

// An upstream that refuses connections is answered as Envoy's router
// answers it: 503 through the filter (addheader still adds its header).
func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := start(t, "addheader", marshal(t, pluginConfig(t, "addheader")), nil, "http://"+addr)
	res, body := do(t, client(), "GET", p.URL()+"/", nil, nil)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "meshwasm", res.Header.Get("X-Served-By"))
	require.Contains(t, body, "upstream connect error")
}
