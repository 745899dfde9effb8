package config

import "fmt"

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

// Errorf makes an error about key of this object, in the format of the
// package's own: `key "rules[2].regex": ...`, or `line 3, key "path": ...`
// in the KEY=VALUE form. An empty key names the object itself. Filters use it
// for their own validation, so every configuration error reads the same.
func (c *Object) Errorf(key, format string, args ...any) error {
	path := c.prefix
	if key != "" {
		path = c.Path(key)
	}
	return &Error{Path: path, Line: c.Line(key), Msg: fmt.Sprintf(format, args...)}
}

// ItemErrorf makes an error about item i of the list at key: its path is
// key[i], its line (KEY=VALUE form) the line of key.
func (c *Object) ItemErrorf(key string, i int, format string, args ...any) error {
	return &Error{Path: c.Path(fmt.Sprintf("%s[%d]", key, i)), Line: c.Line(key), Msg: fmt.Sprintf(format, args...)}
}
