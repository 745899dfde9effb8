//! The Rust twin of filters/addheader: the same configuration (the
//! structured form {"request": {...}, "response": {...}} with remove, set,
//! add_if_absent and add, or the flat form whose keys are headers added to
//! every response), the same edits through the same host calls in the same
//! order, and the same counters.

use std::rc::Rc;

use pluginconfig::{error, join, Error};
use proxyabi::{Action, Counter, HttpContext, LogLevel, MapType, RootContext, Status};
use serde_json::{Map, Value};

const FILTER: &str = "addheader";
const METRIC_REQUESTS_CHANGED: &str = "addheader.requests_changed";
const METRIC_RESPONSES_CHANGED: &str = "addheader.responses_changed";
const OPERATIONS: [&str; 4] = ["remove", "set", "add_if_absent", "add"];

/// The header changes for one direction, applied in the order remove, set,
/// add_if_absent, add.
#[derive(Default)]
struct Edits {
    remove: Vec<String>,
    set: Vec<(String, String)>,
    add_if_absent: Vec<(String, String)>,
    add: Vec<(String, String)>,
}

impl Edits {
    fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.set.is_empty() && self.add_if_absent.is_empty() && self.add.is_empty()
    }
}

#[derive(Default)]
struct Config {
    request: Edits,
    response: Edits,
}

fn parse(obj: &Map<String, Value>) -> Result<Config, Error> {
    let structured = obj
        .iter()
        .all(|(k, v)| (k == "request" || k == "response") && v.is_object());
    if !structured {
        let mut seen = Vec::new();
        return Ok(Config {
            response: Edits { add: flat_pairs(obj, "", "the configuration", &mut seen)?, ..Edits::default() },
            ..Config::default()
        });
    }
    let mut cfg = Config::default();
    for (dir, edits) in [("request", &mut cfg.request), ("response", &mut cfg.response)] {
        if let Some(m) = pluginconfig::object(obj, "", dir)? {
            *edits = parse_edits(m, dir)?;
        }
    }
    Ok(cfg)
}

/// One direction may name a header once, so the result never depends on the
/// order of operations; seen records (name, operation).
fn check_header(path: &str, name: &str, value: &str, op: &str, seen: &mut Vec<(String, String)>) -> Result<(), Error> {
    proxyabi::valid_regular_name(name).map_err(|m| error(path, m))?;
    proxyabi::valid_value(value.as_bytes()).map_err(|m| error(path, m))?;
    if let Some((_, prev)) = seen.iter().find(|(n, _)| n == name) {
        return Err(error(path, format!("header {:?} is already named in {}", name, prev)));
    }
    seen.push((name.to_string(), op.to_string()));
    Ok(())
}

