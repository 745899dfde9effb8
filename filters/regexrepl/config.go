package main

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// defaultHeader is the header a rule rewrites when it names none.
const defaultHeader = ":path"

// maxProgram bounds a regex's compiled size, as Envoy bounds regex_rewrite's
// (max_program_size, 100 RE2 instructions by default). Go's matcher costs
// about program size x value length per request: 1000 instructions over an
// 8192-byte value is tens of milliseconds, while real path rules use a few
// dozen.
const maxProgram = 1000

// ruleKeys are the keys of one rule, in the list form and in the single-rule
// form alike.
var ruleKeys = []string{"regex", "replace", "header"}

// Config is regexrepl's parsed, validated configuration, shared read-only by
// every stream.
type Config struct {
	// Rules in the order they apply; each sees the output of the rules
	// before it on the same header.
	Rules []Rule
	// Headers lists the distinct headers the rules rewrite, in order of first
	// use; Rule.slot indexes it.
	Headers []string
}

// Rule is one compiled rewrite of one request header.
type Rule struct {
	Header  string
	Regex   *regexp.Regexp
	Replace string
	slot    int
	// match applies Regex and Replace, taking the fastest exact way the
	// regex allows (see match.go).
	match matcher
}

// Empty reports whether the configuration rewrites nothing.
func (c *Config) Empty() bool { return len(c.Rules) == 0 }

// parseConfig reads either form: {"rules": [...]} (JSON only), or a single
// rule whose keys sit at the top level (JSON or KEY=VALUE lines).
func parseConfig(c *config.Config) (*Config, error) {
	if c.Empty() {
		return &Config{}, nil
	}
	var rules []Rule
	if c.Has("rules") {
		if err := c.Known("rules"); err != nil {
			return nil, err
		}
		list, err := c.ObjectList("rules")
		if err != nil {
			return nil, err
		}
		for i, rc := range list {
			r, err := parseRule(rc, i)
			if err != nil {
				return nil, err
			}
			rules = append(rules, r)
		}
	} else {
		r, err := parseRule(c, 0)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	cfg := &Config{Rules: rules}
	for i := range cfg.Rules {
		cfg.Rules[i].slot = cfg.slot(cfg.Rules[i].Header)
	}
	return cfg, nil
}

// slot returns the index of name in c.Headers, adding it if new.
func (c *Config) slot(name string) int {
	for i, h := range c.Headers {
		if h == name {
			return i
		}
	}
	c.Headers = append(c.Headers, name)
	return len(c.Headers) - 1
}

// parseRule reads and compiles rule i. Every error it returns names the rule
// ("rule i: ...") beside the key path.
func parseRule(c *config.Config, i int) (Rule, error) {
	var r Rule
	if err := c.Known(ruleKeys...); err != nil {
		return r, inRule(i, err)
	}

	header, err := c.String("header", defaultHeader)
	if err != nil {
		return r, inRule(i, err)
	}
	r.Header = headers.Lower(header)
	if err := checkHeader(r.Header); err != nil {
		return r, config.Errorf(c, "header", "rule %d: %v", i, err)
	}

	if !c.Has("regex") {
		return r, config.Errorf(c, "regex", "rule %d: regex is required", i)
	}
	expr, err := c.String("regex", "")
	if err != nil {
		return r, inRule(i, err)
	}
	if r.Regex, err = compile(expr); err != nil {
		return r, config.Errorf(c, "regex", "rule %d: %v", i, err)
	}

	if !c.Has("replace") {
		return r, config.Errorf(c, "replace", "rule %d: replace is required (it may be empty, which deletes every match)", i)
	}
	if r.Replace, err = c.String("replace", ""); err != nil {
		return r, inRule(i, err)
	}
	if err := checkReplace(r.Replace, r.Regex); err != nil {
		return r, config.Errorf(c, "replace", "rule %d: %v", i, err)
	}
	r.match = newMatcher(r.Regex, r.Replace)
	return r, nil
}

// inRule puts "rule i: " in front of an error's message, keeping its key
// path and line.
func inRule(i int, err error) error {
	var ce *config.Error
	if errors.As(err, &ce) {
		out := *ce
		out.Msg = fmt.Sprintf("rule %d: %s", i, ce.Msg)
		return &out
	}
	return fmt.Errorf("rule %d: %w", i, err)
}

// checkHeader accepts :path, :authority and regular request header names.
// Other pseudo-headers (:method, :scheme) are not rewritten: the result would
// change what the request is rather than where it goes.
func checkHeader(name string) error {
	if headers.IsPseudo(name) {
		if name == ":path" || name == ":authority" {
			return nil
		}
		return fmt.Errorf("header %q cannot be rewritten: of the pseudo-headers only :path and :authority can", name)
	}
	return headers.ValidName(name)
}

// compile compiles a rule's regex and refuses one that is empty or matches
// the empty string: ReplaceAllString would insert the replacement between
// every two bytes of a value that holds no other match.
func compile(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, errors.New("regex must not be empty")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: `%s`", se.Code, se.Expr)
		}
		return nil, err
	}
	if n := programSize(expr); n > maxProgram {
		return nil, fmt.Errorf("regex is too complex: it compiles to %d instructions, over the limit of %d", n, maxProgram)
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("regex %q matches the empty string, so it would insert the replacement at every position; anchor it or make it match at least one character", expr)
	}
	return re, nil
}

// programSize is the number of instructions regexp compiles expr to (its
// syntax.Perl parse, simplified), or 0 if it does not parse.
func programSize(expr string) int {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}

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

// clip shortens s to at most n bytes for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
