package config

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// LoadAs reads the plugin configuration and parses it into a filter's own
// type. On error it logs the one line an operator sees for a plugin that
// refuses to start, "<filter>: invalid configuration: <what and where>", and
// reports false: the caller returns types.OnPluginStartStatusFailed.
func LoadAs[T any](filter string, parse func(*Config) (T, error)) (T, bool) {
	var zero T
	raw, err := Load()
	if err != nil {
		proxywasm.LogErrorf("%s: invalid configuration: %v", filter, err)
		return zero, false
	}
	cfg, err := parse(raw)
	if err != nil {
		proxywasm.LogErrorf("%s: invalid configuration: %v", filter, err)
		return zero, false
	}
	return cfg, true
}
