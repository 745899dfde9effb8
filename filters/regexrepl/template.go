package main

// The replacement template of a rule: how it is read (as regexp.Expand reads
// it) and checked against the rule's regex when the configuration loads.

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshwasm/meshwasm/pkg/headers"
)

// checkReplace validates a replacement template against its regex: it must
// be a valid header value, every $name / ${name} must name a group the regex
// has, "${" must open a well-formed ${name}, and Envoy's \1 is refused
// because regexp.Expand would copy it literally.
func checkReplace(tmpl string, re *regexp.Regexp) error {
	if err := headers.ValidValue(tmpl); err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	for i := 0; i+1 < len(tmpl); i++ {
		if tmpl[i] == '\\' && tmpl[i+1] >= '0' && tmpl[i+1] <= '9' {
			return fmt.Errorf("replace has %q, Envoy's group syntax: write $%c or ${%c}", tmpl[i:i+2], tmpl[i+1], tmpl[i+1])
		}
	}
	refs, err := templateRefs(tmpl)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if !hasGroup(re, ref) {
			return fmt.Errorf("replace names group %s, which regex %q does not have (%s)", ref.text, re.String(), groupsHint(re, ref))
		}
	}
	return nil
}

// groupRef is one $name or ${name} of a replacement template.
type groupRef struct {
	text       string // as written: "$1", "${name}"
	name       string // "1", "name"
	num        int    // group number, or -1 when name is not a number
	start, end int    // byte offsets of text in the template
}

// templateRefs scans a replacement the way regexp.Expand reads it: "$$" is a
// literal "$"; "$" then the longest run of letters, digits and "_" (or that
// run in braces) names a group, a number when it is all ASCII digits without
// a leading zero; any other "$" is literal. Unlike Expand it fails on "${"
// without a well-formed "${name}", which is almost always a typo.
func templateRefs(tmpl string) ([]groupRef, error) {
	var refs []groupRef
	i := 0
	for {
		dollar := strings.IndexByte(tmpl[i:], '$')
		if dollar < 0 {
			return refs, nil
		}
		dollar += i
		pos := dollar + 1
		if pos < len(tmpl) && tmpl[pos] == '$' {
			i = pos + 1
			continue
		}
		brace := pos < len(tmpl) && tmpl[pos] == '{'
		if brace {
			pos++
		}
		n := pos
		for n < len(tmpl) {
			r, size := utf8.DecodeRuneInString(tmpl[n:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
				break
			}
			n += size
		}
		name := tmpl[pos:n]
		end := n
		if brace {
			if name == "" || n >= len(tmpl) || tmpl[n] != '}' {
				return nil, fmt.Errorf("replace has %q without a well-formed ${name}: write ${1} or ${name}, or $$ for a literal $", clip(tmpl[dollar:], 12))
			}
			end++
		}
		if name == "" { // "$" before a non-name character: literal
			i = pos
			continue
		}
		refs = append(refs, groupRef{text: tmpl[dollar:end], name: name, num: groupNumber(name), start: dollar, end: end})
		i = end
	}
}

// groupNumber is regexp.Expand's reading of a name as a group number: ASCII
// digits, no leading zero, below 1e8; -1 otherwise.
func groupNumber(name string) int {
	num := 0
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' || num >= 1e8 {
			return -1
		}
		num = num*10 + int(name[i]-'0')
	}
	if name[0] == '0' && len(name) > 1 {
		return -1
	}
	return num
}

func hasGroup(re *regexp.Regexp, ref groupRef) bool {
	if ref.num >= 0 {
		return ref.num <= re.NumSubexp()
	}
	for i, name := range re.SubexpNames() {
		if i > 0 && name == ref.name {
			return true
		}
	}
	return false
}

// groupsHint says which groups the regex has and, for "$1x", how to write
// group 1 followed by "x".
func groupsHint(re *regexp.Regexp, ref groupRef) string {
	hint := fmt.Sprintf("it has groups $0 to $%d", re.NumSubexp())
	var named []string
	for i, name := range re.SubexpNames() {
		if i > 0 && name != "" {
			named = append(named, "${"+name+"}")
		}
	}
	if len(named) > 0 {
		hint += " and " + strings.Join(named, ", ")
	}
	if ref.num < 0 && !strings.HasPrefix(ref.text, "${") {
		digits := 0
		for digits < len(ref.name) && ref.name[digits] >= '0' && ref.name[digits] <= '9' {
			digits++
		}
		if digits > 0 && digits < len(ref.name) {
			hint += fmt.Sprintf("; for group %s followed by %q write ${%s}%s", ref.name[:digits], ref.name[digits:], ref.name[:digits], ref.name[digits:])
		}
	}
	return hint
}
