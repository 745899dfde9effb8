package proxyhost

import "strings"

// mapTypeMax is WasmHeaderMapType::MAX (HttpCallResponseTrailers): a larger
// type is BadArgument before any lookup (exports.cc).
const mapTypeMax = 7

// headerMap returns the map a host call names for the context it acts on,
// or nil where Envoy has none (Context::getMap for writes,
// Context::getConstMap for reads):
//   - request headers: while proxy_on_request_headers runs and while the
//     stream stays paused by it; read-only during proxy_on_log;
//   - response headers: likewise for proxy_on_response_headers;
//   - callout answer headers and trailers: read-only, on the root, while
//     proxy_on_http_call_response delivers an answer (nil during a reset);
//   - trailers of the stream: this host delivers none.
func (v *VM) headerMap(mapType uint32, write bool) *[][2]string {
	r, s := v.context()
	switch mapType {
	case mapCallResponseHeaders, mapCallResponseTrailer:
		if !write && r != nil && r.answer != nil {
			if mapType == mapCallResponseHeaders {
				return &r.answer.Headers
			}
			return &r.answer.Trailers
		}
		v.outOfPhase["callout answer headers"]++
	case mapRequestHeaders:
		if s != nil && (s.requestMap || (!write && s.logPhase && s.started)) {
			return &s.Request
		}
		v.outOfPhase["request headers"]++
	case mapResponseHeaders:
		if s != nil && (s.responseMap || (!write && s.logPhase && s.sawResponse)) {
			return &s.Response
		}
		v.outOfPhase["response headers"]++
	}
	return nil
}

// proxyGetHeaderMapValue is proxy_get_header_map_value: BadArgument when the
// map is not available now, NotFound for an absent key, else the first
// value (Context::getHeaderMapValue). Keys are matched lowercased
// (Http::LowerCaseString).
func (v *VM) proxyGetHeaderMapValue(mapType, keyPtr, keySize, retPtr, retSize uint32) Status {
	m, key, st := v.headerKey(mapType, keyPtr, keySize, false)
	if st != StatusOK {
		return st
	}
	for _, h := range *m {
		if h[0] == key {
			return v.give([]byte(h[1]), retPtr, retSize)
		}
	}
	return StatusNotFound
}

// proxyGetHeaderMapPairs is proxy_get_header_map_pairs: an unavailable map
// reads as empty with Ok (Context::getHeaderMapPairs serialises
// headerMapToPairs(nullptr), which is empty).
func (v *VM) proxyGetHeaderMapPairs(mapType, retPtr, retSize uint32) Status {
	if mapType > mapTypeMax {
		return StatusBadArgument
	}
	var hs [][2]string
	if m := v.headerMap(mapType, false); m != nil {
		hs = *m
	}
	if len(hs) == 0 {
		return v.give(nil, retPtr, retSize)
	}
	return v.give(SerializeMap(hs), retPtr, retSize)
}

// proxyGetHeaderMapSize is proxy_get_header_map_size: the serialised size,
// BadArgument when the map is not available (Context::getHeaderMapSize).
func (v *VM) proxyGetHeaderMapSize(mapType, retSize uint32) Status {
	if mapType > mapTypeMax {
		return StatusBadArgument
	}
	m := v.headerMap(mapType, true)
	if m == nil {
		return StatusBadArgument
	}
	if !v.mem.WriteUint32Le(retSize, uint32(len(SerializeMap(*m)))) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxySetHeaderMapPairs is proxy_set_header_map_pairs: replaces the whole
// map (Context::setHeaderMapPairs), BadArgument when it is not writable now.
func (v *VM) proxySetHeaderMapPairs(mapType, ptr, size uint32) Status {
	if mapType > mapTypeMax {
		return StatusBadArgument
	}
	b, ok := v.read(ptr, size)
	if !ok {
		return StatusInvalidMemoryAccess
	}
	hs, err := DeserializeMap(b)
	if err != nil {
		return StatusBadArgument
	}
	m := v.headerMap(mapType, true)
	if m == nil {
		return StatusBadArgument
	}
	for i := range hs {
		hs[i][0] = strings.ToLower(hs[i][0])
	}
	*m = hs
	return StatusOK
}

// headerPair reads the map, key and value of an add or replace call.
func (v *VM) headerPair(mapType, keyPtr, keySize, valuePtr, valueSize uint32) (*[][2]string, string, string, Status) {
	val, ok := v.readString(valuePtr, valueSize)
	if !ok && mapType <= mapTypeMax {
		return nil, "", "", StatusInvalidMemoryAccess
	}
	m, key, st := v.headerKey(mapType, keyPtr, keySize, true)
	return m, key, val, st
}

// headerKey checks the map type, reads the key (lowercased, as
// Http::LowerCaseString does) and returns the map when it is available now
// for reading, or for writing when write is set.
func (v *VM) headerKey(mapType, keyPtr, keySize uint32, write bool) (*[][2]string, string, Status) {
	if mapType > mapTypeMax {
		return nil, "", StatusBadArgument
	}
	key, ok := v.readString(keyPtr, keySize)
	if !ok {
		return nil, "", StatusInvalidMemoryAccess
	}
	m := v.headerMap(mapType, write)
	if m == nil {
		return nil, "", StatusBadArgument
	}
	return m, strings.ToLower(key), StatusOK
}

// proxyAddHeaderMapValue is proxy_add_header_map_value: appends a value
// (Context::addHeaderMapValue, HeaderMap::addCopy).
func (v *VM) proxyAddHeaderMapValue(mapType, keyPtr, keySize, valuePtr, valueSize uint32) Status {
	m, key, val, st := v.headerPair(mapType, keyPtr, keySize, valuePtr, valueSize)
	if st != StatusOK {
		return st
	}
	*m = append(*m, [2]string{key, val})
	return StatusOK
}

// proxyReplaceHeaderMapValue is proxy_replace_header_map_value
// (Context::replaceHeaderMapValue, HeaderMap::setCopy): the first
// occurrence takes the value, the others are dropped, an absent header is
// added.
func (v *VM) proxyReplaceHeaderMapValue(mapType, keyPtr, keySize, valuePtr, valueSize uint32) Status {
	m, key, val, st := v.headerPair(mapType, keyPtr, keySize, valuePtr, valueSize)
	if st != StatusOK {
		return st
	}
	out := (*m)[:0:0]
	done := false
	for _, h := range *m {
		if h[0] != key {
			out = append(out, h)
		} else if !done {
			out = append(out, [2]string{key, val})
			done = true
		}
	}
	if !done {
		out = append(out, [2]string{key, val})
	}
	*m = out
	return StatusOK
}

// proxyRemoveHeaderMapValue is proxy_remove_header_map_value: removes every
// value of the key (Context::removeHeaderMapValue).
func (v *VM) proxyRemoveHeaderMapValue(mapType, keyPtr, keySize uint32) Status {
	m, key, st := v.headerKey(mapType, keyPtr, keySize, true)
	if st != StatusOK {
		return st
	}
	out := (*m)[:0:0]
	for _, h := range *m {
		if h[0] != key {
			out = append(out, h)
		}
	}
	*m = out
	return StatusOK
}
