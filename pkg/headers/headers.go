// Package headers edits and validates HTTP headers through the proxy-wasm
// host calls. Filters use it instead of the raw calls so that every filter
// treats absent headers, names and values the same way.
package headers

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Map names the header map of the current HTTP stream a call works on.
type Map int

const (
	Request Map = iota
	Response
)

func (m Map) String() string {
	if m == Response {
		return "response"
	}
	return "request"
}

// Get returns a header's value; an absent header is not an error.
func (m Map) Get(name string) (string, bool, error) {
	var v string
	var err error
	if m == Response {
		v, err = proxywasm.GetHttpResponseHeader(name)
	} else {
		v, err = proxywasm.GetHttpRequestHeader(name)
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading %s header %q: %w", m, name, err)
	}
	return v, true, nil
}

// Set replaces every value of a header with one value.
func (m Map) Set(name, value string) error {
	var err error
	if m == Response {
		err = proxywasm.ReplaceHttpResponseHeader(name, value)
	} else {
		err = proxywasm.ReplaceHttpRequestHeader(name, value)
	}
	return wrap(err, "setting", m, name)
}

// Add adds a value beside any the header already has.
func (m Map) Add(name, value string) error {
	var err error
	if m == Response {
		err = proxywasm.AddHttpResponseHeader(name, value)
	} else {
		err = proxywasm.AddHttpRequestHeader(name, value)
	}
	return wrap(err, "adding", m, name)
}

// AddIfAbsent adds the header only when the message does not carry it.
func (m Map) AddIfAbsent(name, value string) (added bool, err error) {
	_, present, err := m.Get(name)
	if err != nil || present {
		return false, err
	}
	return true, m.Add(name, value)
}

// Remove removes a header; removing an absent header is not an error.
func (m Map) Remove(name string) error {
	var err error
	if m == Response {
		err = proxywasm.RemoveHttpResponseHeader(name)
	} else {
		err = proxywasm.RemoveHttpRequestHeader(name)
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil
	}
	return wrap(err, "removing", m, name)
}

// All returns every header as name/value pairs, pseudo-headers included.
func (m Map) All() ([][2]string, error) {
	var hs [][2]string
	var err error
	if m == Response {
		hs, err = proxywasm.GetHttpResponseHeaders()
	} else {
		hs, err = proxywasm.GetHttpRequestHeaders()
	}
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s headers: %w", m, err)
	}
	return hs, nil
}

func wrap(err error, verb string, m Map, name string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s header %q: %w", verb, m, name, err)
}
