// Package streams declares an HTTP context with a response body and a
// request trailers callback.
package streams

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// New returns a stream.
func New() types.HttpContext { return &stream{} }

type stream struct {
	types.DefaultHttpContext
	chunks int
}

// OnHttpResponseBody implements types.HttpContext.
func (s *stream) OnHttpResponseBody(int, bool) types.Action {
	s.chunks++
	return types.ActionContinue
}

// OnHttpRequestTrailers implements types.HttpContext.
func (s *stream) OnHttpRequestTrailers(int) types.Action {
	proxywasm.LogInfof("trailers after %d response chunks", s.chunks)
	return types.ActionContinue
}
