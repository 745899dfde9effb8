package localproxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

func TestRequestPairs(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/a%2Fb?x=1", nil)
	r.Host = "shop.example.com"
	r.Header.Set("Connection", "x-hop, keep-alive")
	r.Header.Set("X-Hop", "1")
	r.Header.Set("Keep-Alive", "timeout=5")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Add("Accept", "a")
	r.Header.Add("Accept", "b")
	r.Header.Set("X-Request-Id", "given")
	hs := requestPairs(r)
	require.Equal(t, [][2]string{
		{":authority", "shop.example.com"}, {":path", "/a%2Fb?x=1"}, {":method", "GET"}, {":scheme", "http"},
		{"accept", "a"}, {"accept", "b"}, {"x-request-id", "given"}, {"x-forwarded-proto", "http"},
	}, hs)

	r = httptest.NewRequest(http.MethodGet, "http://h/abs?q", nil)
	hs = requestPairs(r)
	require.Equal(t, "/abs?q", pseudo(hs, ":path"), "absolute-form request line")
	id := pseudo(hs, "x-request-id")
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
}

func TestToHeader(t *testing.T) {
	h := toHeader([][2]string{
		{":status", "200"}, {"x-a", "1"}, {"x-a", "2"}, {"connection", "x-b"}, {"x-b", "hop"},
		{"transfer-encoding", "chunked"}, {"content-length", "3"},
	})
	require.Equal(t, http.Header{"X-A": {"1", "2"}, "Content-Length": {"3"}}, h)
}

func TestParseCluster(t *testing.T) {
	name, u, err := ParseCluster("outbound|80||auth.default.svc.cluster.local=http://127.0.0.1:9000")
	require.NoError(t, err)
	require.Equal(t, "outbound|80||auth.default.svc.cluster.local", name)
	require.Equal(t, "http://127.0.0.1:9000", u.String())
	for _, bad := range []string{"auth", "=http://h", "a=ftp://h", "a=http://h/path", "a=http://h?q", "a=http://u@h", "a=:"} {
		_, _, err := ParseCluster(bad)
		require.Error(t, err, bad)
	}
	_, err = ParseUpstream("http://127.0.0.1:8080/")
	require.NoError(t, err)
	_, err = ParseUpstream("127.0.0.1:8080")
	require.Error(t, err)
}

func TestParseLogLevel(t *testing.T) {
	l, err := ParseLogLevel("WARN")
	require.NoError(t, err)
	require.Equal(t, proxyhost.LogWarn, l)
	_, err = ParseLogLevel("verbose")
	require.Error(t, err)
}

func TestEcho(t *testing.T) {
	srv := httptest.NewServer(Echo())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/p?q=1", strings.NewReader("body"))
	req.Host = "h.example"
	req.Header.Set("X-B", "2")
	req.Header.Add("X-A", "1")
	req.Header.Add("X-A", "0")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, EchoServer, res.Header.Get("Server"))
	require.Equal(t, "PUT /p?q=1 HTTP/1.1\nhost: h.example\naccept-encoding: gzip\ncontent-length: 4\nuser-agent: Go-http-client/1.1\nx-a: 1\nx-a: 0\nx-b: 2\n\nbody", string(b))
}

// A callout's failures are what Envoy's async client delivers: a timeout
// and a refused connection are answers (504, 503) from its router, an
// answer over the buffer limit is a reset.
func TestCall(t *testing.T) {
	client := &http.Client{Transport: newTransport()}
	release := make(chan struct{})
	defer close(release)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	ctx, cancel := timeoutContext(context.Background(), 50)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL, nil)
	a, reset := call(client, req)
	require.False(t, reset)
	require.Equal(t, localAnswer(504, bodyTimeout), a)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	req, _ = http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	a, reset = call(client, req)
	require.False(t, reset)
	require.Equal(t, "503", pseudo(a.Headers, ":status"))
	require.Equal(t, bodyConnectFailure, string(a.Body))

	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-A", "1")
		_, _ = w.Write(make([]byte, maxCalloutResponse+1))
	}))
	defer big.Close()
	req, _ = http.NewRequest(http.MethodGet, big.URL, nil)
	_, reset = call(client, req)
	require.True(t, reset)

	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-User", "alice")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "hi")
	}))
	defer ok.Close()
	req, _ = http.NewRequest(http.MethodGet, ok.URL, nil)
	a, reset = call(client, req)
	require.False(t, reset)
	require.Equal(t, "201", pseudo(a.Headers, ":status"))
	require.Equal(t, "alice", pseudo(a.Headers, "x-user"))
	require.Equal(t, "hi", string(a.Body))
}

func TestCalloutRequest(t *testing.T) {
	base, _ := parseBaseURL("http://127.0.0.1:9000")
	c := &proxyhost.Callout{Headers: [][2]string{
		{":method", "POST"}, {":path", "/check?a=b"}, {":authority", "auth.local"}, {":scheme", "http"},
		{"authorization", "Bearer t"}, {"connection", "close"},
	}, Body: []byte("x"), TimeoutMS: 100}
	req, err := calloutRequest(context.Background(), base, c)
	require.NoError(t, err)
	require.Equal(t, "POST", req.Method)
	require.Equal(t, "http://127.0.0.1:9000/check?a=b", req.URL.String())
	require.Equal(t, "auth.local", req.Host)
	require.Equal(t, http.Header{"Authorization": {"Bearer t"}}, req.Header)
	require.Equal(t, int64(1), req.ContentLength)
}
