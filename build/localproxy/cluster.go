package localproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// maxCalloutResponse is the most of a callout's answer Envoy's async client
// buffers (kBufferLimitForResponse, 32 MiB); past it the call fails as a
// reset (AsyncRequestSharedImpl::onData, onReset).
const maxCalloutResponse = 32 << 20

// The bodies of the local replies Envoy's router gives an async request that
// found no answer; AsyncStreamImpl::sendLocalReply delivers them to the
// caller as an answer (onSuccess), not as a failure.
const (
	bodyTimeout        = "upstream request timeout"
	bodyConnectFailure = "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
)

// ParseCluster parses a -cluster value, NAME=URL, where URL is
// http[s]://host[:port] (a cluster is an address; the callout's :path says
// where on it).
func ParseCluster(s string) (string, *url.URL, error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return "", nil, fmt.Errorf("cluster %q: want NAME=URL", s)
	}
	u, err := parseBaseURL(raw)
	if err != nil {
		return "", nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	return name, u, nil
}

// parseBaseURL accepts http[s]://host[:port] with no path, query or user.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want http://HOST[:PORT] or https://HOST[:PORT]", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("%q: want only a scheme, a host and a port (the request carries the path)", raw)
	}
	u.Path = ""
	return u, nil
}

// calloutRequest builds the HTTP request of a proxy_http_call: :method,
// :path and :authority give the request line and host (proxyhost has
// checked they are there, as Context::httpCall does), the other headers
// go as they are, and the body with them.
func calloutRequest(ctx context.Context, base *url.URL, c *proxyhost.Callout) (*http.Request, error) {
	path := pseudo(c.Headers, ":path")
	ref, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, fmt.Errorf(":path %q: %w", path, err)
	}
	u := *base
	u.Path, u.RawPath, u.RawQuery = ref.Path, ref.RawPath, ref.RawQuery
	var body io.Reader = http.NoBody
	if len(c.Body) > 0 {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, pseudo(c.Headers, ":method"), u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Host = pseudo(c.Headers, ":authority")
	req.Header = toHeader(c.Headers)
	return req, nil
}

// call sends a callout and returns what Envoy would deliver to the module:
// the answer (reset false) or a failure without one (reset true).
func call(client *http.Client, req *http.Request) (answer proxyhost.Answer, reset bool) {
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return localAnswer(http.StatusGatewayTimeout, bodyTimeout), false
		}
		return localAnswer(http.StatusServiceUnavailable, bodyConnectFailure), false
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxCalloutResponse+1))
	if err != nil || len(body) > maxCalloutResponse {
		// After the headers, Envoy's router resets the stream rather than
		// replying (the response has started): onFailure.
		return proxyhost.Answer{}, true
	}
	answer.Headers = responsePairs(res.StatusCode, res.Header)
	answer.Body = body
	if len(res.Trailer) > 0 {
		answer.Trailers = pairs(res.Trailer, nil)
	}
	return answer, false
}

func localAnswer(status int, body string) proxyhost.Answer {
	return proxyhost.Answer{
		Headers: [][2]string{
			{":status", strconv.Itoa(status)},
			{"content-length", strconv.Itoa(len(body))},
			{"content-type", "text/plain"},
		},
		Body: []byte(body),
	}
}

// timeoutContext is the callout's timeout: Envoy gives the async request
// timeout_milliseconds as its route timeout, where 0 is none.
func timeoutContext(parent context.Context, ms uint32) (context.Context, context.CancelFunc) {
	if ms == 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeout(parent, time.Duration(ms)*time.Millisecond)
}

// ParseUpstream parses an -upstream value: http[s]://host[:port].
func ParseUpstream(s string) (*url.URL, error) {
	u, err := parseBaseURL(s)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	return u, nil
}
