// Package headers edits and validates HTTP headers through the proxy-wasm
// host calls. Filters use it instead of the raw calls so that every filter
// treats absent headers, names and values the same way.
package headers

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Map names the header map of the current HTTP stream a call works on.
// The methods only work inside the matching callback (OnHttpRequestHeaders
// or later for Request, OnHttpResponseHeaders or later for Response).
type Map int

const (
	// Request is the request header map.
	Request Map = iota
	// Response is the response header map.
	Response
)

// errUnknownMap is returned for a Map value other than Request or Response,
// rather than silently editing the request headers.
var errUnknownMap = errors.New("unknown header map")

func (m Map) String() string {
	switch m {
	case Request:
		return "request"
	case Response:
		return "response"
	}
	return "Map(" + strconv.Itoa(int(m)) + ")"
}

// Get returns a header's value; an absent header is not an error. Like
// Envoy, the host reports a header with an empty value as absent.
func (m Map) Get(name string) (string, bool, error) {
	var v string
	var err error
	switch m {
	case Request:
		v, err = proxywasm.GetHttpRequestHeader(name)
	case Response:
		v, err = proxywasm.GetHttpResponseHeader(name)
	default:
		err = errUnknownMap
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrap(err, "reading", m, name)
	}
	return v, true, nil
}

// Set replaces every value of a header with one value, adding the header
// when it is absent.
func (m Map) Set(name, value string) error {
	var err error
	switch m {
	case Request:
		err = proxywasm.ReplaceHttpRequestHeader(name, value)
	case Response:
		err = proxywasm.ReplaceHttpResponseHeader(name, value)
	default:
		err = errUnknownMap
	}
	return wrap(err, "setting", m, name)
}

// Add adds a value beside any the header already has.
func (m Map) Add(name, value string) error {
	var err error
	switch m {
	case Request:
		err = proxywasm.AddHttpRequestHeader(name, value)
	case Response:
		err = proxywasm.AddHttpResponseHeader(name, value)
	default:
		err = errUnknownMap
	}
	return wrap(err, "adding", m, name)
}

// AddIfAbsent adds the header only when the message does not carry it, so a
// default never overrides what the client or upstream sent. added is true
// only when the header was actually added.
func (m Map) AddIfAbsent(name, value string) (added bool, err error) {
	_, present, err := m.Get(name)
	if err != nil || present {
		return false, err
	}
	if err := m.Add(name, value); err != nil {
		return false, err
	}
	return true, nil
}

// Remove removes a header; removing an absent header is not an error.
func (m Map) Remove(name string) error {
	var err error
	switch m {
	case Request:
		err = proxywasm.RemoveHttpRequestHeader(name)
	case Response:
		err = proxywasm.RemoveHttpResponseHeader(name)
	default:
		err = errUnknownMap
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil
	}
	return wrap(err, "removing", m, name)
}

// All returns every header as name/value pairs, pseudo-headers included.
// An empty map is nil, not an error.
func (m Map) All() ([][2]string, error) {
	var hs [][2]string
	var err error
	switch m {
	case Request:
		hs, err = proxywasm.GetHttpRequestHeaders()
	case Response:
		hs, err = proxywasm.GetHttpResponseHeaders()
	default:
		err = errUnknownMap
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s headers: %w", m, err)
	}
	return hs, nil
}

// wrap adds the operation, map and header name to a host error; it is kept
// out of the success path so that path does not allocate.
func wrap(err error, verb string, m Map, name string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s header %q: %w", verb, m, name, err)
}
