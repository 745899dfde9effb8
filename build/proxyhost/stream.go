package proxyhost

import (
	"fmt"
	"strconv"
)

// Stream is one HTTP stream as the host sees it.
type Stream struct {
	ID   uint32
	Root *Root
	// Request and Response are the header maps as the module left them.
	Request  [][2]string
	Response [][2]string
	// RequestAction and ResponseAction are what the header callbacks returned.
	RequestAction  Action
	ResponseAction Action
	// Resumed and ResumedResponse count proxy_continue_stream calls.
	Resumed         int
	ResumedResponse int
	// Local is the last local response sent for this stream; LocalResponses
	// counts them.
	Local          *LocalResponse
	LocalResponses int
	// Callouts are the tokens of the callouts the stream dispatched (tokens
	// of its root).
	Callouts []uint32
	// Closed counts proxy_close_stream calls.
	Closed int
	// Calls lists the stream's callbacks in the order the host made them:
	// "create", "request_headers", "response_headers", "log", "done",
	// "delete".
	Calls []string

	notify func(Event)

	// created is in_vm_context_created_: Envoy creates the stream's context
	// in the module lazily, on its first callback (ContextBase::onCreate).
	created bool
	// started is http_request_started_: response callbacks run only for a
	// stream whose request headers the module saw (Context::encodeHeaders).
	started bool
	// requestMap and responseMap are whether Envoy's request_headers_ and
	// response_headers_ point at the maps: set for the callback, kept while
	// it pauses, cleared when it continues (Context::decodeHeaders,
	// Context::encodeHeaders) or when the module continues the stream
	// (Context::continueStream).
	requestMap, responseMap bool
	// logPhase is true while proxy_on_log runs: the maps are readable then
	// (Context::log sets access_log_request_headers_ and
	// access_log_response_headers_), not writable.
	logPhase     bool
	sawResponse  bool
	requestDone  bool
	localPending bool
	ended        bool
}

// Ends counts how the request side of the stream ended: a request-headers
// callback that returned Continue, a resume after a pause, and a local
// response each count one. A request that ends exactly once has Ends() == 1;
// 0 is a stuck request, 2 or more a request answered twice.
func (s *Stream) Ends() int {
	n := s.Resumed + s.LocalResponses
	if s.requestDone && s.RequestAction == ActionContinue {
		n++
	}
	return n
}

// LocalResponse is a proxy_send_local_response.
type LocalResponse struct {
	Status  uint32
	Details string
	Body    []byte
	// Headers are the module's additional headers.
	Headers [][2]string
	GRPC    int32
}

// EventKind says what happened to a stream.
type EventKind int

// Event kinds.
const (
	// EventContinue: the module resumed the stream in Event.Direction
	// (proxy_continue_stream).
	EventContinue EventKind = iota
	// EventLocalResponse: the module answered the stream itself; the reply
	// has passed through the module's own response-headers callback, as
	// Envoy's local replies pass the filter chain, and Stream.Response holds
	// its final headers.
	EventLocalResponse
	// EventClose: the module asked to reset the stream (proxy_close_stream).
	EventClose
)

// Event is delivered to a stream's notify function.
type Event struct {
	Kind      EventKind
	Direction Direction
	Local     *LocalResponse
}

// NewStream creates an HTTP stream under root r. Its context ID is
// allocated now; the module sees the context at its first callback
// (proxy_on_context_create(stream, root) from ContextBase::onCreate).
// notify, when not nil, receives the stream's events (with the VM locked:
// it must not call the VM).
func (v *VM) NewStream(r *Root, notify func(Event)) (*Stream, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.roots[r.ID] != r {
		return nil, fmt.Errorf("root context %d is not in this VM", r.ID)
	}
	s := &Stream{ID: v.allocContextID(), Root: r, notify: notify}
	v.streams[s.ID] = s
	return s, nil
}

// create runs proxy_on_context_create for a stream not yet created in the
// module (ContextBase::onCreate).
func (v *VM) create(s *Stream) error {
	if s.created {
		return nil
	}
	s.created = true
	s.Calls = append(s.Calls, "create")
	_, err := v.call("proxy_on_context_create", v.ex.contextCreate, s.ID, uint64(s.ID), uint64(s.Root.ID))
	return err
}

