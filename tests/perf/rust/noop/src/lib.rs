//! The Rust twin of tests/perf/noop: a plugin whose stream callbacks are all
//! the defaults, so what it costs per request is the ABI and the dispatcher,
//! the floor every Rust filter stands on.

use proxyabi::{HttpContext, RootContext};

struct Plugin;

impl RootContext for Plugin {
    fn create_http_context(&self, _context_id: u32) -> Box<dyn HttpContext> {
        Box::new(Stream)
    }
}

struct Stream;

impl HttpContext for Stream {}

/// Run by the host when the module is loaded (Envoy and the soak host call
/// `_initialize`), as the Rust SDK's `proxy_wasm::main!` does.
#[no_mangle]
pub extern "C" fn _initialize() {
    proxyabi::set_root_context(|_| Box::new(Plugin));
}
