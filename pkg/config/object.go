package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// Kind is the type of a value, as written.
type Kind int

const (
	KindMissing Kind = iota
	KindString
	KindNumber
	KindBool
	KindObject
	KindArray
	KindNull
)

func (k Kind) String() string {
	names := [...]string{"missing", "string", "number", "boolean", "object", "array", "null"}
	if k < 0 || int(k) >= len(names) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return names[k]
}

// Pair is one key and value of a map, in document order.
type Pair struct{ Key, Value string }

// Object is one object of a plugin configuration, JSON or KEY=VALUE: the
// top level or a nested object. It is immutable once parsed, so one Object
// may serve every stream.
type Object struct {
	form    Form
	prefix  string // key path of this object, for errors
	entries []entry
	index   map[string]int
}

type entry struct {
	key   string
	line  int             // KEY=VALUE form
	text  string          // KEY=VALUE form
	value *fastjson.Value // JSON form
}

// Form is the form the configuration was written in.
func (c *Object) Form() Form { return c.form }

// Empty reports whether the object has no keys.
func (c *Object) Empty() bool { return len(c.entries) == 0 }

// Keys lists the keys in document order.
func (c *Object) Keys() []string {
	keys := make([]string, len(c.entries))
	for i, e := range c.entries {
		keys[i] = e.key
	}
	return keys
}

// Has reports whether key is present.
func (c *Object) Has(key string) bool { _, ok := c.index[key]; return ok }

// Path is the full key path of key, as errors name it.
func (c *Object) Path(key string) string { return join(c.prefix, key) }

// Line is the 1-based line of key in the KEY=VALUE form, else 0.
func (c *Object) Line(key string) int {
	if e := c.get(key); e != nil {
		return e.line
	}
	return 0
}

// Known fails on the first key not among keys: where keys are fixed, a typo
// must not silently disable a feature.
func (c *Object) Known(keys ...string) error {
	for _, e := range c.entries {
		known := false
		for _, k := range keys {
			if e.key == k {
				known = true
				break
			}
		}
		if !known && len(keys) == 0 {
			return c.Errorf(e.key, "unknown key (no keys are accepted here)")
		}
		if !known {
			return c.Errorf(e.key, "unknown key (known keys: %s)", strings.Join(keys, ", "))
		}
	}
	return nil
}

// Kind is the type of key's value; in the KEY=VALUE form every present value
// is a string.
func (c *Object) Kind(key string) Kind {
	e := c.get(key)
	if e == nil {
		return KindMissing
	}
	if c.form == FormLines {
		return KindString
	}
	return kindOf(e.value)
}

func kindOf(v *fastjson.Value) Kind {
	switch v.Type() {
	case fastjson.TypeString:
		return KindString
	case fastjson.TypeNumber:
		return KindNumber
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return KindBool
	case fastjson.TypeObject:
		return KindObject
	case fastjson.TypeArray:
		return KindArray
	}
	return KindNull
}

func (c *Object) get(key string) *entry {
	if i, ok := c.index[key]; ok {
		return &c.entries[i]
	}
	return nil
}

func (c *Object) expected(key, want string) error {
	e := c.get(key)
	return c.Errorf(key, "expected %s, got %s", want, kindOf(e.value))
}

// String returns a string value, or def when key is missing.
func (c *Object) String(key, def string) (string, error) {
	e := c.get(key)
	if e == nil {
		return def, nil
	}
	if c.form == FormLines {
		return e.text, nil
	}
	if e.value.Type() != fastjson.TypeString {
		return "", c.expected(key, "a string")
	}
	return string(e.value.GetStringBytes()), nil
}

// RequiredString returns a string value that must be present and non-empty.
func (c *Object) RequiredString(key string) (string, error) {
	if !c.Has(key) {
		return "", c.Errorf(key, "is required")
	}
	s, err := c.String(key, "")
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", c.Errorf(key, "is required and must not be empty")
	}
	return s, nil
}

// Scalar returns the text of a string, number (as written) or boolean, for
// maps whose values are text: Istio YAML `debug: 1` arrives as a number.
// A missing key gives "".
func (c *Object) Scalar(key string) (string, error) {
	e := c.get(key)
	if e == nil {
		return "", nil
	}
	if c.form == FormLines {
		return e.text, nil
	}
	return scalarText(c, key, e.value)
}

func scalarText(c *Object, key string, v *fastjson.Value) (string, error) {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes()), nil
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return string(v.MarshalTo(nil)), nil
	}
	return "", c.Errorf(key, "expected a string, number or boolean, got %s", kindOf(v))
}

