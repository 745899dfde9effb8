// Package e2e sends real HTTP requests over loopback sockets through
// `meshwasm run` (the localproxy library in process, and the meshwasm
// command) to real upstreams, for every filter under filters/.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/meshwasm/meshwasm/build/localproxy"
	"github.com/meshwasm/meshwasm/build/manifest"
	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// cache shares the modules' compiled code between the proxies the tests
// start.
var cache = wazero.NewCompilationCache()

// root is the repository root, two levels above this package.
var root = filepath.Join("..", "..")

func filterDir(name string) string { return filepath.Join(root, "filters", name) }

// pluginConfig is the pluginConfig of the filter's wasmplugin.yaml, the
// configuration `meshwasm run` uses by default, decoded.
func pluginConfig(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(filterDir(name), "wasmplugin.yaml"))
	require.NoError(t, err)
	raw, err := manifest.PluginConfig(data)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(raw, &cfg))
	return cfg
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// syncBuffer collects the proxy's log, written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proxy is a running `meshwasm run` in this process.
type proxy struct {
	*localproxy.Server
	log *syncBuffer
}

// start runs the filter's module (built once per test binary) with the
// configuration on a loopback port; upstream "" is the built-in echo.
func start(t *testing.T, name string, config []byte, clusters map[string]string, upstream string) *proxy {
	t.Helper()
	opts := localproxy.Options{
		Module:   wasmtest.Module(t, filterDir(name)),
		Name:     name,
		Config:   config,
		Clusters: map[string]*url.URL{},
		LogLevel: proxyhost.LogDebug,
		Cache:    cache,
	}
	for n, raw := range clusters {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		opts.Clusters[n] = u
	}
	if upstream != "" {
		u, err := localproxy.ParseUpstream(upstream)
		require.NoError(t, err)
		opts.Upstream = u
	}
	return listen(t, opts)
}

func listen(t *testing.T, opts localproxy.Options) *proxy {
	t.Helper()
	log := &syncBuffer{}
	opts.Log = log
	s, err := localproxy.Listen(opts, "127.0.0.1:0")
	require.NoError(t, err, log.String())
	t.Cleanup(func() {
		// Every stream the requests made has ended (log, done, delete):
		// a request the proxy forgot would stay alive in the VM.
		require.Eventually(t, func() bool { return s.Proxy.Live() == 0 }, 5*time.Second, 10*time.Millisecond,
			"streams left alive")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		if t.Failed() {
			t.Logf("proxy log:\n%s", log.String())
		}
	})
	return &proxy{Server: s, log: log}
}

// client is an HTTP/1.1 client with its own connections and a bound on
// every request.
func client() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableCompression: true}}
}

// answer is a response, its body read and closed.
type answer struct {
	StatusCode int
	Proto      string
	Header     http.Header
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, c *http.Client, method, u string, headers map[string]string, body io.Reader) (answer, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	for k, v := range headers {
		if strings.EqualFold(k, "host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{StatusCode: res.StatusCode, Proto: res.Proto, Header: res.Header}, string(b)
}

// echo is what the built-in echo upstream received.
type echo struct {
	line    string // METHOD PATH PROTO
	host    string
	headers map[string][]string
	body    string
}

func parseEcho(t *testing.T, text string) echo {
	t.Helper()
	head, body, ok := strings.Cut(text, "\n\n")
	require.True(t, ok, "not an echo: %q", text)
	e := echo{headers: map[string][]string{}, body: body}
	sc := bufio.NewScanner(strings.NewReader(head))
	for i := 0; sc.Scan(); i++ {
		line := sc.Text()
		if i == 0 {
			e.line = line
			continue
		}
		name, value, ok := strings.Cut(line, ": ")
		require.True(t, ok, "echo line %q", line)
		if name == "host" {
			e.host = value
			continue
		}
		e.headers[name] = append(e.headers[name], value)
	}
	return e
}
