package main

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"

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
func parseConfig(c *config.Object) (*Config, error) {
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
		for _, rc := range list {
			r, err := parseRule(rc)
			if err != nil {
				return nil, err
			}
			rules = append(rules, r)
		}
	} else {
		r, err := parseRule(c)
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
	if i := slices.Index(c.Headers, name); i >= 0 {
		return i
	}
	c.Headers = append(c.Headers, name)
	return len(c.Headers) - 1
}

// parseRule reads and compiles one rule. Its errors name the rule by their
// key path: rules[i].regex in the list form, regex in the single-rule form.
func parseRule(c *config.Object) (Rule, error) {
	var r Rule
	if err := c.Known(ruleKeys...); err != nil {
		return r, err
	}

	header, err := c.String("header", defaultHeader)
	if err != nil {
		return r, err
	}
	r.Header = headers.Lower(header)
	if err := checkHeader(r.Header); err != nil {
		return r, c.Errorf("header", "%v", err)
	}

	if !c.Has("regex") {
		return r, c.Errorf("regex", "is required")
	}
	expr, err := c.String("regex", "")
	if err != nil {
		return r, err
	}
	if r.Regex, err = compile(expr); err != nil {
		return r, c.Errorf("regex", "%v", err)
	}

	if !c.Has("replace") {
		return r, c.Errorf("replace", "is required (it may be empty, which deletes every match)")
	}
	if r.Replace, err = c.String("replace", ""); err != nil {
		return r, err
	}
	if err := checkReplace(r.Replace, r.Regex); err != nil {
		return r, c.Errorf("replace", "%v", err)
	}
	r.match = newMatcher(r.Regex, r.Replace)
	return r, nil
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

// clip shortens s to at most n bytes for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