// Int returns an integer in [min, max], or def when key is missing.
func (c *Object) Int(key string, def, min, max int) (int, error) {
	e := c.get(key)
	if e == nil {
		return def, nil
	}
	text := e.text
	if c.form == FormJSON {
		if e.value.Type() != fastjson.TypeNumber {
			return 0, c.expected(key, "an integer")
		}
		text = string(e.value.MarshalTo(nil))
	}
	n, msg := parseInt(text, min, max)
	if msg != "" {
		return 0, c.Errorf(key, "%s", msg)
	}
	return n, nil
}

// parseInt reads decimal text as an integer in [min, max]; msg says what
// was wrong, or is empty.
func parseInt(text string, min, max int) (n int, msg string) {
	n, err := strconv.Atoi(text)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Sprintf("must be between %d and %d, got %s", min, max, text)
	case err != nil:
		return 0, fmt.Sprintf("expected an integer, got %q", text)
	case n < min || n > max:
		return 0, fmt.Sprintf("must be between %d and %d, got %d", min, max, n)
	}
	return n, ""
}

// Bool returns a boolean (true or false, nothing else), or def when missing.
func (c *Object) Bool(key string, def bool) (bool, error) {
	e := c.get(key)
	if e == nil {
		return def, nil
	}
	if c.form == FormJSON {
		switch e.value.Type() {
		case fastjson.TypeTrue:
			return true, nil
		case fastjson.TypeFalse:
			return false, nil
		}
		return false, c.expected(key, "true or false")
	}
	switch e.text {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, c.Errorf(key, "expected true or false, got %q", e.text)
}

// StringList returns a list of strings: a JSON array of strings, or in the
// KEY=VALUE form comma-separated items, trimmed, empty ones dropped. A
// missing key gives nil.
func (c *Object) StringList(key string) ([]string, error) {
	e := c.get(key)
	if e == nil {
		return nil, nil
	}
	if c.form == FormLines {
		items := []string{} // present, so not nil even when empty
		for _, item := range strings.Split(e.text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		return items, nil
	}
	values, err := c.array(key)
	if err != nil {
		return nil, err
	}
	items := make([]string, 0, len(values))
	for i, v := range values {
		if v.Type() != fastjson.TypeString {
			return nil, c.ItemErrorf(key, i, "expected a string, got %s", kindOf(v))
		}
		items = append(items, string(v.GetStringBytes()))
	}
	return items, nil
}

// IntList returns a list of integers in [min, max]: a JSON array, or
// comma-separated in the KEY=VALUE form. A missing key gives nil.
func (c *Object) IntList(key string, min, max int) ([]int, error) {
	e := c.get(key)
	if e == nil {
		return nil, nil
	}
	var texts []string
	if c.form == FormLines {
		for _, item := range strings.Split(e.text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				texts = append(texts, item)
			}
		}
	} else {
		values, err := c.array(key)
		if err != nil {
			return nil, err
		}
		for i, v := range values {
			if v.Type() != fastjson.TypeNumber {
				return nil, c.ItemErrorf(key, i, "expected an integer, got %s", kindOf(v))
			}
			texts = append(texts, string(v.MarshalTo(nil)))
		}
	}
	ints := make([]int, 0, len(texts))
	for i, text := range texts {
		n, msg := parseInt(text, min, max)
		if msg != "" {
			return nil, c.ItemErrorf(key, i, "%s", msg)
		}
		ints = append(ints, n)
	}
	return ints, nil
}

// Object returns a nested object; a missing key gives nil.
func (c *Object) Object(key string) (*Object, error) {
	e := c.get(key)
	if e == nil {
		return nil, nil
	}
	if c.form == FormLines {
		return nil, c.Errorf(key, "needs the JSON form (a nested object cannot be written as KEY=VALUE)")
	}
	if e.value.Type() != fastjson.TypeObject {
		return nil, c.expected(key, "an object")
	}
	return newObject(e.value, c.Path(key)), nil
}

// ObjectList returns a JSON array of objects, each named key[i] in errors.
// A missing key gives nil.
func (c *Object) ObjectList(key string) ([]*Object, error) {
	if !c.Has(key) {
		return nil, nil
	}
	if c.form == FormLines {
		return nil, c.Errorf(key, "needs the JSON form (a list of objects cannot be written as KEY=VALUE)")
	}
	values, err := c.array(key)
	if err != nil {
		return nil, err
	}
	list := make([]*Object, 0, len(values))
	for i, v := range values {
		if v.Type() != fastjson.TypeObject {
			return nil, c.ItemErrorf(key, i, "expected an object, got %s", kindOf(v))
		}
		list = append(list, newObject(v, c.Path(fmt.Sprintf("%s[%d]", key, i))))
	}
	return list, nil
}

func (c *Object) array(key string) ([]*fastjson.Value, error) {
	e := c.get(key)
	if e == nil {
		return nil, nil
	}
	if e.value.Type() != fastjson.TypeArray {
		return nil, c.expected(key, "an array")
	}
	values, _ := e.value.Array()
	return values, nil
}
