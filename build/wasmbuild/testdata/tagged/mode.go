//go:build meshwasm_test_tag

package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

const mode = "tagged"

// bodyStream declares a body callback in a tagged file only: a build with
// the tag must keep proxy_on_request_body exported.
type bodyStream struct{ types.DefaultHttpContext }

// OnHttpRequestBody implements types.HttpContext.
func (*bodyStream) OnHttpRequestBody(int, bool) types.Action { return types.ActionContinue }
