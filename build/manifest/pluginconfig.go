package manifest

import (
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// PluginConfig returns a WasmPlugin's spec.pluginConfig as the JSON object
// Istio hands the filter as its configuration, or nil when the WasmPlugin
// has none. Numbers keep their written form, as in Render.
func PluginConfig(wasmPlugin []byte) ([]byte, error) {
	var doc struct {
		Kind string `json:"kind"`
		Spec struct {
			PluginConfig json.RawMessage `json:"pluginConfig"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(wasmPlugin, &doc); err != nil {
		return nil, fmt.Errorf("parsing the WasmPlugin: %w", err)
	}
	if doc.Kind != Kind {
		return nil, fmt.Errorf("kind is %q, want %s", doc.Kind, Kind)
	}
	raw := doc.Spec.PluginConfig
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("spec.pluginConfig is not an object")
	}
	return raw, nil
}
