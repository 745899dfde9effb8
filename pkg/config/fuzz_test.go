package config

import (
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse, or any accessor on what it
// returns, panic.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"", "{}", `{"a": "b"}`, "a=b\n# c\nd = e,f", `{"rules": [{"regex": "a", "replace": "b"}]}`,
		`{"n": 1, "f": 1.5, "t": true, "z": null, "o": {"x": [1, "2"]}}`, "=\n", "a", `{"a":1,"a":2}`,
		`[1]`, "{\"a\": \"\\u0000\"}", "k=\r\nv=1\r\n", `{"d": "1h", "l": [100, 599]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		exercise(c, 0)
	})
}

// exercise calls every accessor on every key, descending into objects.
func exercise(c *Config, depth int) {
	if depth > 8 {
		return
	}
	_ = c.Form().String()
	_ = c.Empty()
	_ = c.Known("a")
	for _, k := range c.Keys() {
		_ = c.Kind(k).String()
		_, _ = c.String(k, "")
		_, _ = c.RequiredString(k)
		_, _ = c.Scalar(k)
		_, _ = c.Int(k, 0, -1000, 1000)
		_, _ = c.Bool(k, false)
		_, _ = c.Duration(k, time.Second)
		_, _ = c.StringList(k)
		_, _ = c.IntList(k, 0, 1000)
		_, _ = c.StringMap(k)
		_ = c.Line(k)
		_ = Errorf(c, k, "x").Error()
		if o, err := c.Object(k); err == nil && o != nil {
			exercise(o, depth+1)
		}
		if list, err := c.ObjectList(k); err == nil {
			for _, o := range list {
				exercise(o, depth+1)
			}
		}
	}
}
