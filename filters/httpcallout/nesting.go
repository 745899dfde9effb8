package main

// maxJSONDepth is the deepest nesting of arrays and objects that
// allow_json_path is evaluated on; a deeper body denies. fastjson validates and
// parses by recursion, one Go stack frame or more per level, and a
// module's stack lives in its linear memory, which never shrinks: a body of
// a million '[' grew it by hundreds of MiB and then overflowed the stack,
// trapping the VM for good. An authorization answer is a few levels deep
// (OPA's {"result": {"allow": true}} is two), so 64 leaves ample room.
const maxJSONDepth = 64

// nestingWithin reports whether no array or object in body is nested more
// than limit deep. It counts brackets outside strings, with JSON's string
// rules (a backslash escapes the next byte, a quote ends the string), in
// one pass without recursion or allocation. Along any prefix that is valid
// JSON its count equals fastjson's recursion depth, and fastjson stops at
// the first byte that is not valid, so a body that passes bounds fastjson's
// recursion by limit. It does not validate: fastjson still does.
func nestingWithin(body []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > limit {
				return false
			}
		case ']', '}':
			depth--
			// A closer without an opener is never JSON; stopping here
			// keeps the count from going negative and then letting
			// more than limit openers through.
			if depth < 0 {
				return false
			}
		}
	}
	return true
}
