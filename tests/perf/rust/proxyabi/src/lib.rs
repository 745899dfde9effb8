//! A small binding of the proxy-wasm ABI 0.2.1 for the Rust twins of the
//! benchmark modules, shaped like the proxy-wasm Rust SDK (which crates.io
//! would give, but Debian does not package): the module exports the
//! `proxy_on_*` callbacks, a dispatcher keeps one root context per plugin and
//! one boxed HTTP context per stream in hash maps, as the SDK's dispatcher
//! does, and the filters implement two traits. Its per-request cost is
//! therefore the SDK's shape of cost, not a hand-tuned minimum.
//!
//! Host calls (the `env` imports) are the ones Envoy implements in
//! proxy-wasm-cpp-host src/exports.cc; their argument order follows that file
//! (e.g. `proxy_get_header_map_value(map, key, key_size, ret_ptr, ret_size)`).

use std::cell::RefCell;
use std::collections::HashMap;

/// What an HTTP callback returns (proxy-wasm `FilterHeadersStatus`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Continue = 0,
    Pause = 1,
}

/// A host call's result other than Ok (proxy-wasm `WasmResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub u32);

impl Status {
    pub const NOT_FOUND: Status = Status(1);

    fn check(code: u32) -> Result<(), Status> {
        if code == 0 {
            Ok(())
        } else {
            Err(Status(code))
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The names of proxy-wasm's WasmResult, as the Go SDK prints them.
        let name = match self.0 {
            1 => "NotFound",
            2 => "BadArgument",
            3 => "SerializationFailure",
            4 => "ParseFailure",
            6 => "InvalidMemoryAccess",
            7 => "Empty",
            8 => "CasMismatch",
            10 => "InternalFailure",
            12 => "Unimplemented",
            _ => return write!(f, "status {}", self.0),
        };
        f.write_str(name)
    }
}

/// Log levels of `proxy_log`.
#[repr(u32)]
#[derive(Clone, Copy)]
pub enum LogLevel {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// The header maps a filter edits.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapType {
    RequestHeaders = 0,
    ResponseHeaders = 2,
}

const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
const METRIC_COUNTER: u32 = 0;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_log(level: u32, message: *const u8, size: usize) -> u32;
    fn proxy_get_buffer_bytes(
        buffer: u32,
        start: usize,
        max_size: usize,
        ret_ptr: *mut *mut u8,
        ret_size: *mut usize,
    ) -> u32;
    fn proxy_get_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        ret_ptr: *mut *mut u8,
        ret_size: *mut usize,
    ) -> u32;
    fn proxy_add_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        value: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_replace_header_map_value(
        map: u32,
        key: *const u8,
        key_size: usize,
        value: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_remove_header_map_value(map: u32, key: *const u8, key_size: usize) -> u32;
    fn proxy_define_metric(kind: u32, name: *const u8, name_size: usize, ret_id: *mut u32)
        -> u32;
    fn proxy_increment_metric(id: u32, offset: i64) -> u32;
}

// ---- host calls -------------------------------------------------------------

/// Logs a message; a failing log has nowhere to be reported.
pub fn log(level: LogLevel, message: &str) {
    unsafe {
        proxy_log(level as u32, message.as_ptr(), message.len());
    }
}

/// Takes ownership of a buffer the host filled through
/// `proxy_on_memory_allocate` (a `Vec` with capacity `size`).
unsafe fn take(ptr: *mut u8, size: usize) -> Vec<u8> {
    if ptr.is_null() || size == 0 {
        Vec::new()
    } else {
        Vec::from_raw_parts(ptr, size, size)
    }
}

/// The plugin configuration, or None when the host has none (NotFound).
pub fn plugin_configuration(size: usize) -> Result<Option<Vec<u8>>, Status> {
    let mut ptr: *mut u8 = std::ptr::null_mut();
    let mut len: usize = 0;
    let code = unsafe {
        proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, size, &mut ptr, &mut len)
    };
    match Status::check(code) {
        Ok(()) => Ok(Some(unsafe { take(ptr, len) })),
        Err(Status::NOT_FOUND) => Ok(None),
        Err(s) => Err(s),
    }
}

