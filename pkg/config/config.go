// Package config reads a proxy-wasm plugin's configuration in either of the
// two forms filters receive: a JSON object (what Istio's WasmPlugin
// pluginConfig always delivers) or KEY=VALUE lines (what an Envoy
// google.protobuf.StringValue often carries). Access is typed and validated,
// and every error names the key path or the line, so that a bad configuration
// is refused at plugin start with a message that says what and where.
package config

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/valyala/fastjson"
)

// Form is the form a configuration was written in.
type Form int

const (
	FormEmpty Form = iota
	FormJSON
	FormLines
)

func (f Form) String() string {
	switch f {
	case FormJSON:
		return "JSON"
	case FormLines:
		return "KEY=VALUE lines"
	case FormEmpty:
		return "empty"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// Error is a configuration error: the key path (JSON) or line (KEY=VALUE)
// it concerns, and what was expected.
type Error struct {
	Path string // key path such as "rules[2].regex"; may be empty
	Line int    // 1-based line in the KEY=VALUE form; 0 otherwise
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Path != "":
		return fmt.Sprintf("line %d, key %q: %s", e.Line, e.Path, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Path != "":
		return fmt.Sprintf("key %q: %s", e.Path, e.Msg)
	}
	return e.Msg
}

// Load reads the plugin configuration from the host and parses it. An empty
// configuration (the host answers NotFound) is valid and means defaults.
func Load() (*Config, error) {
	data, err := proxywasm.GetPluginConfiguration()
	if errors.Is(err, types.ErrorStatusNotFound) {
		return Parse(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the plugin configuration: %w", err)
	}
	return Parse(data)
}

// Parse detects the form and parses data: after trimming white space, input
// starting with '{' is JSON and must be exactly one object; anything else is
// KEY=VALUE lines.
func Parse(data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // an editor's BOM is not a key
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return &Config{form: FormEmpty}, nil
	case trimmed[0] == '{':
		return parseJSON(trimmed)
	case trimmed[0] == '[':
		return nil, &Error{Msg: "a JSON configuration must be an object, not an array"}
	default:
		return parseLines(data) // untrimmed, so line numbers match the input
	}
}

func parseJSON(data []byte) (*Config, error) {
	var p fastjson.Parser // one parser per configuration: values point into it
	v, err := p.ParseBytes(data)
	if err == nil {
		// The parser is lenient (it takes 1-2, 01, NaN, "\x", raw control
		// characters); validation is strict. Parse first: it limits depth.
		err = fastjson.ValidateBytes(data)
	}
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("invalid JSON: %v", err)}
	}
	if err := checkDuplicates(v, ""); err != nil {
		return nil, err
	}
	return objectConfig(v, ""), nil
}

// checkDuplicates walks the whole document: fastjson keeps duplicate keys,
// and a second value silently winning would hide a mistake.
func checkDuplicates(v *fastjson.Value, path string) error {
	switch v.Type() {
	case fastjson.TypeObject:
		obj, _ := v.Object()
		seen := map[string]bool{}
		var err error
		obj.Visit(func(k []byte, child *fastjson.Value) {
			if err != nil {
				return
			}
			key := string(k)
			if seen[key] {
				err = &Error{Path: join(path, key), Msg: "duplicate key"}
				return
			}
			seen[key] = true
			err = checkDuplicates(child, join(path, key))
		})
		return err
	case fastjson.TypeArray:
		items, _ := v.Array()
		for i, item := range items {
			if err := checkDuplicates(item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func objectConfig(v *fastjson.Value, prefix string) *Config {
	c := &Config{form: FormJSON, prefix: prefix, index: map[string]int{}}
	obj, _ := v.Object()
	obj.Visit(func(k []byte, child *fastjson.Value) {
		c.index[string(k)] = len(c.entries)
		c.entries = append(c.entries, entry{key: string(k), value: child})
	})
	return c
}

func parseLines(data []byte) (*Config, error) {
	c := &Config{form: FormLines, index: map[string]int{}}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := i + 1
		text := bytes.TrimSpace(raw) // also drops the \r of CRLF
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		eq := bytes.IndexByte(text, '=')
		if eq < 0 {
			return nil, &Error{Line: line, Msg: `missing "=" (want KEY=VALUE)`}
		}
		key := string(bytes.TrimSpace(text[:eq]))
		if key == "" {
			return nil, &Error{Line: line, Msg: "empty key (want KEY=VALUE)"}
		}
		if prev, dup := c.index[key]; dup {
			return nil, &Error{Line: line, Path: key, Msg: fmt.Sprintf("duplicate key (first on line %d)", c.entries[prev].line)}
		}
		c.index[key] = len(c.entries)
		c.entries = append(c.entries, entry{key: key, line: line, text: string(bytes.TrimSpace(text[eq+1:]))})
	}
	return c, nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
