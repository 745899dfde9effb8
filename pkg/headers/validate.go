package headers

import (
	"errors"
	"fmt"
)

// pseudoHeaders are the HTTP/2 pseudo-headers Envoy exposes to filters.
var pseudoHeaders = map[string]bool{
	":method": true, ":scheme": true, ":authority": true, ":path": true, ":status": true,
}

// IsPseudo reports whether name is a pseudo-header (it starts with ':').
func IsPseudo(name string) bool { return len(name) > 0 && name[0] == ':' }

// ValidName accepts a lowercase RFC 9110 token, or one of the pseudo-headers
// :method :scheme :authority :path :status. Uppercase is refused because
// HTTP/2 and Envoy carry header names in lowercase: a configured "X-Foo"
// would never match.
func ValidName(name string) error {
	if name == "" {
		return errors.New("header name is empty")
	}
	if IsPseudo(name) {
		if !pseudoHeaders[name] {
			return fmt.Errorf("header name %q is not a known pseudo-header (:method, :scheme, :authority, :path, :status)", name)
		}
		return nil
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			return fmt.Errorf("header name %q must be lowercase", name)
		case !isTokenChar(c):
			return fmt.Errorf("header name %q has invalid character %q", name, rune(c))
		}
	}
	return nil
}

// ValidRegularName is ValidName without pseudo-headers, for places where
// editing one would break the request (routing) or the response.
func ValidRegularName(name string) error {
	if IsPseudo(name) {
		return fmt.Errorf("pseudo-header %s not allowed here", name)
	}
	return ValidName(name)
}

// ValidValue refuses CR, LF and NUL, the bytes that would split or truncate a
// header and let a value inject another one.
func ValidValue(value string) error {
	for i := 0; i < len(value); i++ {
		switch value[i] {
		case '\r':
			return fmt.Errorf("header value has a CR at byte %d", i)
		case '\n':
			return fmt.Errorf("header value has a LF at byte %d", i)
		case 0:
			return fmt.Errorf("header value has a NUL at byte %d", i)
		}
	}
	return nil
}

// Lower lowercases ASCII letters, without allocating when name already is.
func Lower(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// isTokenChar reports whether c is an RFC 9110 tchar, lowercase included.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
