package localproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// stream is one request's state, carried in its context from ServeHTTP to
// the reverse proxy's hooks.
type stream struct {
	s  *proxyhost.Stream // nil without a module
	ev *events
	// request is the request header map as the module left it.
	request [][2]string
	path    *url.URL
}

type streamKey struct{}

var (
	// errModule is a module call that failed: the stream fails closed.
	errModule = errors.New("the module failed")
	// errReset is the module resetting the stream (proxy_close_stream).
	errReset = errors.New("the module reset the stream")
)

// ServeHTTP runs one request through the module in Envoy's order: request
// headers, a wait while the module pauses, the upstream, the response
// headers, then (deferred) log, done and delete.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &stream{}
	if p.vm == nil {
		st.request = requestPairs(r)
		p.forward(w, r, st)
		return
	}
	st.ev = newEvents()
	s, err := p.vm.NewStream(p.root, st.ev.notify(&st.s))
	if err != nil {
		p.vmFailed(err)
		failStream(w)
		return
	}
	st.s = s
	defer func() {
		if err := p.vm.End(s, proxyhost.EndHTTP); err != nil {
			p.vmFailed(err)
		}
	}()
	endOfStream := r.Body == nil || r.Body == http.NoBody
	act, err := p.vm.RequestHeaders(s, requestPairs(r), endOfStream)
	if err != nil {
		p.vmFailed(err)
		failStream(w)
		return
	}
	// A local reply sent during the callback ends the request whatever the
	// callback returned (Envoy stops the filter chain for it).
	ev, ok := st.ev.final()
	if !ok && act != proxyhost.ActionContinue {
		ev, ok = st.wait(r.Context(), proxyhost.Request)
		if !ok {
			return // the client went away while the request waited
		}
	}
	if ok && ev.Kind != proxyhost.EventContinue {
		p.finish(w, ev)
		return
	}
	// The request continued: the module no longer touches its map.
	st.request = s.Request
	p.forward(w, r, st)
}

// wait waits for the module to continue the stream in direction d, answer
// it or reset it.
func (st *stream) wait(ctx context.Context, d proxyhost.Direction) (event, bool) {
	for {
		for ev, ok := st.ev.next(); ok; ev, ok = st.ev.next() {
			if ev.Kind != proxyhost.EventContinue || ev.Direction == d {
				return ev, true
			}
		}
		select {
		case <-st.ev.signal:
		case <-ctx.Done():
			return event{}, false
		}
	}
}

// finish ends a request the module answered or reset before the upstream.
func (p *Proxy) finish(w http.ResponseWriter, ev event) {
	if ev.Kind == proxyhost.EventClose {
		panic(http.ErrAbortHandler)
	}
	writeLocal(w, ev.response, ev.Local)
}

// writeLocal writes a local reply: its headers as the module's
// response-headers callback left them, and its body.
func writeLocal(w http.ResponseWriter, headers [][2]string, l *proxyhost.LocalResponse) {
	status := int(l.Status)
	if n, err := strconv.Atoi(pseudo(headers, ":status")); err == nil && n >= 100 && n <= 999 {
		status = n
	}
	for k, v := range toHeader(headers) {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(l.Body)
}

// localHeaders are a local reply's headers as Envoy builds them
// (Utility::sendLocalReply): :status, the module's headers, and for a body
// its content-type (text/plain unless given) and content-length.
func localHeaders(l *proxyhost.LocalResponse) [][2]string {
	hs := [][2]string{{":status", strconv.FormatUint(uint64(l.Status), 10)}}
	hs = append(hs, l.Headers...)
	if len(l.Body) > 0 {
		if _, ok := proxyhost.Header(hs, "content-type"); !ok {
			hs = append(hs, [2]string{"content-type", "text/plain"})
		}
		hs = append(hs, [2]string{"content-length", strconv.Itoa(len(l.Body))})
	}
	return hs
}

// failStream is Envoy's Context::failStream for a plugin that does not
// fail open: 503, no body.
func failStream(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusServiceUnavailable)
}

