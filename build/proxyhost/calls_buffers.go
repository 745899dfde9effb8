package proxyhost

// buffer returns the buffer a host call names for the context it acts on,
// or nil where Envoy has none (Context::getBuffer):
//   - the plugin configuration only while its root's proxy_on_context_create
//     or proxy_on_configure runs (temp_plugin_);
//   - the VM configuration always (Envoy returns wasm()->vm_configuration()
//     in every phase);
//   - a callout's answer body while proxy_on_http_call_response delivers it
//     (nil during a reset).
func (v *VM) buffer(bufferType uint32) ([]byte, bool) {
	r, s := v.context()
	switch bufferType {
	case bufferPluginConfig:
		if r != nil && s == nil && r.inConfigure {
			return r.configuring, true
		}
		v.outOfPhase["plugin configuration"]++
	case bufferVMConfiguration:
		return v.opts.VMConfig, true
	case bufferCallResponseBody:
		if r != nil && r.answer != nil {
			return r.answer.Body, true
		}
		v.outOfPhase["callout answer body"]++
	}
	return nil, false
}

// proxyGetBufferBytes is proxy_get_buffer_bytes(type, start, length, ...)
// as exports::get_buffer_bytes: a type past the last is BadArgument, an
// unavailable buffer NotFound, a read past the end is clipped, and an empty
// read is Ok with nothing returned. A start past the end is BadArgument
// (upstream's unsigned arithmetic would underflow there).
func (v *VM) proxyGetBufferBytes(bufferType, start, length, retPtr, retSize uint32) Status {
	if bufferType > bufferMax {
		return StatusBadArgument
	}
	buf, ok := v.buffer(bufferType)
	if !ok {
		return StatusNotFound
	}
	if uint64(start) > uint64(len(buf)) {
		return StatusBadArgument
	}
	buf = buf[start:]
	if uint64(length) < uint64(len(buf)) {
		buf = buf[:length]
	}
	if len(buf) == 0 {
		return StatusOK
	}
	return v.give(buf, retPtr, retSize)
}

// proxySetBufferBytes is proxy_set_buffer_bytes: every buffer this host
// holds is read-only (BadArgument, as Buffer::copyFrom on a const buffer);
// others are NotFound.
func (v *VM) proxySetBufferBytes(bufferType uint32) Status {
	if bufferType > bufferMax {
		return StatusBadArgument
	}
	if _, ok := v.buffer(bufferType); ok {
		return StatusBadArgument
	}
	return StatusNotFound
}
