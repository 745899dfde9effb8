package config

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// LoadAs reads the plugin configuration and parses it into a filter's own
// type. On error it logs the one line an operator sees for a plugin that
// refuses to start, "<filter>: invalid configuration: <what and where>", and
// reports false: the caller returns types.OnPluginStartStatusFailed.
func LoadAs[T any](filter string, parse func(*Object) (T, error)) (T, bool) {
	var zero T
	raw, err := load()
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

// load reads the plugin configuration from the host and parses it. An empty
// configuration (the host answers NotFound) is valid and means defaults.
func load() (*Object, error) {
	data, err := proxywasm.GetPluginConfiguration()
	if errors.Is(err, types.ErrorStatusNotFound) {
		return Parse(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the plugin configuration: %w", err)
	}
	return Parse(data)
}
