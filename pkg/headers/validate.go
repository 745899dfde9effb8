package headers

import (
	"errors"
	"fmt"
)

// IsPseudo reports whether name is a pseudo-header (it starts with ':').
func IsPseudo(name string) bool { return len(name) > 0 && name[0] == ':' }

// knownPseudo reports whether name is one of the HTTP/2 pseudo-headers Envoy
// exposes to filters. A switch rather than a map keeps it free of package
// state.
func knownPseudo(name string) bool {
	switch name {
	case ":method", ":scheme", ":authority", ":path", ":status":
		return true
	}
	return false
}

// ValidName accepts a lowercase RFC 9110 token, or one of the pseudo-headers
// :method :scheme :authority :path :status. Uppercase is refused because
// HTTP/2 and Envoy carry header names in lowercase: a configured "X-Foo"
// would never match.
func ValidName(name string) error {
	if name == "" {
		return errors.New("header name is empty")
	}
	if IsPseudo(name) {
		if !knownPseudo(name) {
			return fmt.Errorf("header name %q is not a known pseudo-header (:method, :scheme, :authority, :path, :status)", name)
		}
		return nil
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isTokenChar(c):
		case c >= 'A' && c <= 'Z':
			return fmt.Errorf("header name %q must be lowercase", name)
		case c >= 0x80:
			// %q of rune(c) would show a different character than the
			// one in the name, so name the byte instead.
			return fmt.Errorf("header name %q has invalid character 0x%02x (non-ASCII) at byte %d", name, c, i)
		default:
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
// header and let a value inject another one. Tab and obs-text (0x80-0xff)
// stay allowed, as RFC 9110 field values permit them.
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

// Lower lowercases ASCII letters, without allocating when name already is
// lowercase (the common case for names from validated configuration).
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

// isTokenChar reports whether c is an RFC 9110 tchar other than an
// uppercase letter.
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
