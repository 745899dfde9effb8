// Package rules holds the filter's request rules. It leans on net/http for
// status texts and header canonicalisation, as rule engines do.
package rules

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// DenyStatus is the status of a denied request.
const DenyStatus = http.StatusForbidden

// defaults are the rules used when the plugin has no configuration.
var defaults = []string{"<script", "../", "union select"}

// Set is an ordered list of substrings that mark a request as an attack.
type Set struct {
	needles []string
}

// Parse reads one rule per line, or "@include FILE" for the rules of a
// file; empty configuration means the defaults.
func Parse(config string) (*Set, error) {
	if strings.TrimSpace(config) == "" {
		return &Set{needles: defaults}, nil
	}
	var s Set
	for i, line := range strings.Split(config, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if file, ok := strings.CutPrefix(line, "@include "); ok {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("line %d: @include: %w", i+1, err)
			}
			inc, err := Parse(string(data))
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", i+1, file, err)
			}
			s.needles = append(s.needles, inc.needles...)
			continue
		}
		if len(line) < 2 {
			return nil, fmt.Errorf("line %d: rule %q is shorter than 2 bytes", i+1, line)
		}
		s.needles = append(s.needles, strings.ToLower(line))
	}
	return &s, nil
}

// Len is the number of rules.
func (s *Set) Len() int { return len(s.needles) }

// Match returns the 1-based id of the first rule found in path.
func (s *Set) Match(path string) (int, bool) {
	for i, n := range s.needles {
		if strings.Contains(path, n) {
			return i + 1, true
		}
	}
	return 0, false
}

// Reason is the body of a denial.
func Reason(status int) string { return strconv.Itoa(status) + " " + http.StatusText(status) }

// HeaderKey is the canonical form of a response header name.
func HeaderKey(name string) string { return http.CanonicalHeaderKey(name) }

// Itoa formats a rule id.
func Itoa(id int) string { return strconv.Itoa(id) }