func (v *VM) live(s *Stream) error {
	if v.streams[s.ID] != s {
		return fmt.Errorf("stream %d has ended", s.ID)
	}
	return nil
}

// RequestHeaders delivers the request headers (Context::decodeHeaders): the
// context is created if needed, the map is readable and writable during the
// callback and, if it pauses, until the module continues the stream. Header
// names are given lowercase, as Envoy's codecs deliver them (HTTP/1 names
// are lowercased, HTTP/2 and 3 require it). This host runs no body or
// trailer callbacks.
func (v *VM) RequestHeaders(s *Stream, headers [][2]string, endOfStream bool) (Action, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.live(s); err != nil {
		return ActionContinue, err
	}
	if err := v.create(s); err != nil {
		return ActionContinue, err
	}
	s.started = true
	s.Request = headers
	s.requestMap = true
	s.Calls = append(s.Calls, "request_headers")
	act := ActionContinue
	if v.ex.requestHeaders != nil {
		res, err := v.call("proxy_on_request_headers", v.ex.requestHeaders, s.ID, uint64(s.ID), uint64(len(headers)), flag(endOfStream))
		act = Action(res)
		if err != nil {
			return act, err
		}
	}
	s.requestDone = true
	s.RequestAction = act
	if act == ActionContinue {
		s.requestMap = false
	}
	return act, nil
}

// RequestBody delivers one chunk of size bytes of request body
// (Context::decodeData). Envoy calls proxy_on_request_body only when the
// module exports it (proxy-wasm-cpp-host ContextBase::onRequestBody checks
// wasm_->on_request_body_), so a module without it costs nothing per chunk.
// The bytes themselves are not kept: proxy_get_buffer_bytes on the request
// body answers NotFound.
func (v *VM) RequestBody(s *Stream, size int, endOfStream bool) (Action, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.live(s); err != nil {
		return ActionContinue, err
	}
	if v.ex.requestBody == nil || !s.started {
		return ActionContinue, nil
	}
	s.Calls = append(s.Calls, "request_body")
	res, err := v.call("proxy_on_request_body", v.ex.requestBody, s.ID, uint64(s.ID), uint64(size), flag(endOfStream))
	return Action(res), err
}

// ResponseHeaders delivers the response headers (Context::encodeHeaders):
// nothing reaches the module for a stream whose request headers it never
// saw; otherwise the map is readable and writable during the callback and
// while it pauses.
func (v *VM) ResponseHeaders(s *Stream, headers [][2]string, endOfStream bool) (Action, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.live(s); err != nil {
		return ActionContinue, err
	}
	return v.responseHeaders(s, headers, endOfStream)
}

func (v *VM) responseHeaders(s *Stream, headers [][2]string, endOfStream bool) (Action, error) {
	s.Response = headers
	s.sawResponse = true
	if !s.started {
		return ActionContinue, nil
	}
	s.responseMap = true
	s.Calls = append(s.Calls, "response_headers")
	act := ActionContinue
	if v.ex.responseHeaders != nil {
		res, err := v.call("proxy_on_response_headers", v.ex.responseHeaders, s.ID, uint64(s.ID), uint64(len(headers)), flag(endOfStream))
		act = Action(res)
		if err != nil {
			return act, err
		}
	}
	s.ResponseAction = act
	if act == ActionContinue {
		s.responseMap = false
	}
	return act, nil
}

// EndOrder is the order of the callbacks that end a stream.
type EndOrder int

const (
	// EndHTTP is HTTP/1.1's and HTTP/2's: proxy_on_log, proxy_on_done,
	// proxy_on_delete. Envoy's connection manager runs the access logs
	// (Context::log) before it destroys the filters (Context::onDestroy:
	// onDone, onDelete) in doDeferredStreamDestroy.
	EndHTTP EndOrder = iota
	// EndDeferredLog is HTTP/3's with its deferred access log: the filters
	// are destroyed first (done, delete), the access log runs after
	// (proxy_on_log on a context the module already deleted).
	EndDeferredLog
)