// forward sends the request upstream with the module's headers.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, st *stream) {
	path := pseudo(st.request, ":path")
	u, err := url.ParseRequestURI(path)
	if err != nil || pseudo(st.request, ":method") == "" {
		// Envoy's router refuses a request the filters left without a
		// valid :path or :method.
		http.Error(w, fmt.Sprintf("invalid :path %q or :method", path), http.StatusBadRequest)
		return
	}
	st.path = u
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), streamKey{}, st)))
}

// rewrite makes the upstream request from the module's request headers:
// :method, :path and :authority give the request line and host, the rest
// are the headers; ReverseProxy has already removed the client's
// hop-by-hop headers and set what an upgrade or trailers need.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	st := pr.In.Context().Value(streamKey{}).(*stream)
	keep := map[string][]string{}
	for _, k := range []string{"Connection", "Upgrade", "Te"} {
		if v := pr.Out.Header.Values(k); len(v) > 0 {
			keep[k] = v
		}
	}
	pr.Out.Header = toHeader(st.request)
	for k, v := range keep {
		pr.Out.Header[k] = v
	}
	pr.Out.Method = pseudo(st.request, ":method")
	pr.Out.Host = pseudo(st.request, ":authority")
	u := *p.upstream
	u.Path, u.RawPath, u.RawQuery = st.path.Path, st.path.RawPath, st.path.RawQuery
	pr.Out.URL = &u
}

// modifyResponse gives the module the response headers (with :status) and
// sends the client what it left, or its local reply instead.
func (p *Proxy) modifyResponse(res *http.Response) error {
	st := res.Request.Context().Value(streamKey{}).(*stream)
	hs := responsePairs(res.StatusCode, res.Header)
	if st.s == nil {
		return setResponse(res, hs)
	}
	act, err := p.vm.ResponseHeaders(st.s, hs, res.ContentLength == 0)
	if err != nil {
		p.vmFailed(err)
		return errModule
	}
	ev, ok := st.ev.final()
	if !ok && act != proxyhost.ActionContinue {
		ev, ok = st.wait(res.Request.Context(), proxyhost.Response)
		if !ok {
			return res.Request.Context().Err()
		}
	}
	if ok {
		switch ev.Kind {
		case proxyhost.EventClose:
			return errReset
		case proxyhost.EventLocalResponse:
			// The response has not reached the client: Envoy replaces it
			// with the local reply, which does not pass the filters again
			// (FilterManager::sendDirectLocalReply).
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(ev.Local.Body))
			res.ContentLength = int64(len(ev.Local.Body))
			res.Trailer = nil
			return setResponse(res, localHeaders(ev.Local))
		}
	}
	// The module is done with the response headers.
	return setResponse(res, st.s.Response)
}

// setResponse sets a response's status and headers from a header map.
func setResponse(res *http.Response, hs [][2]string) error {
	status, err := strconv.Atoi(pseudo(hs, ":status"))
	if err != nil || status < 100 || status > 999 {
		return fmt.Errorf("invalid :status %q", pseudo(hs, ":status"))
	}
	res.StatusCode = status
	res.Status = ""
	res.Header = toHeader(hs)
	return nil
}

// upstreamError answers a request whose upstream failed, or whose
// response the module failed or reset.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errReset):
		panic(http.ErrAbortHandler)
	case errors.Is(err, errModule):
		failStream(w)
		return
	case r.Context().Err() != nil:
		return // the client went away
	}
	p.logger.Printf("[warn] upstream %s: %v", p.upstream, err)
	st := r.Context().Value(streamKey{}).(*stream)
	// Envoy's router answers a failed upstream with a local reply, which
	// passes the filter chain: the module sees its response headers.
	l := &proxyhost.LocalResponse{Status: http.StatusServiceUnavailable, Body: []byte(bodyConnectFailure)}
	hs := localHeaders(l)
	if st.s != nil {
		if _, err := p.vm.ResponseHeaders(st.s, hs, false); err != nil {
			p.vmFailed(err)
			failStream(w)
			return
		}
		if ev, ok := st.ev.final(); ok {
			if ev.Kind == proxyhost.EventClose {
				panic(http.ErrAbortHandler)
			}
			hs, l = localHeaders(ev.Local), ev.Local
		} else {
			hs = st.s.Response
		}
	}
	writeLocal(w, hs, l)
}