/// A header's value; None when the map does not have it.
pub fn get_header(map: MapType, name: &str) -> Result<Option<Vec<u8>>, Status> {
    let mut ptr: *mut u8 = std::ptr::null_mut();
    let mut len: usize = 0;
    let code =
        unsafe { proxy_get_header_map_value(map as u32, name.as_ptr(), name.len(), &mut ptr, &mut len) };
    match Status::check(code) {
        Ok(()) => Ok(Some(unsafe { take(ptr, len) })),
        Err(Status::NOT_FOUND) => Ok(None),
        Err(s) => Err(s),
    }
}

/// Adds a value beside any the header already has.
pub fn add_header(map: MapType, name: &str, value: &[u8]) -> Result<(), Status> {
    Status::check(unsafe {
        proxy_add_header_map_value(map as u32, name.as_ptr(), name.len(), value.as_ptr(), value.len())
    })
}

/// Sets a header to one value (Envoy replaces every value, or adds it).
pub fn replace_header(map: MapType, name: &str, value: &[u8]) -> Result<(), Status> {
    Status::check(unsafe {
        proxy_replace_header_map_value(map as u32, name.as_ptr(), name.len(), value.as_ptr(), value.len())
    })
}

/// Removes a header; the host may answer NotFound for an absent one.
pub fn remove_header(map: MapType, name: &str) -> Result<(), Status> {
    Status::check(unsafe { proxy_remove_header_map_value(map as u32, name.as_ptr(), name.len()) })
}

/// A counter metric, defined at plugin start.
#[derive(Clone, Copy)]
pub struct Counter(u32);

impl Counter {
    pub fn define(name: &str) -> Result<Counter, Status> {
        let mut id = 0u32;
        Status::check(unsafe { proxy_define_metric(METRIC_COUNTER, name.as_ptr(), name.len(), &mut id) })?;
        Ok(Counter(id))
    }

    /// Adds one; a failure is not the request's problem, so it is ignored as
    /// the Go SDK's MetricCounter.Increment does.
    pub fn increment(&self) {
        unsafe {
            proxy_increment_metric(self.0, 1);
        }
    }
}

// ---- contexts -----------------------------------------------------------------

/// A plugin (root context): started once, it creates the HTTP contexts.
pub trait RootContext {
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
        true
    }
    fn on_configure(&mut self, _plugin_configuration_size: usize) -> bool {
        true
    }
    fn create_http_context(&self, context_id: u32) -> Box<dyn HttpContext>;
}

/// One HTTP stream. Every callback defaults to doing nothing.
pub trait HttpContext {
    fn on_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        Action::Continue
    }
    fn on_request_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        Action::Continue
    }
    fn on_request_trailers(&mut self, _num_trailers: usize) -> Action {
        Action::Continue
    }
    fn on_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        Action::Continue
    }
    fn on_response_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        Action::Continue
    }
    fn on_response_trailers(&mut self, _num_trailers: usize) -> Action {
        Action::Continue
    }
    fn on_done(&mut self) -> bool {
        true
    }
    fn on_log(&mut self) {}
}

type RootFactory = fn(u32) -> Box<dyn RootContext>;

struct Dispatcher {
    new_root: RefCell<Option<RootFactory>>,
    roots: RefCell<HashMap<u32, Box<dyn RootContext>>>,
    streams: RefCell<HashMap<u32, Box<dyn HttpContext>>>,
}

thread_local! {
    static DISPATCHER: Dispatcher = Dispatcher {
        new_root: RefCell::new(None),
        roots: RefCell::new(HashMap::new()),
        streams: RefCell::new(HashMap::new()),
    };
}

/// Registers the plugin: the module's `_initialize` calls it once.
pub fn set_root_context(factory: RootFactory) {
    DISPATCHER.with(|d| *d.new_root.borrow_mut() = Some(factory));
}

fn with_root<T>(context_id: u32, default: T, f: impl FnOnce(&mut dyn RootContext) -> T) -> T {
    DISPATCHER.with(|d| match d.roots.borrow_mut().get_mut(&context_id) {
        Some(root) => f(root.as_mut()),
        None => default,
    })
}

fn with_stream<T>(context_id: u32, default: T, f: impl FnOnce(&mut dyn HttpContext) -> T) -> T {
    DISPATCHER.with(|d| match d.streams.borrow_mut().get_mut(&context_id) {
        Some(s) => f(s.as_mut()),
        None => default,
    })
}

// ---- exports --------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn proxy_abi_version_0_2_1() {}

