package main

import (
	"fmt"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// Config is addheader's parsed, validated configuration, shared read-only by
// every stream.
type Config struct {
	Request  Edits
	Response Edits
}

// Edits are the header changes for one direction, applied in the order
// remove, set, add_if_absent, add.
type Edits struct {
	Remove      []string
	Set         []config.Pair
	AddIfAbsent []config.Pair
	Add         []config.Pair
}

// Empty reports whether the edits change nothing.
func (e Edits) Empty() bool {
	return len(e.Remove) == 0 && len(e.Set) == 0 && len(e.AddIfAbsent) == 0 && len(e.Add) == 0
}

// Empty reports whether the configuration changes nothing at all.
func (c *Config) Empty() bool { return c.Request.Empty() && c.Response.Empty() }

var (
	directions = []string{"request", "response"}
	operations = []string{"remove", "set", "add_if_absent", "add"}
)

// parseConfig reads either form: the structured form when every top-level key
// is "request" or "response" holding an object, otherwise the flat form (a
// header map added to every response).
func parseConfig(c *config.Object) (*Config, error) {
	if c.Empty() {
		return &Config{}, nil
	}
	if isStructured(c) {
		return parseStructured(c)
	}
	pairs, err := flatPairs(c, "the configuration", map[string]string{})
	if err != nil {
		return nil, err
	}
	return &Config{Response: Edits{Add: pairs}}, nil
}

func isStructured(c *config.Object) bool {
	if c.Form() != config.FormJSON {
		return false
	}
	for _, k := range c.Keys() {
		if (k != "request" && k != "response") || c.Kind(k) != config.KindObject {
			return false
		}
	}
	return true
}

// flatPairs reads the flat form: every key is a header name, every value its
// text (Istio YAML `debug: 1` arrives as a JSON number). Names are recorded
// in seen under op.
func flatPairs(c *config.Object, op string, seen map[string]string) ([]config.Pair, error) {
	var pairs []config.Pair
	for _, key := range c.Keys() {
		value, err := c.Scalar(key)
		if err != nil {
			return nil, err
		}
		name := headers.Lower(key)
		if err := checkHeader(c, key, name, value, op, seen); err != nil {
			return nil, err
		}
		pairs = append(pairs, config.Pair{Key: name, Value: value})
	}
	return pairs, nil
}

func parseStructured(c *config.Object) (*Config, error) {
	cfg := &Config{}
	for _, dir := range directions {
		obj, err := c.Object(dir)
		if err != nil || obj == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		edits, err := parseEdits(obj)
		if err != nil {
			return nil, err
		}
		if dir == "request" {
			cfg.Request = edits
		} else {
			cfg.Response = edits
		}
	}
	return cfg, nil
}

func parseEdits(c *config.Object) (Edits, error) {
	var e Edits
	if err := c.Known(operations...); err != nil {
		return e, err
	}
	seen := map[string]string{}
	names, err := c.StringList("remove")
	if err != nil {
		return e, err
	}
	for i, raw := range names {
		name := headers.Lower(raw)
		if err := checkHeader(c, fmt.Sprintf("remove[%d]", i), name, "", "remove", seen); err != nil {
			return e, err
		}
		e.Remove = append(e.Remove, name)
	}
	for _, op := range []struct {
		key  string
		dest *[]config.Pair
	}{{"set", &e.Set}, {"add_if_absent", &e.AddIfAbsent}, {"add", &e.Add}} {
		obj, err := c.Object(op.key)
		if err != nil {
			return e, err
		}
		if obj == nil {
			continue
		}
		pairs, err := flatPairs(obj, op.key, seen)
		if err != nil {
			return e, err
		}
		*op.dest = pairs
	}
	return e, nil
}

// checkHeader validates one header name and value, and records the name
// under op in seen: one direction may name a header once, so the result
// never depends on the order of operations.
func checkHeader(c *config.Object, key, name, value, op string, seen map[string]string) error {
	if err := headers.ValidRegularName(name); err != nil {
		return c.Errorf(key, "%v", err)
	}
	if err := headers.ValidValue(value); err != nil {
		return c.Errorf(key, "%v", err)
	}
	if prev, dup := seen[name]; dup {
		return c.Errorf(key, "header %q is already named in %s", name, prev)
	}
	seen[name] = op
	return nil
}
