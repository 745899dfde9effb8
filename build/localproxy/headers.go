package localproxy

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/textproto"
	"sort"
	"strings"
)

// hopByHop are the connection-level headers a proxy never forwards (RFC
// 9110 section 7.6.1, the list net/http/httputil.ReverseProxy removes).
// Envoy's connection manager removes them before its filters run
// (ConnectionManagerUtility::mutateRequestHeaders), so the module never
// sees them either.
var hopByHop = []string{
	"connection", "proxy-connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
}

// connectionTokens are the header names a Connection header lists: they
// are hop-by-hop too.
func connectionTokens(h http.Header) map[string]bool {
	out := map[string]bool{}
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if tok = strings.ToLower(strings.TrimSpace(tok)); tok != "" {
				out[tok] = true
			}
		}
	}
	return out
}

func isHopByHop(name string, listed map[string]bool) bool {
	for _, h := range hopByHop {
		if name == h {
			return true
		}
	}
	return listed[name]
}

// pairs turns a net/http header into proxy-wasm header pairs: lower-case
// names (HTTP/2's form, Envoy's for every protocol), names sorted so that
// the order is the same for every run (Go's map has none), values in the
// order received, hop-by-hop headers left out.
func pairs(h http.Header, into [][2]string) [][2]string {
	listed := connectionTokens(h)
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		if isHopByHop(lower, listed) {
			continue
		}
		for _, v := range h[name] {
			into = append(into, [2]string{lower, v})
		}
	}
	return into
}

// requestPairs is the request header map a filter gets: the pseudo-headers
// of the request, then its headers, then what Envoy's connection manager
// adds before the filters when absent: x-forwarded-proto (the connection's
// scheme) and x-request-id (generate_request_id, on by default).
func requestPairs(r *http.Request) [][2]string {
	path := r.RequestURI
	if !strings.HasPrefix(path, "/") && path != "*" {
		// An absolute-form request line (a client that sees us as a
		// forward proxy): Envoy keeps the path and query.
		path = r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	hs := make([][2]string, 0, 4+len(r.Header)+2)
	hs = append(hs, [2]string{":authority", r.Host}, [2]string{":path", path},
		[2]string{":method", r.Method}, [2]string{":scheme", scheme})
	hs = pairs(r.Header, hs)
	if r.Header.Get("X-Forwarded-Proto") == "" {
		hs = append(hs, [2]string{"x-forwarded-proto", scheme})
	}
	if r.Header.Get("X-Request-Id") == "" {
		hs = append(hs, [2]string{"x-request-id", uuid4()})
	}
	return hs
}

// responsePairs is the response header map a filter gets: :status, then
// the headers.
func responsePairs(status int, h http.Header) [][2]string {
	hs := make([][2]string, 0, 1+len(h))
	hs = append(hs, [2]string{":status", fmt.Sprint(status)})
	return pairs(h, hs)
}

// toHeader turns the module's header pairs back into a net/http header:
// pseudo-headers are left out (the caller reads them), and so are the
// hop-by-hop headers a module may have added, which would otherwise
// confuse the connection they are written on.
func toHeader(hs [][2]string) http.Header {
	h := make(http.Header, len(hs))
	listed := map[string]bool{}
	for _, p := range hs {
		if strings.EqualFold(p[0], "connection") {
			for _, tok := range strings.Split(p[1], ",") {
				listed[strings.ToLower(strings.TrimSpace(tok))] = true
			}
		}
	}
	for _, p := range hs {
		name := strings.ToLower(p[0])
		if strings.HasPrefix(name, ":") || isHopByHop(name, listed) {
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		h[key] = append(h[key], p[1])
	}
	return h
}

// pseudo returns the value of a pseudo-header (the first one).
func pseudo(hs [][2]string, name string) string {
	for _, p := range hs {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

// uuid4 is a random (version 4) UUID, the form of Envoy's x-request-id.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
