// Package localproxy is `meshwasm run`: a local HTTP proxy (HTTP/1.1 and
// h2c) that runs a filter's proxy-wasm module on proxyhost in front of an
// upstream, so a filter can be tried with curl on a machine without Envoy.
//
// What it emulates, after Envoy's HTTP connection manager with one wasm
// filter before the router:
//
//   - one VM and one plugin (root context) for the process, a stream per
//     request, the module's calls serialised as on one Envoy worker;
//   - the request headers as a filter sees them: :method, :path,
//     :authority and :scheme pseudo-headers, lower-case names, the
//     connection's hop-by-hop headers removed and x-request-id and
//     x-forwarded-proto added when absent (ConnectionManagerUtility::
//     mutateRequestHeaders);
//   - Envoy's callback order: request headers, then (when the module
//     pauses) a wait for proxy_continue_stream or a local reply, then the
//     upstream, the response headers with :status, and at the end of the
//     stream proxy_on_log, proxy_on_done, proxy_on_delete;
//   - local replies (proxy_send_local_response) with their status, headers
//     and body, passed through the module's own response-headers callback
//     as Envoy's local replies pass the filter chain;
//   - proxy_http_call to a cluster named with Options.Clusters, sent over
//     real HTTP with the callout's headers, body and timeout; an unknown
//     cluster fails the call with BadArgument (Context::httpCall), a
//     timeout answers 504 and a refused connection 503, as Envoy's async
//     client delivers its router's local replies (AsyncStreamImpl::
//     sendLocalReply);
//   - a module that traps fails its streams closed: 503, as Envoy's
//     Context::failStream does for a plugin without fail_open.
//
// What it does not: request and response bodies and trailers stream
// through without reaching the module (proxy_on_request_body and the rest
// are not called), there is one filter and no filter chain, no route
// table, no Envoy stats or admin endpoint, no properties
// (proxy_get_property answers NotFound), no ticks, no retries or timeouts
// on the upstream request, and one worker.
package localproxy
