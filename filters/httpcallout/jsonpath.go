package main

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// jsonPath is allow_json_path, read once at plugin start: the object keys and
// array indexes of a path in gjson's syntax (https://github.com/tidwall/gjson
// /blob/master/SYNTAX.md), keys separated by dots, "\" escaping the next
// character. A number selects an element of an array and a key of an object,
// as in gjson.
//
// The module evaluates it with fastjson, which the configuration parser
// already links, instead of gjson: gjson links encoding/json (through
// tidwall/pretty, for its @pretty modifier). The rest of gjson's syntax
// (wildcards, # and queries, @modifiers, | pipes, multipaths, !literals) is
// refused at plugin start, so a path that starts means what it means in
// gjson.
type jsonPath []string

// gjsonSpecial are the characters gjson gives a meaning in a path beyond
// separating keys; unescaped, they make a path this filter refuses.
const gjsonSpecial = "*?#@|!()[]{}=<>%~,"

// parseJSONPath splits a path into its keys.
func parseJSONPath(path string) (jsonPath, error) {
	var keys jsonPath
	var key strings.Builder
	escaped := false
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case escaped:
			key.WriteByte(c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '.':
			if key.Len() == 0 {
				return nil, fmt.Errorf("path %q has an empty key at byte %d", path, i)
			}
			keys = append(keys, key.String())
			key.Reset()
		case strings.IndexByte(gjsonSpecial, c) >= 0:
			return nil, fmt.Errorf("path %q uses gjson's %q at byte %d, which httpcallout does not support: "+
				`give object keys and array indexes separated by dots, like result.allow or items.0.ok (\%c for a literal %c)`,
				path, c, i, c, c)
		default:
			key.WriteByte(c)
		}
	}
	if escaped {
		return nil, fmt.Errorf("path %q ends with a lone \\", path)
	}
	if key.Len() == 0 {
		return nil, fmt.Errorf("path %q has an empty key at its end", path)
	}
	return append(keys, key.String()), nil
}

// holdsTrue reports whether the path leads to the JSON literal true in v.
func (p jsonPath) holdsTrue(v *fastjson.Value) bool {
	for _, key := range p {
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			v = o.Get(key)
		case fastjson.TypeArray:
			a, _ := v.Array()
			i, ok := arrayIndex(key)
			if !ok || i >= len(a) {
				return false
			}
			v = a[i]
		default:
			return false
		}
		if v == nil {
			return false
		}
	}
	return v.Type() == fastjson.TypeTrue
}

// arrayIndex reads a key as gjson reads an array index: ASCII digits only.
func arrayIndex(key string) (int, bool) {
	if len(key) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(key); i++ {
		if key[i] < '0' || key[i] > '9' {
			return 0, false
		}
		n = n*10 + int(key[i]-'0')
	}
	return n, true
}

// validJSON reports whether body is one JSON value. fastjson.Validate is as
// strict as gjson's validator (grammar, escapes, control characters in
// strings; FuzzJSONPath compares them); fastjson's parser alone is more
// lenient.
func validJSON(body []byte) bool {
	return fastjson.ValidateBytes(body) == nil
}