// End ends a stream in the given order. A stream whose context the module
// never saw (no headers) is created by the access log (Context::log calls
// onCreate), so EndHTTP gives it create, log, done, delete; with
// EndDeferredLog, Context::onDestroy skips it (not yet created) and the log
// creates and logs it only, as Envoy does.
func (v *VM) End(s *Stream, order EndOrder) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.live(s); err != nil {
		return err
	}
	s.ended = true
	defer delete(v.streams, s.ID)
	if order == EndDeferredLog {
		if err := v.destroy(s); err != nil {
			return err
		}
		return v.accessLog(s)
	}
	if err := v.accessLog(s); err != nil {
		return err
	}
	return v.destroy(s)
}

// accessLog is Context::log: create the context if needed, then
// proxy_on_log with the maps readable.
func (v *VM) accessLog(s *Stream) error {
	if err := v.create(s); err != nil {
		return err
	}
	if v.ex.log == nil {
		return nil
	}
	s.logPhase = true
	s.Calls = append(s.Calls, "log")
	_, err := v.call("proxy_on_log", v.ex.log, s.ID, uint64(s.ID))
	s.logPhase = false
	return err
}

// destroy is Context::onDestroy: proxy_on_done then proxy_on_delete, for a
// context the module has seen.
func (v *VM) destroy(s *Stream) error {
	if !s.created {
		return nil
	}
	s.Calls = append(s.Calls, "done")
	if v.ex.done != nil {
		if _, err := v.call("proxy_on_done", v.ex.done, s.ID, uint64(s.ID)); err != nil {
			return err
		}
	}
	s.Calls = append(s.Calls, "delete")
	if v.ex.del != nil {
		if _, err := v.call("proxy_on_delete", v.ex.del, s.ID, uint64(s.ID)); err != nil {
			return err
		}
	}
	s.requestMap, s.responseMap = false, false
	return nil
}

// localReply is what Envoy does after the module's call returns when it
// sent a local response (Context::sendLocalResponse defers
// sendLocalReply): the reply's headers (:status, the module's headers, and
// content-type/content-length for a body, as Envoy's local reply adds them)
// pass through the filter chain, this module's response-headers callback
// included, and the stream's owner is told.
func (v *VM) localReply(s *Stream) error {
	s.localPending = false
	if v.streams[s.ID] != s {
		return nil
	}
	l := s.Local
	hs := [][2]string{{":status", strconv.FormatUint(uint64(l.Status), 10)}}
	hs = append(hs, l.Headers...)
	if len(l.Body) > 0 {
		if _, ok := Header(hs, "content-type"); !ok {
			hs = append(hs, [2]string{"content-type", "text/plain"})
		}
		hs = append(hs, [2]string{"content-length", strconv.Itoa(len(l.Body))})
	}
	if !s.sawResponse {
		if _, err := v.responseHeaders(s, hs, len(l.Body) == 0); err != nil {
			return err
		}
	}
	if s.notify != nil {
		s.notify(Event{Kind: EventLocalResponse, Local: l})
	}
	return nil
}

// Request runs one request through the per-request path: a new stream under
// r, request headers, every callout dispatched meanwhile answered by answer
// (nil answers 200 with an empty body), response headers unless a local
// reply answered the request, and the end in EndHTTP order.
//
// body, when given, is the request body in chunks of these sizes: one
// RequestBody call each, the last with end of stream.
func (v *VM) Request(r *Root, request, response [][2]string, answer func(*Callout) Answer, body ...int) (*Stream, error) {
	s, err := v.NewStream(r, nil)
	if err != nil {
		return s, err
	}
	if _, err := v.RequestHeaders(s, request, len(body) == 0); err != nil {
		return s, err
	}
	for i, n := range body {
		if _, err := v.RequestBody(s, n, i == len(body)-1); err != nil {
			return s, err
		}
	}
	for pending := v.Pending(); len(pending) > 0; pending = v.Pending() {
		c := pending[0]
		a := Answer{Headers: [][2]string{{":status", "200"}}}
		if answer != nil {
			a = answer(c)
		}
		if err := v.Answer(c, a); err != nil {
			return s, err
		}
	}
	if s.LocalResponses == 0 {
		if _, err := v.ResponseHeaders(s, response, true); err != nil {
			return s, err
		}
	}
	return s, v.End(s, EndHTTP)
}
