package proxyhost

import (
	"bytes"
	"fmt"
	"slices"
)

// Callout is one proxy_http_call.
type Callout struct {
	// ID is the token the module got: counted per root context from 1.
	ID   uint32
	Root *Root
	// Stream is the context the module dispatched from (its effective
	// context at the time); the answer still goes to Root.
	Stream    uint32
	Cluster   string
	Headers   [][2]string
	Body      []byte
	Trailers  [][2]string
	TimeoutMS uint32
	answered  bool
}

// Answer is what the host delivers for a callout: the upstream's answer.
type Answer struct {
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
}

// Pending lists the callouts not yet answered, oldest first.
func (v *VM) Pending() []*Callout {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*Callout(nil), v.pending...)
}

// proxyHTTPCall is proxy_http_call(cluster, headers, body, trailers,
// timeout, token_ptr), dispatched on the root context of the calling one
// (exports::http_call uses contextOrEffectiveContext()->root_context()) and
// checked as Envoy's Context::httpCall checks it, in its order: a negative
// timeout (a u32 past 2^31 read as int) is BadArgument; an unknown cluster
// is BadArgument; a request without :path, :method or :authority is
// BadArgument; then a token is taken (Context::nextHttpCallToken: the root's
// counter, skipping 0 and tokens in flight) and the request started; one
// that cannot be started (Options.Dispatch fails) releases the token and is
// InternalFailure.
func (v *VM) proxyHTTPCall(clusterPtr, clusterSize, headersPtr, headersSize, bodyPtr, bodySize,
	trailersPtr, trailersSize, timeout, tokenPtr uint32) Status {
	cluster, ok1 := v.readString(clusterPtr, clusterSize)
	hdrs, ok2 := v.read(headersPtr, headersSize)
	body, ok3 := v.read(bodyPtr, bodySize)
	trl, ok4 := v.read(trailersPtr, trailersSize)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return StatusInvalidMemoryAccess
	}
	hs, err1 := DeserializeMap(hdrs)
	ts, err2 := DeserializeMap(trl)
	if err1 != nil || err2 != nil {
		return StatusBadArgument
	}
	r, s := v.context()
	if r == nil {
		return StatusBadArgument
	}
	if int32(timeout) < 0 {
		return StatusBadArgument
	}
	if v.opts.Clusters != nil && !v.opts.Clusters(cluster) {
		return StatusBadArgument
	}
	for _, name := range []string{":path", ":method", ":authority"} {
		if _, ok := Header(hs, name); !ok {
			return StatusBadArgument
		}
	}
	c := &Callout{ID: r.takeToken(), Root: r, Cluster: cluster, Headers: hs,
		Body: bytes.Clone(body), Trailers: ts, TimeoutMS: timeout}
	if s != nil {
		c.Stream = s.ID
	} else {
		c.Stream = r.ID
	}
	if v.opts.Dispatch != nil {
		if err := v.opts.Dispatch(c); err != nil {
			return StatusInternalFailure
		}
	}
	if !v.mem.WriteUint32Le(tokenPtr, c.ID) {
		return StatusInvalidMemoryAccess
	}
	r.callouts[c.ID] = c
	v.pending = append(v.pending, c)
	if s != nil {
		s.Callouts = append(s.Callouts, c.ID)
	}
	return StatusOK
}

// takeToken is Context::nextHttpCallToken.
func (r *Root) takeToken() uint32 {
	for {
		t := r.nextToken
		r.nextToken++
		if t != 0 && r.callouts[t] == nil {
			return t
		}
	}
}

func (v *VM) settle(c *Callout) error {
	if c.answered || c.Root.callouts[c.ID] != c {
		return fmt.Errorf("callout %d of root %d is not pending", c.ID, c.Root.ID)
	}
	c.answered = true
	delete(c.Root.callouts, c.ID)
	if i := slices.Index(v.pending, c); i >= 0 {
		v.pending = slices.Delete(v.pending, i, i+1)
	}
	return nil
}

// Answer delivers a callout's answer to the root context that dispatched it
// (Context::onHttpCallSuccess): proxy_on_http_call_response(root, token,
// header count, body size, trailer count), with the answer's maps and body
// readable during the call. A callout is answered at most once. It may be
// answered after the stream that dispatched it ended: the callout belongs to
// the root.
func (v *VM) Answer(c *Callout, a Answer) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.settle(c); err != nil {
		return err
	}
	if v.ex.callResponse == nil {
		return nil
	}
	r := c.Root
	r.answer = &a
	_, err := v.call("proxy_on_http_call_response", v.ex.callResponse, r.ID, uint64(r.ID), uint64(c.ID),
		uint64(len(a.Headers)), uint64(len(a.Body)), uint64(len(a.Trailers)))
	r.answer = nil
	return err
}

// Reset reports a callout whose stream was reset before a complete answer
// (Context::onHttpCallFailure, which Envoy's async client calls from
// onReset): proxy_on_http_call_response(root, token, 0, 0, 0) with no answer
// to read (the header maps come back empty, the body NotFound) and
// proxy_get_status answering BrokenConnection "reset".
//
// A timeout or an upstream Envoy cannot reach is not a reset: the router
// inside Envoy's async client answers it locally, and the module gets that
// answer through Answer (504 "upstream request timeout"; 503 "no healthy
// upstream" or "upstream connect error or disconnect/reset before headers").
func (v *VM) Reset(c *Callout) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.settle(c); err != nil {
		return err
	}
	if v.ex.callResponse == nil {
		return nil
	}
	r := c.Root
	r.status, r.message = StatusBrokenConnection, "reset"
	_, err := v.call("proxy_on_http_call_response", v.ex.callResponse, r.ID, uint64(r.ID), uint64(c.ID), 0, 0, 0)
	r.message = ""
	return err
}
