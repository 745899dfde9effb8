//! The Rust twin of filters/regexrepl: the same configuration ({"rules":
//! [{"regex", "replace", "header"}]} or one rule at the top level), the same
//! rewrite (every rule in order over the header's current value, each header
//! read once and written back once if it changed, results that are not a
//! valid value dropped), and the same counters.
//!
//! Rust's regex crate is, like Go's regexp, a linear-time RE2-style engine
//! with leftmost-first matches and the same $1 / ${name} / $$ replacement
//! syntax. It differs in that \d, \w and \s are Unicode classes (ASCII in
//! Go); the workload's rules use [0-9] and literals.

use std::borrow::Cow;
use std::rc::Rc;

use pluginconfig::{error, Error};
use proxyabi::{Action, Counter, HttpContext, LogLevel, MapType, RootContext};
use regex::bytes::Regex;
use serde_json::{Map, Value};

const FILTER: &str = "regexrepl";
const METRIC_REWRITTEN: &str = "regexrepl.rewritten";
const METRIC_DROPPED: &str = "regexrepl.dropped";
const DEFAULT_HEADER: &str = ":path";
const RULE_KEYS: [&str; 3] = ["regex", "replace", "header"];

/// Bounds the regex work one header costs: longer values are left as they
/// are, and a longer result is dropped.
const MAX_VALUE_LEN: usize = 8192;

/// Bounds a rule's compiled program, as Envoy's max_program_size and the Go
/// filter's instruction limit do (the regex crate counts bytes).
const MAX_PROGRAM_BYTES: usize = 1 << 20;

struct Rule {
    header: String,
    regex: Regex,
    replace: String,
    slot: usize,
}

#[derive(Default)]
struct Config {
    rules: Vec<Rule>,
    /// The distinct headers the rules rewrite, in order of first use;
    /// Rule::slot indexes it.
    headers: Vec<String>,
}

fn parse(obj: &Map<String, Value>) -> Result<Config, Error> {
    let mut rules = Vec::new();
    if obj.contains_key("rules") {
        pluginconfig::known(obj, "", &["rules"])?;
        let list = pluginconfig::array(obj, "", "rules")?.map_or(&[][..], |v| &v[..]);
        for (i, v) in list.iter().enumerate() {
            let path = format!("rules[{}]", i);
            match v {
                Value::Object(m) => rules.push(parse_rule(m, &path, i)?),
                v => return Err(error(&path, format!("expected an object, got {}", pluginconfig::kind(v)))),
            }
        }
    } else {
        rules.push(parse_rule(obj, "", 0)?);
    }
    let mut cfg = Config { rules, headers: Vec::new() };
    for r in cfg.rules.iter_mut() {
        r.slot = match cfg.headers.iter().position(|h| *h == r.header) {
            Some(i) => i,
            None => {
                cfg.headers.push(r.header.clone());
                cfg.headers.len() - 1
            }
        };
    }
    Ok(cfg)
}

fn parse_rule(obj: &Map<String, Value>, path: &str, i: usize) -> Result<Rule, Error> {
    let at = |key: &str, msg: String| error(&pluginconfig::join(path, key), format!("rule {}: {}", i, msg));
    pluginconfig::known(obj, path, &RULE_KEYS)?;
    let header = pluginconfig::lower(pluginconfig::string(obj, path, "header")?.unwrap_or(DEFAULT_HEADER));
    if header.starts_with(':') {
        if header != ":path" && header != ":authority" {
            return Err(at(
                "header",
                format!("header {:?} cannot be rewritten: of the pseudo-headers only :path and :authority can", header),
            ));
        }
    } else {
        proxyabi::valid_regular_name(&header).map_err(|m| at("header", m))?;
    }

    let expr = pluginconfig::string(obj, path, "regex")?.ok_or_else(|| at("regex", "regex is required".into()))?;
    if expr.is_empty() {
        return Err(at("regex", "regex must not be empty".into()));
    }
    let regex = regex::bytes::RegexBuilder::new(expr)
        .size_limit(MAX_PROGRAM_BYTES)
        .build()
        .map_err(|e| at("regex", e.to_string()))?;
    if regex.is_match(b"") {
        return Err(at(
            "regex",
            format!("regex {:?} matches the empty string, so it would insert the replacement at every position", expr),
        ));
    }

    let replace = pluginconfig::string(obj, path, "replace")?
        .ok_or_else(|| at("replace", "replace is required (it may be empty, which deletes every match)".into()))?;
    proxyabi::valid_value(replace.as_bytes()).map_err(|m| at("replace", format!("replace: {}", m)))?;
    check_groups(replace, &regex).map_err(|m| at("replace", m))?;
    Ok(Rule { header, regex, replace: replace.to_string(), slot: 0 })
}

/// Every $name / ${name} of the template must name a group the regex has
/// (an unknown one would silently expand to nothing), and Envoy's \1 is
/// refused because it would be copied literally.
fn check_groups(tmpl: &str, re: &Regex) -> Result<(), String> {
    let b = tmpl.as_bytes();
    for w in b.windows(2) {
        if w[0] == b'\\' && w[1].is_ascii_digit() {
            return Err(format!("replace has \"\\{}\", Envoy's group syntax: write ${} or ${{{}}}", w[1] as char, w[1] as char, w[1] as char));
        }
    }
    let mut i = 0;
    while let Some(d) = b[i..].iter().position(|&c| c == b'$') {
        let mut pos = i + d + 1;
        if pos < b.len() && b[pos] == b'$' {
            i = pos + 1;
            continue;
        }
        let brace = pos < b.len() && b[pos] == b'{';
        if brace {
            pos += 1;
        }
        let mut n = pos;
        while n < b.len() && (b[n].is_ascii_alphanumeric() || b[n] == b'_') {
            n += 1;
        }
        let name = &tmpl[pos..n];
        if brace && (name.is_empty() || n >= b.len() || b[n] != b'}') {
            return Err("replace has \"${\" without a well-formed ${name}: write ${1} or ${name}, or $$ for a literal $".into());
        }
        i = if brace { n + 1 } else { n };
        if name.is_empty() {
            i = pos;
            continue;
        }
        let ok = match name.parse::<usize>() {
            Ok(num) if !(name.starts_with('0') && name.len() > 1) => num < re.captures_len(),
            _ => re.capture_names().flatten().any(|g| g == name),
        };
        if !ok {
            return Err(format!("replace names group {}, which regex {:?} does not have", name, re.as_str()));
        }
    }
    Ok(())
}

