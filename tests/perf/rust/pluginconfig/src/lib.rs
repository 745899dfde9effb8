//! Reads the plugin configuration of a Rust twin: the JSON object Istio's
//! WasmPlugin `pluginConfig` delivers, with errors that name the key path as
//! meshwasm's pkg/config does ("key \"rules[1].regex\": ..."). The KEY=VALUE
//! form of pkg/config is not read: the twins run the workload's JSON.

use serde_json::{Map, Value};

/// A configuration error: the key path it concerns and what is wrong.
pub struct Error {
    pub path: String,
    pub msg: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.msg)
        } else {
            write!(f, "key {:?}: {}", self.path, self.msg)
        }
    }
}

/// An error at path.
pub fn error(path: &str, msg: impl Into<String>) -> Error {
    Error { path: path.to_string(), msg: msg.into() }
}

/// Joins a key path and a key: "" + "rules" = "rules", "request" + "set" =
/// "request.set".
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{}.{}", prefix, key)
    }
}

/// Loads the plugin configuration: None when it is empty (the host has none,
/// or only white space), the object otherwise.
pub fn load(size: usize) -> Result<Option<Map<String, Value>>, Error> {
    let data = match proxyabi::plugin_configuration(size) {
        Ok(Some(d)) => d,
        Ok(None) => return Ok(None),
        Err(s) => return Err(error("", format!("reading the plugin configuration: {}", s))),
    };
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&data);
    let start = data.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(data.len());
    let end = data.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |i| i + 1);
    let trimmed = &data[start..end];
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed[0] != b'{' {
        return Err(error("", "the configuration must be a JSON object"));
    }
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(error("", "the configuration must be a JSON object")),
        Err(e) => Err(error("", format!("invalid JSON: {}", e))),
    }
}

/// Refuses keys other than known: a typo must not silently disable a feature.
pub fn known(obj: &Map<String, Value>, path: &str, keys: &[&str]) -> Result<(), Error> {
    for k in obj.keys() {
        if !keys.contains(&k.as_str()) {
            return Err(error(&join(path, k), format!("unknown key (known keys: {})", keys.join(", "))));
        }
    }
    Ok(())
}

/// The kind of a JSON value, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string value; None when the key is missing.
pub fn string<'a>(obj: &'a Map<String, Value>, path: &str, key: &str) -> Result<Option<&'a str>, Error> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(error(&join(path, key), format!("expected a string, got {}", kind(v)))),
    }
}

/// The text of a string, number or boolean (Istio YAML `debug: 1` arrives
/// as a number).
pub fn scalar(v: &Value, path: &str) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(error(path, format!("expected a string, number or boolean, got {}", kind(v)))),
    }
}

/// An object value; None when the key is missing.
pub fn object<'a>(obj: &'a Map<String, Value>, path: &str, key: &str) -> Result<Option<&'a Map<String, Value>>, Error> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(v) => Err(error(&join(path, key), format!("expected an object, got {}", kind(v)))),
    }
}

/// An array value; None when the key is missing.
pub fn array<'a>(obj: &'a Map<String, Value>, path: &str, key: &str) -> Result<Option<&'a Vec<Value>>, Error> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(v) => Err(error(&join(path, key), format!("expected an array, got {}", kind(v)))),
    }
}

/// Lowercases ASCII letters, as pkg/headers Lower does.
pub fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}
