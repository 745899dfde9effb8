package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMatcher_Scan pins which regexes get the single-pass scan: the common
// anchored path rules do, and every shape where a greedy pass could differ
// from regexp does not.
func TestMatcher_Scan(t *testing.T) {
	for _, c := range []struct {
		expr string
		scan bool
	}{
		{`^/banana/([0-9]+)`, true},
		{`^shop\.example\.com$`, true},
		{`^api\.(.*)$`, true},
		{`^/v1/([a-z]+)/(?P<id>[0-9]{1,8})`, true},
		{`^/static/[^/]+/`, true},
		{`^/(x)?`, false},             // optional group
		{`^/a*ab`, false},             // the run would have to give back an "a"
		{`^/[a-z]*[a-z0-9]+`, false},  // runs that overlap
		{`^/(foo|bar)/`, false},       // alternation
		{`^/[a-z]+?x`, false},         // non-greedy
		{`(?i)^/api`, false},          // case folding
		{`^/[é]+`, false},             // some non-ASCII runes but not all
		{`/banana/([0-9]+)`, false},   // not anchored
		{`(?m)^/a$`, false},           // line anchors
		{`^/a\b`, false},              // word boundary
		{`^/\x{FFFD}`, false},         // U+FFFD also matches invalid bytes
		{`^/[0-9]*[a-z]*x`, false},    // a nullable run after a run
		{`^/(?s:.*)$`, true},          // any character, newlines included
		{`^/(?:[a-c][0-9])+x`, false}, // a repeated sequence
	} {
		re := regexp.MustCompile(c.expr)
		m := newMatcher(re, "$0")
		require.Equal(t, c.scan, m.scan != nil, "%s", c.expr)
		require.Equal(t, c.expr == `^shop\.example\.com$`, m.exact, "%s: a whole-value literal", c.expr)
	}
}

// TestMatcher_Apply checks each way of applying a rule against regexp's
// ReplaceAllString on values that match, do not match, and sit at the edges
// of each shape (runs that stop early, invalid UTF-8, multi-byte runes).
func TestMatcher_Apply(t *testing.T) {
	values := []string{
		"/banana/123?color=yellow", "/banana/", "/banana/x", "/banana/12345678901", "/bananas/1", "banana/1",
		"shop.example.com", "shop.example.com.", "api.example.com", "api.", "api.a\nb",
		"/v1/users/42/x", "/v1/users/123456789", "/v1/Users/1", "/static/abc/def", "/static//", "/static/é/x",
		"/\xff\xfe/", "/aab", "/ab", "/é", "/x", "/", "", "/\n", "/a\n",
	}
	exprs := []struct{ expr, repl string }{
		{`^/banana/([0-9]+)`, "/status/$1"},
		{`^shop\.example\.com$`, "store.example.com"},
		{`^shop\.example\.com$`, "$0.$0$$"},
		{`^shop\.example\.com$`, "shop.example.com"},
		{`^api\.(.*)$`, "$1"},
		{`^/v1/([a-z]+)/(?P<id>[0-9]{1,8})`, "/v2/${id}/$1"},
		{`^/static/[^/]+/`, "/s/"},
		{`^/(?s:.*)$`, "<$0>"},
		{`^/(x)?`, "[$1]"},
		{`^/a*ab`, "-"},
		{`/banana/([0-9]+)`, "/status/$1"},
		{`a`, "b"},
		{`(?i)^/API`, "/x"},
		{`^/[^a]`, "$$"},
		{`^/.`, "/."},
		{`^/\w+`, "/w"},
	}
	for _, e := range exprs {
		re := regexp.MustCompile(e.expr)
		m := newMatcher(re, e.repl)
		var buf []byte
		for _, v := range values {
			want := re.ReplaceAllString(v, e.repl)
			got, changed := m.apply(v, &buf)
			require.Equal(t, want, got, "%s on %q", e.expr, v)
			require.Equal(t, want != v, changed, "%s on %q", e.expr, v)
		}
	}
}

// FuzzMatcher compares a rule's matcher with regexp's ReplaceAllString on
// any regex, replacement and value.
func FuzzMatcher(f *testing.F) {
	f.Add(`^/banana/([0-9]+)`, "/status/$1", "/banana/123?x")
	f.Add(`^old\.example\.com$`, "new.$0", "old.example.com")
	f.Add(`^api\.(.*)$`, "$1", "api.a\xffb")
	f.Add(`^/[a-z]{2,4}[0-9]`, "$0$0", "/abcde1")
	f.Add(`^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)`, "$10", "abcdefghij")
	f.Add(`^/[^/]*/?$`, "x", "/é/")
	f.Add(`x+`, "y", "axxbx")
	f.Add(`^/(?P<a>[a-z]+)(?P<a>[0-9]+)`, "$$$a$$.${a}$", "/ab12")
	f.Fuzz(func(t *testing.T, expr, repl, value string) {
		re, err := regexp.Compile(expr)
		if err != nil || len(value) > 256 || len(expr) > 64 || programSize(expr) > maxProgram {
			return
		}
		m := newMatcher(re, repl)
		var buf []byte
		want := re.ReplaceAllString(value, repl)
		got, changed := m.apply(value, &buf)
		require.Equal(t, want, got, "%s -> %q on %q", expr, repl, value)
		require.Equal(t, want != value, changed)
	})
}
