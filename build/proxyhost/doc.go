// Package proxyhost is a proxy-wasm host on wazero that runs a compiled
// filter module the way Envoy does: proxy-wasm-cpp-host's WasmBase and
// ContextBase (src/wasm.cc, src/context.cc, src/exports.cc) and Envoy's
// wasm Context (source/extensions/common/wasm/context.cc). Each behaviour
// names, in a comment, the upstream function it follows.
//
// One VM holds one module instance. In it, any number of root contexts
// (plugins: a root_id and a configuration) are started with NewRoot; each
// HTTP stream is created under one root with NewStream, gets its request
// and response headers, and ends with End in one of the orders Envoy uses.
// A callout (proxy_http_call) is dispatched to the embedder's Options.Dispatch
// (or left in Pending) and answered later with Answer or Reset.
//
// Concurrency: every exported method of VM locks the VM's mutex, so a VM may
// be driven from several goroutines (one per request, and the goroutines
// answering callouts); calls into the module are serialised, like the calls
// of one Envoy worker thread. The callbacks the embedder gives
// (Options.Log, Options.Dispatch, a stream's notify function) run with that
// mutex held: they must not call the VM, only record or hand work to another
// goroutine. Stream fields may be read by the goroutine that owns the stream
// once the event it waits for has been delivered (the module no longer
// touches them), or under no concurrent VM use at all (tests).
package proxyhost
