package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// authCluster is the cluster name of filters/httpcallout/wasmplugin.yaml:
// an Istio outbound cluster, whose fqdn is the callout's :authority.
const authCluster = "outbound|80||auth.default.svc.cluster.local"

// calloutConfig is httpcallout's wasmplugin.yaml configuration with the
// changes a test makes.
func calloutConfig(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	cfg := pluginConfig(t, "httpcallout")
	require.Equal(t, authCluster, cfg["cluster"])
	for k, v := range changes {
		cfg[k] = v
	}
	return marshal(t, cfg)
}

// seen is what the authorization server received.
type seen struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *seen) add(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
}

func (s *seen) all() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func authServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.add(r.Clone(context.Background()))
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func TestHTTPCallout_Allow(t *testing.T) {
	auth, seen := authServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-User", "alice")
		w.Header().Set("X-Other", "not copied")
		w.WriteHeader(http.StatusOK)
	})
	p := start(t, "httpcallout", calloutConfig(t, nil), map[string]string{authCluster: auth.URL}, "")
	res, body := do(t, client(), "GET", p.URL()+"/orders/1?x=y", map[string]string{
		"authorization": "Bearer t", "cookie": "c=1", "x-private": "p",
	}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	e := parseEcho(t, body)
	require.Equal(t, "GET /orders/1?x=y HTTP/1.1", e.line)
	require.Equal(t, []string{"alice"}, e.headers["x-user"], "copy_response_headers")
	require.NotContains(t, e.headers, "x-other")

	reqs := seen.all()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, "GET", r.Method)
	require.Equal(t, "/check", r.RequestURI)
	require.Equal(t, "auth.default.svc.cluster.local", r.Host)
	require.Equal(t, "Bearer t", r.Header.Get("Authorization"))
	require.Equal(t, "c=1", r.Header.Get("Cookie"))
	require.Empty(t, r.Header.Get("X-Private"), "only forward_headers go to the callout")
	require.Equal(t, "GET", r.Header.Get("X-Forwarded-Method"))
	require.Equal(t, "/orders/1?x=y", r.Header.Get("X-Forwarded-Uri"))
	// The module's log lines, at and above the chosen level (debug here).
	require.Contains(t, p.log.String(), "[debug] wasm log httpcallout: httpcallout: allowed\n")

	// skip_path_prefixes: no callout.
	res, _ = do(t, client(), "GET", p.URL()+"/healthz", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, seen.all(), 1)
}

func TestHTTPCallout_Deny(t *testing.T) {
	auth, _ := authServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Internal", "secret")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"token expired"}`)
	})
	p := start(t, "httpcallout", calloutConfig(t, nil), map[string]string{authCluster: auth.URL}, "")
	res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Equal(t, `{"error":"token expired"}`, body)
	require.Equal(t, `Bearer realm="shop"`, res.Header.Get("WWW-Authenticate"))
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.Empty(t, res.Header.Get("X-Internal"))
	require.NotContains(t, body, "GET /orders", "the upstream was not reached")
	require.Contains(t, p.log.String(), "[info] wasm log httpcallout: httpcallout: denied with 401")
}

// A callout past timeout_ms: Envoy's async client answers 504 itself, and
// the filter fails closed with its failure_status.
func TestHTTPCallout_Timeout(t *testing.T) {
	release := make(chan struct{})
	auth, seen := authServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	p := start(t, "httpcallout", calloutConfig(t, map[string]any{"timeout_ms": 200}), map[string]string{authCluster: auth.URL}, "")
	begin := time.Now()
	res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
	took := time.Since(begin)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "callout to "+authCluster+" failed", body)
	require.GreaterOrEqual(t, took, 200*time.Millisecond)
	require.Less(t, took, 5*time.Second)
	require.Len(t, seen.all(), 1)
	require.Contains(t, p.log.String(), "answered 504")
}

func TestHTTPCallout_ServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	t.Run("fail_open=false", func(t *testing.T) {
		p := start(t, "httpcallout", calloutConfig(t, map[string]any{"fail_open": false}), map[string]string{authCluster: down}, "")
		res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		require.Equal(t, "callout to "+authCluster+" failed", body)
		require.Contains(t, p.log.String(), "answered 503; answering 503")
	})
	t.Run("fail_open=true", func(t *testing.T) {
		p := start(t, "httpcallout", calloutConfig(t, map[string]any{"fail_open": true}), map[string]string{authCluster: down}, "")
		res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "GET /orders HTTP/1.1", parseEcho(t, body).line)
		require.Contains(t, p.log.String(), "failing open")
	})
}

// A cluster `meshwasm run` was not given does not exist: proxy_http_call
// fails with BadArgument at once (Envoy's Context::httpCall) and the filter
// fails closed.
func TestHTTPCallout_UnknownCluster(t *testing.T) {
	p := start(t, "httpcallout", calloutConfig(t, nil), map[string]string{"other": "http://127.0.0.1:1"}, "")
	res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "callout to "+authCluster+" failed", body)
	require.Contains(t, p.log.String(), "bad argument; answering 503")
}

// A client that goes away while its request waits for the callout ends the
// stream at once, without waiting for the callout.
func TestHTTPCallout_ClientGoneWhilePaused(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	auth, _ := authServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusOK)
	})
	p := start(t, "httpcallout", calloutConfig(t, map[string]any{"timeout_ms": 10000}), map[string]string{authCluster: auth.URL}, "")
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/orders", nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		res, err := client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the callout never arrived")
	}
	cancel()
	require.Error(t, <-done)
	require.Eventually(t, func() bool { return p.Proxy.Live() == 0 }, 5*time.Second, 10*time.Millisecond)
	// The late answer reaches the plugin (the SDK drops it for a deleted
	// stream) and the proxy serves on.
	close(release)
	res, body := do(t, client(), "GET", p.URL()+"/orders", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.NotContains(t, p.log.String(), "[critical]")
}