struct Shared {
    cfg: Config,
    rewritten: Counter,
    dropped: Counter,
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
        if cfg.rules.is_empty() {
            proxyabi::log(LogLevel::Info, "regexrepl: empty configuration: no request will be rewritten");
        }
        let counters = Counter::define(METRIC_REWRITTEN).and_then(|r| Ok((r, Counter::define(METRIC_DROPPED)?)));
        match counters {
            Ok((rewritten, dropped)) => {
                self.shared = Some(Rc::new(Shared { cfg, rewritten, dropped }));
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

/// One rewritten header during a request: read on first use, written back
/// once at the end if the rules changed it.
#[derive(Default)]
struct Header {
    loaded: bool,
    /// Absent, unreadable or too long: the rules leave it alone.
    skip: bool,
    original: Vec<u8>,
    /// The value after the rules so far; None while it is the original.
    current: Option<Vec<u8>>,
}

impl Header {
    fn value(&self) -> &[u8] {
        self.current.as_deref().unwrap_or(&self.original)
    }

    /// Reads the header. An absent one (an HTTP/1.0 request without Host has
    /// no :authority) is skipped without a word.
    fn load(&mut self, name: &str) {
        self.loaded = true;
        match proxyabi::get_header(MapType::RequestHeaders, name) {
            Err(s) => {
                proxyabi::log(LogLevel::Warn, &format!("regexrepl: reading request header {:?}: {}", name, s));
                self.skip = true;
            }
            Ok(None) => self.skip = true,
            Ok(Some(v)) => {
                if v.len() > MAX_VALUE_LEN {
                    proxyabi::log(
                        LogLevel::Warn,
                        &format!("regexrepl: {} is {} bytes, over the {}-byte limit: left unchanged", name, v.len(), MAX_VALUE_LEN),
                    );
                    self.skip = true;
                }
                self.original = v;
            }
        }
    }
}

/// Why a rule's result must not be written, or None when it may.
fn bad_result(header: &str, out: &[u8]) -> Option<&'static str> {
    if out.is_empty() {
        Some("empty")
    } else if out.len() > MAX_VALUE_LEN {
        Some("over the 8192-byte limit")
    } else if header == ":path" && out[0] != b'/' {
        Some("does not start with \"/\"")
    } else if out.iter().any(|&c| c == b'\r' || c == b'\n' || c == 0) {
        Some("contains CR, LF or NUL")
    } else {
        None
    }
}

fn clip(s: &[u8], n: usize) -> String {
    if s.len() <= n {
        String::from_utf8_lossy(s).into_owned()
    } else {
        format!("{}...", String::from_utf8_lossy(&s[..n]))
    }
}

impl HttpContext for Stream {
    fn on_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let sh = match &self.shared {
            Some(s) if !s.cfg.rules.is_empty() => s,
            _ => return Action::Continue,
        };
        let cfg = &sh.cfg;
        let mut values: Vec<Header> = cfg.headers.iter().map(|_| Header::default()).collect();
        let mut dropped = false;
        for (i, r) in cfg.rules.iter().enumerate() {
            let v = &mut values[r.slot];
            if !v.loaded {
                v.load(&r.header);
            }
            if v.skip {
                continue;
            }
            let out = match r.regex.replace_all(v.value(), r.replace.as_bytes()) {
                Cow::Borrowed(_) => continue, // no match
                Cow::Owned(o) => o,
            };
            if out == v.value() {
                continue;
            }
            if let Some(reason) = bad_result(&r.header, &out) {
                proxyabi::log(
                    LogLevel::Warn,
                    &format!(
                        "regexrepl: rule {}: result for {} dropped ({}): kept {:?}, not {:?}",
                        i,
                        r.header,
                        reason,
                        clip(v.value(), 128),
                        clip(&out, 128)
                    ),
                );
                dropped = true;
                continue;
            }
            v.current = Some(out);
        }

        let mut rewritten = false;
        for (slot, v) in values.iter().enumerate() {
            let cur = match &v.current {
                Some(c) if !v.skip && *c != v.original => c,
                _ => continue,
            };
            if let Err(s) = proxyabi::replace_header(MapType::RequestHeaders, &cfg.headers[slot], cur) {
                proxyabi::log(LogLevel::Warn, &format!("regexrepl: setting request header {:?}: {}", cfg.headers[slot], s));
                continue;
            }
            rewritten = true;
        }
        if rewritten {
            sh.rewritten.increment();
        }
        if dropped {
            sh.dropped.increment();
        }
        Action::Continue
    }
}

/// Run by the host when the module is loaded (Envoy and the soak host call
/// `_initialize`), as the Rust SDK's `proxy_wasm::main!` does.
#[no_mangle]
pub extern "C" fn _initialize() {
    proxyabi::set_root_context(|_| Box::new(Plugin { shared: None }));
}
