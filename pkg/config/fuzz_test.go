package config

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input makes Parse, or any accessor on what it
// returns, panic, and that every error is an *Error with text.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		" \r\n",
		"{}",
		`{"a": "b"}`,
		"a=b\n# c\nd = e,f\n\nregex=a=b#c",
		"k=\r\nv=1\r\nlist=1, 2,,3\r\nflag=true\r\nd=500ms",
		"=\n",
		"a",
		"\n\n a=1\nbroken",
		"a=1\na=2",
		`{"rules": [{"regex": "a", "replace": "b"}, {"regex": "(", "header": ":path"}]}`,
		`{"n": 1, "f": 1.5, "e": -2e10, "t": true, "z": null, "o": {"x": [1, "2"]}}`,
		`{"request": {"set": {"x-a": "1", "debug": 1}, "remove": ["x-b"]}, "response": {"add": {"x-c": true}}}`,
		`{"d": "1h", "neg": "-1s", "l": [100, 599], "big": 99999999999999999999}`,
		`{"a":1,"a":2}`,
		`{"a": [{"k": 1, "k": 2}]}`,
		`{"a": 1} trailing`,
		`[1]`,
		"{\"a\": \"\\u0000\\ud800\"}",
		"\xef\xbb\xbf{\"a\": 1}",
		"\xff=\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			checkError(t, err)
			return
		}
		exercise(t, c, 0)
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is %T, not *Error", err, err)
	}
	if err.Error() == "" || ce.Msg == "" {
		t.Fatal("error without text")
	}
}

// exercise calls every accessor on every key, descending into objects.
func exercise(t *testing.T, c *Object, depth int) {
	t.Helper()
	if depth > 8 {
		return
	}
	_ = c.Form().String()
	keys := c.Keys()
	if c.Empty() != (len(keys) == 0) {
		t.Fatal("Empty disagrees with Keys")
	}
	checkError(t, c.Known("a"))
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("key %q listed twice", k)
		}
		seen[k] = true
		if !c.Has(k) || c.Kind(k) == KindMissing {
			t.Fatalf("listed key %q is not present", k)
		}
		if (c.Form() == FormLines) != (c.Line(k) > 0) {
			t.Fatalf("key %q: line %d in form %s", k, c.Line(k), c.Form())
		}
		_ = c.Kind(k).String()
		_ = c.Path(k)
		_, err := c.String(k, "")
		checkError(t, err)
		_, err = c.RequiredString(k)
		checkError(t, err)
		_, err = c.Scalar(k)
		checkError(t, err)
		_, err = c.Int(k, 0, -1000, 1000)
		checkError(t, err)
		_, err = c.Bool(k, false)
		checkError(t, err)
		_, err = c.StringList(k)
		checkError(t, err)
		_, err = c.IntList(k, 0, 1000)
		checkError(t, err)
		checkError(t, c.Errorf(k, "x"))
		o, err := c.Object(k)
		checkError(t, err)
		if o != nil {
			exercise(t, o, depth+1)
		}
		list, err := c.ObjectList(k)
		checkError(t, err)
		for _, o := range list {
			exercise(t, o, depth+1)
		}
	}
}