fn flat_pairs(
    obj: &Map<String, Value>,
    path: &str,
    op: &str,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<(String, String)>, Error> {
    let mut pairs = Vec::new();
    for (key, v) in obj {
        let kp = join(path, key);
        let value = pluginconfig::scalar(v, &kp)?;
        let name = pluginconfig::lower(key);
        check_header(&kp, &name, &value, op, seen)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn parse_edits(obj: &Map<String, Value>, path: &str) -> Result<Edits, Error> {
    pluginconfig::known(obj, path, &OPERATIONS)?;
    let mut e = Edits::default();
    let mut seen = Vec::new();
    if let Some(names) = pluginconfig::array(obj, path, "remove")? {
        for (i, raw) in names.iter().enumerate() {
            let ip = format!("{}[{}]", join(path, "remove"), i);
            let name = match raw {
                Value::String(s) => pluginconfig::lower(s),
                v => return Err(error(&ip, format!("expected a string, got {}", pluginconfig::kind(v)))),
            };
            check_header(&ip, &name, "", "remove", &mut seen)?;
            e.remove.push(name);
        }
    }
    for (key, dest) in [("set", &mut e.set), ("add_if_absent", &mut e.add_if_absent), ("add", &mut e.add)] {
        if let Some(m) = pluginconfig::object(obj, path, key)? {
            *dest = flat_pairs(m, &join(path, key), key, &mut seen)?;
        }
    }
    Ok(e)
}

struct Shared {
    cfg: Config,
    requests_changed: Counter,
    responses_changed: Counter,
}

struct Plugin {
    shared: Option<Rc<Shared>>,
}

impl RootContext for Plugin {
    fn on_configure(&mut self, size: usize) -> bool {
        let cfg = match pluginconfig::load(size).and_then(|o| o.map_or_else(|| Ok(Config::default()), |m| parse(&m))) {
            Ok(c) => c,
            Err(e) => {
                proxyabi::log(LogLevel::Error, &format!("{}: invalid configuration: {}", FILTER, e));
                return false;
            }
        };
        if cfg.request.is_empty() && cfg.response.is_empty() {
            proxyabi::log(LogLevel::Info, "addheader: empty configuration: no header will be changed");
        }
        let counters = Counter::define(METRIC_REQUESTS_CHANGED).and_then(|r| Ok((r, Counter::define(METRIC_RESPONSES_CHANGED)?)));
        match counters {
            Ok((requests_changed, responses_changed)) => {
                self.shared = Some(Rc::new(Shared { cfg, requests_changed, responses_changed }));
                true
            }
            Err(s) => {
                proxyabi::log(LogLevel::Error, &format!("{}: defining its counters: {}", FILTER, s));
                false
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Box<dyn HttpContext> {
        Box::new(Stream { shared: self.shared.clone() })
    }
}

struct Stream {
    shared: Option<Rc<Shared>>,
}

/// Makes the edits in their fixed order and goes on after a failed host call,
/// so one bad header cannot stop the rest; the first failure is returned.
fn apply(map: MapType, e: &Edits) -> Result<(), String> {
    let side = if map == MapType::RequestHeaders { "request" } else { "response" };
    let mut first: Option<String> = None;
    let mut keep = |verb: &str, name: &str, r: Result<(), Status>| {
        if let Err(s) = r {
            if first.is_none() {
                first = Some(format!("{} {} header {:?}: {}", verb, side, name, s));
            }
        }
    };
    for name in &e.remove {
        // Removing an absent header is not an error.
        let r = proxyabi::remove_header(map, name).or_else(|s| if s == Status::NOT_FOUND { Ok(()) } else { Err(s) });
        keep("removing", name, r);
    }
    for (name, value) in &e.set {
        keep("setting", name, proxyabi::replace_header(map, name, value.as_bytes()));
    }
    for (name, value) in &e.add_if_absent {
        match proxyabi::get_header(map, name) {
            Ok(Some(_)) => {}
            Ok(None) => keep("adding", name, proxyabi::add_header(map, name, value.as_bytes())),
            Err(s) => keep("reading", name, Err(s)),
        }
    }
    for (name, value) in &e.add {
        keep("adding", name, proxyabi::add_header(map, name, value.as_bytes()));
    }
    match first {
        None => Ok(()),
        Some(m) => Err(m),
    }
}

impl HttpContext for Stream {
    fn on_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let sh = match &self.shared {
            Some(s) if !s.cfg.request.is_empty() => s,
            _ => return Action::Continue,
        };
        if let Err(m) = apply(MapType::RequestHeaders, &sh.cfg.request) {
            proxyabi::log(LogLevel::Warn, &format!("addheader: request headers: {}", m));
        }
        sh.requests_changed.increment();
        Action::Continue
    }

    fn on_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let sh = match &self.shared {
            Some(s) if !s.cfg.response.is_empty() => s,
            _ => return Action::Continue,
        };
        if let Err(m) = apply(MapType::ResponseHeaders, &sh.cfg.response) {
            proxyabi::log(LogLevel::Warn, &format!("addheader: response headers: {}", m));
        }
        sh.responses_changed.increment();
        Action::Continue
    }
}

/// Run by the host when the module is loaded (Envoy and the soak host call
/// `_initialize`), as the Rust SDK's `proxy_wasm::main!` does.
#[no_mangle]
pub extern "C" fn _initialize() {
    proxyabi::set_root_context(|_| Box::new(Plugin { shared: None }));
}
