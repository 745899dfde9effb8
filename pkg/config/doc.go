// Package config reads a proxy-wasm plugin's configuration in either of the
// two forms filters receive: a JSON object (what Istio's WasmPlugin
// pluginConfig always delivers) or KEY=VALUE lines (what an Envoy
// google.protobuf.StringValue often carries). Access is typed and validated,
// and every error names the key path or the line, so that a bad configuration
// is refused at plugin start with a message that says what and where.
package config