/// Memory for data the host hands the module (header values, the
/// configuration): a Vec the receiving host call takes back with `take`.
#[no_mangle]
pub extern "C" fn proxy_on_memory_allocate(size: usize) -> *mut u8 {
    let mut buf: Vec<u8> = Vec::with_capacity(size);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// A root context (parent 0) or an HTTP context of the root `parent`.
#[no_mangle]
pub extern "C" fn proxy_on_context_create(context_id: u32, parent: u32) {
    DISPATCHER.with(|d| {
        if parent == 0 {
            if let Some(factory) = *d.new_root.borrow() {
                d.roots.borrow_mut().insert(context_id, factory(context_id));
            }
            return;
        }
        let stream = match d.roots.borrow().get(&parent) {
            Some(root) => root.create_http_context(context_id),
            None => return,
        };
        d.streams.borrow_mut().insert(context_id, stream);
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_vm_start(context_id: u32, vm_configuration_size: usize) -> u32 {
    with_root(context_id, false, |r| r.on_vm_start(vm_configuration_size)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_configure(context_id: u32, plugin_configuration_size: usize) -> u32 {
    with_root(context_id, false, |r| r.on_configure(plugin_configuration_size)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_request_headers(context_id: u32, num_headers: usize, end_of_stream: u32) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_request_headers(num_headers, end_of_stream != 0)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_request_body(context_id: u32, body_size: usize, end_of_stream: u32) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_request_body(body_size, end_of_stream != 0)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_request_trailers(context_id: u32, num_trailers: usize) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_request_trailers(num_trailers)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_response_headers(context_id: u32, num_headers: usize, end_of_stream: u32) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_response_headers(num_headers, end_of_stream != 0)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_response_body(context_id: u32, body_size: usize, end_of_stream: u32) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_response_body(body_size, end_of_stream != 0)) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_response_trailers(context_id: u32, num_trailers: usize) -> u32 {
    with_stream(context_id, Action::Continue, |s| s.on_response_trailers(num_trailers)) as u32
}

/// Root contexts are done at once; a stream says.
#[no_mangle]
pub extern "C" fn proxy_on_done(context_id: u32) -> u32 {
    with_stream(context_id, true, |s| s.on_done()) as u32
}

#[no_mangle]
pub extern "C" fn proxy_on_log(context_id: u32) {
    with_stream(context_id, (), |s| s.on_log())
}

#[no_mangle]
pub extern "C" fn proxy_on_delete(context_id: u32) {
    DISPATCHER.with(|d| {
        if d.streams.borrow_mut().remove(&context_id).is_none() {
            d.roots.borrow_mut().remove(&context_id);
        }
    })
}

/// The twins dispatch no callouts; Envoy only calls this for one they did.
#[no_mangle]
pub extern "C" fn proxy_on_http_call_response(
    _context_id: u32,
    _token: u32,
    _num_headers: usize,
    _body_size: usize,
    _num_trailers: usize,
) {
}

#[no_mangle]
pub extern "C" fn proxy_on_tick(_context_id: u32) {}

#[no_mangle]
pub extern "C" fn proxy_on_queue_ready(_context_id: u32, _queue_id: u32) {}

// ---- configuration and header helpers shared by the filters ----------------------

/// Validates a lowercase RFC 9110 token header name, as meshwasm's
/// pkg/headers ValidName does for regular names.
pub fn valid_regular_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name is empty".into());
    }
    if name.starts_with(':') {
        return Err(format!("pseudo-header {} not allowed here", name));
    }
    for (i, c) in name.bytes().enumerate() {
        let token = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || b"!#$%&'*+-.^_`|~".contains(&c);
        if token {
            continue;
        }
        if c.is_ascii_uppercase() {
            return Err(format!("header name {:?} must be lowercase", name));
        }
        return Err(format!("header name {:?} has invalid character 0x{:02x} at byte {}", name, c, i));
    }
    Ok(())
}

/// Refuses CR, LF and NUL in a header value, as pkg/headers ValidValue does.
pub fn valid_value(value: &[u8]) -> Result<(), String> {
    for (i, c) in value.iter().enumerate() {
        match c {
            b'\r' => return Err(format!("header value has a CR at byte {}", i)),
            b'\n' => return Err(format!("header value has a LF at byte {}", i)),
            0 => return Err(format!("header value has a NUL at byte {}", i)),
            _ => {}
        }
    }
    Ok(())
}
