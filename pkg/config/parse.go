package config

import (
	"bytes"
	"fmt"

	"github.com/valyala/fastjson"
)

// Parse detects the form and parses data: after trimming white space, input
// starting with '{' is JSON and must be exactly one object; anything else is
// KEY=VALUE lines.
func Parse(data []byte) (*Object, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // an editor's BOM is not a key
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return &Object{form: FormEmpty}, nil
	case trimmed[0] == '{':
		return parseJSON(trimmed)
	case trimmed[0] == '[':
		return nil, &Error{Msg: "a JSON configuration must be an object, not an array"}
	default:
		return parseLines(data) // untrimmed, so line numbers match the input
	}
}

func parseJSON(data []byte) (*Object, error) {
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
	return newObject(v, ""), nil
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

func newObject(v *fastjson.Value, prefix string) *Object {
	c := &Object{form: FormJSON, prefix: prefix, index: map[string]int{}}
	obj, _ := v.Object()
	obj.Visit(func(k []byte, child *fastjson.Value) {
		c.index[string(k)] = len(c.entries)
		c.entries = append(c.entries, entry{key: string(k), value: child})
	})
	return c
}

func parseLines(data []byte) (*Object, error) {
	c := &Object{form: FormLines, index: map[string]int{}}
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
