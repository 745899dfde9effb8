package proxyhost

import "bytes"

// proxyContinueStream is proxy_continue_stream(type) (Context::continueStream):
// Request and Response resume the stream (after the module's call returns,
// as Envoy defers continueDecoding/continueEncoding); anything else is
// BadArgument. Either way Envoy drops its request maps (request_headers_
// and the rest are cleared whatever the direction), so the request headers
// are no longer readable or writable afterwards. On a root context nothing
// resumes and the call is Ok.
func (v *VM) proxyContinueStream(direction uint32) Status {
	if direction != uint32(Request) && direction != uint32(Response) {
		return StatusBadArgument
	}
	_, s := v.context()
	if s == nil {
		return StatusOK
	}
	s.requestMap = false
	if Direction(direction) == Request {
		s.Resumed++
	} else {
		s.ResumedResponse++
	}
	if s.notify != nil {
		d := Direction(direction)
		v.after = append(v.after, func() error {
			s.notify(Event{Kind: EventContinue, Direction: d})
			return nil
		})
	}
	return StatusOK
}

// proxyCloseStream is proxy_close_stream(type) (Context::closeStream): the
// stream is reset; Ok on a root context.
func (v *VM) proxyCloseStream(direction uint32) Status {
	if direction > 3 {
		return StatusBadArgument
	}
	_, s := v.context()
	if s == nil {
		return StatusOK
	}
	s.Closed++
	if s.notify != nil {
		d := Direction(direction)
		v.after = append(v.after, func() error {
			s.notify(Event{Kind: EventClose, Direction: d})
			return nil
		})
	}
	return StatusOK
}

// proxySendLocalResponse is proxy_send_local_response(status, details,
// body, headers, grpc_status) (Context::sendLocalResponse): recorded now,
// sent after the module's call returns (Envoy defers sendLocalReply), which
// ends the request: see localReply. Malformed headers are BadArgument; on a
// root context nothing is sent and the call is Ok.
func (v *VM) proxySendLocalResponse(status, detailsPtr, detailsSize, bodyPtr, bodySize,
	headersPtr, headersSize, grpcStatus uint32) Status {
	details, ok1 := v.readString(detailsPtr, detailsSize)
	body, ok2 := v.read(bodyPtr, bodySize)
	hdrs, ok3 := v.read(headersPtr, headersSize)
	if !ok1 || !ok2 || !ok3 {
		return StatusInvalidMemoryAccess
	}
	hs, err := DeserializeMap(hdrs)
	if err != nil {
		return StatusBadArgument
	}
	_, s := v.context()
	if s == nil {
		return StatusOK
	}
	s.LocalResponses++
	s.Local = &LocalResponse{Status: status, Details: details, Body: bytes.Clone(body), Headers: hs, GRPC: int32(grpcStatus)}
	if !s.localPending {
		s.localPending = true
		v.after = append(v.after, func() error { return v.localReply(s) })
	}
	return StatusOK
}

// proxySetEffectiveContext is proxy_set_effective_context(id)
// (ContextBase::setEffectiveContext): BadArgument for a context that does
// not exist; otherwise host calls act on it until the callback returns.
func (v *VM) proxySetEffectiveContext(id uint32) Status {
	if v.roots[id] == nil && v.streams[id] == nil {
		return StatusBadArgument
	}
	v.effective = id
	return StatusOK
}

// proxyGetStatus is proxy_get_status(code, message) (Context::getStatus):
// the root's last callout status, BrokenConnection "reset" during a reset.
func (v *VM) proxyGetStatus(codePtr, msgPtr, msgSize uint32) Status {
	r, _ := v.context()
	var code Status
	var msg string
	if r != nil {
		code, msg = r.status, r.message
	}
	if !v.mem.WriteUint32Le(codePtr, uint32(code)) {
		return StatusInvalidMemoryAccess
	}
	return v.give([]byte(msg), msgPtr, msgSize)
}

// proxyDone is proxy_done: the module says a context it kept alive after
// proxy_on_done may go; this host deletes streams at End regardless.
func (v *VM) proxyDone() Status { return StatusOK }

// proxySetTickPeriod is proxy_set_tick_period_milliseconds: accepted; this
// host never ticks.
func (v *VM) proxySetTickPeriod(uint32) Status { return StatusOK }

// proxyGetProperty is proxy_get_property: this host exposes no properties
// (Envoy answers NotFound for a path it does not know).
func (v *VM) proxyGetProperty(_, _, _, _ uint32) Status { return StatusNotFound }
