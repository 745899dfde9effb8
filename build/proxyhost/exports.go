package proxyhost

import (
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// exports are the module's proxy_on_* functions. Only the allocator and
// proxy_on_context_create are required; a missing callback is skipped as
// proxy-wasm-cpp-host skips it (WasmBase::getFunctions leaves it null and
// ContextBase checks before calling).
type exports struct {
	alloc, contextCreate, vmStart, configure, requestHeaders, requestBody, responseHeaders,
	done, log, del, callResponse api.Function
}

func (e *exports) bind(mod api.Module) error {
	for _, x := range []struct {
		name     string
		fn       *api.Function
		required bool
	}{
		{"proxy_on_memory_allocate", &e.alloc, true},
		{"proxy_on_context_create", &e.contextCreate, true},
		{"proxy_on_vm_start", &e.vmStart, false},
		{"proxy_on_configure", &e.configure, false},
		{"proxy_on_request_headers", &e.requestHeaders, false},
		{"proxy_on_request_body", &e.requestBody, false},
		{"proxy_on_response_headers", &e.responseHeaders, false},
		{"proxy_on_done", &e.done, false},
		{"proxy_on_log", &e.log, false},
		{"proxy_on_delete", &e.del, false},
		{"proxy_on_http_call_response", &e.callResponse, false},
	} {
		*x.fn = mod.ExportedFunction(x.name)
		if *x.fn == nil && x.required {
			return fmt.Errorf("module does not export %s", x.name)
		}
	}
	return nil
}
