package main

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Go's regexp costs about a microsecond per call inside a wasm module even
// when the value is a dozen bytes (pool, machine set-up, a rune decoder
// behind an interface), which made it half of this filter's cost per
// request. A rule therefore gets, at plugin start, the cheapest exact way to
// apply it:
//
//   - a scan: regexes anchored at the start of the value (^) whose every
//     match a single greedy pass finds, such as ^/banana/([0-9]+) or
//     ^api\.(.*)$. A failed scan means no match; a successful one gives the
//     same match and groups regexp would, without calling it;
//   - otherwise a literal pre-check: a value without the regex's literal
//     prefix (at the start, for an anchored regex) cannot match, and is left
//     alone without running regexp; a value that passes goes to regexp.
//
// Both keep RE2's semantics and linear time: the scan reads each byte once.

// maxScanGroups bounds the groups a scan tracks, so its capture slots fit in
// a fixed array on the stack.
const maxScanGroups = 9

// matcher applies one rule's regex and replacement to a value.
type matcher struct {
	re      *regexp.Regexp
	replace string
	// scan, when not nil, replaces regexp for matching.
	scan *scan
	// parts is the replacement read once, as regexp.Expand reads it on
	// every call; nil when it has a malformed ${, which Expand then reads.
	parts []part
	// prefix is a literal every match starts with; anchored says matches
	// start only at the beginning of the value.
	prefix   string
	anchored bool
	// exact is set for a regex that matches one whole value and nothing
	// else (^literal$, as ^old\.example\.com$ for a host rewrite): its
	// result, exactOut, is computed once, and applying the rule is a string
	// comparison.
	exact    bool
	literal  string
	exactOut string
}

func newMatcher(re *regexp.Regexp, replace string) matcher {
	m := matcher{re: re, replace: replace}
	m.prefix, _ = re.LiteralPrefix()
	if parsed, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		if prog, err := syntax.Compile(parsed.Simplify()); err == nil {
			m.anchored = prog.StartCond()&syntax.EmptyBeginText != 0
		}
		if re.NumSubexp() <= maxScanGroups {
			m.scan = newScan(parsed)
		}
	}
	m.parts = compileTemplate(re, replace)
	if s := m.scan; s != nil && m.parts != nil && len(s.steps) == 2 &&
		s.steps[0].kind == stepLiteral && s.steps[1].kind == stepEnd {
		m.exact, m.literal = true, s.steps[0].literal
		m.exactOut = string(m.expand(nil, m.literal, []int{0, len(m.literal)}))
	}
	return m
}

// part is a piece of a replacement: literal text, or a group (group >= 0).
type part struct {
	text  string
	group int
}

// compileTemplate splits a replacement into parts as regexp.Expand reads
// it: "$$" is "$", a number names a group by index, a name the first group
// of that name; a group the regex does not have expands to nothing. It
// returns nil for a template templateRefs refuses.
func compileTemplate(re *regexp.Regexp, tmpl string) []part {
	refs, err := templateRefs(tmpl)
	if err != nil {
		return nil
	}
	parts := []part{}
	literal := func(s string) {
		if s != "" {
			parts = append(parts, part{text: strings.ReplaceAll(s, "$$", "$"), group: -1})
		}
	}
	at := 0
	for _, ref := range refs {
		literal(tmpl[at:ref.start])
		at = ref.end
		group := ref.num
		if group < 0 {
			for i, name := range re.SubexpNames() {
				if i > 0 && name == ref.name {
					group = i
					break
				}
			}
		}
		if group < 0 || group > re.NumSubexp() {
			continue
		}
		parts = append(parts, part{group: group})
	}
	literal(tmpl[at:])
	return parts
}

// expand appends the replacement for one match, whose groups are caps.
func (m *matcher) expand(dst []byte, value string, caps []int) []byte {
	if m.parts == nil {
		return m.re.ExpandString(dst, m.replace, value, caps)
	}
	for _, p := range m.parts {
		if p.group < 0 {
			dst = append(dst, p.text...)
		} else if caps[2*p.group] >= 0 {
			dst = append(dst, value[caps[2*p.group]:caps[2*p.group+1]]...)
		}
	}
	return dst
}

// apply returns the value with every match replaced, and whether it changed.
// buf is scratch space the caller keeps between calls. A result the scan
// builds is *buf itself, not a copy (a copy was one allocation per rewrite):
// it stays valid until *buf is written again, so a caller that keeps a result
// passes another buf to the next apply (OnHttpRequestHeaders alternates two
// per header).
func (m *matcher) apply(value string, buf *[]byte) (string, bool) {
	if m.exact {
		if value != m.literal || m.exactOut == value {
			return value, false
		}
		return m.exactOut, true
	}
	if m.scan != nil {
		var caps [2 * (maxScanGroups + 1)]int
		end, ok := m.scan.match(value, caps[:])
		if !ok {
			return value, false
		}
		if end == 0 {
			// An empty match: leave the rarely used case to regexp.
			return m.general(value)
		}
		b := m.expand((*buf)[:0], value, caps[:2*(m.re.NumSubexp()+1)])
		b = append(b, value[end:]...)
		*buf = b
		if string(b) == value { // compared without a copy
			return value, false
		}
		return unsafe.String(unsafe.SliceData(b), len(b)), true
	}
	if m.prefix != "" {
		if m.anchored && !strings.HasPrefix(value, m.prefix) {
			return value, false
		}
		if !m.anchored && !strings.Contains(value, m.prefix) {
			return value, false
		}
	}
	return m.general(value)
}

func (m *matcher) general(value string) (string, bool) {
	out := m.re.ReplaceAllString(value, m.replace)
	return out, out != value
}

// scan is a regex that a single greedy pass matches exactly: after ^, a
// sequence of literals and runs of one character class, possibly in
// capture groups, possibly ending in $, where no run can give characters
// back to what follows it. Such a regex has at most one match (at the
// start), and for it leftmost-first matching, as regexp does it, takes each
// run as long as it goes.
type scan struct {
	steps []step
}

type stepKind uint8

const (
	stepLiteral stepKind = iota
	stepRun
	stepOpen  // a capture group starts
	stepClose // a capture group ends
	stepEnd   // $: the end of the value
)

type step struct {
	kind    stepKind
	literal string
	class   class
	min     int
	max     int // -1: unbounded
	group   int
}

// class is a set of characters decided byte by byte: ASCII characters one
// by one, and every other rune (including the U+FFFD regexp reads an invalid
// UTF-8 byte as) all in or all out, so a multi-byte rune never straddles a
// run's end.
type class struct {
	ascii    [2]uint64
	nonASCII bool
}

func (c *class) has(b byte) bool {
	if b >= utf8.RuneSelf {
		return c.nonASCII
	}
	return c.ascii[b>>6]&(1<<(b&63)) != 0
}

func (c *class) disjoint(o *class) bool {
	return c.ascii[0]&o.ascii[0] == 0 && c.ascii[1]&o.ascii[1] == 0 && (!c.nonASCII || !o.nonASCII)
}

// newScan returns the scan for a parsed regex, or nil when it has another
// shape.
func newScan(re *syntax.Regexp) *scan {
	var items []*syntax.Regexp
	if re.Op == syntax.OpConcat {
		items = re.Sub
	} else {
		items = []*syntax.Regexp{re}
	}
	if len(items) == 0 || items[0].Op != syntax.OpBeginText {
		return nil
	}
	s := &scan{}
	for i, item := range items[1:] {
		last := i == len(items)-2
		if item.Op == syntax.OpEndText && last {
			s.steps = append(s.steps, step{kind: stepEnd})
			continue
		}
		if !s.add(item) {
			return nil
		}
	}
	// A run of variable length must end where the next character it
	// cannot take is, for regexp would not make it shorter either: the
	// next step must be the end, $, or a literal or run that cannot start
	// with a character of the run.
	for i, st := range s.steps {
		if st.kind != stepRun || st.min == st.max {
			continue
		}
		next := s.nextConsuming(i + 1)
		if next == nil || next.kind == stepEnd {
			continue
		}
		switch {
		case next.kind == stepLiteral && !st.class.has(next.literal[0]):
		case next.kind == stepRun && next.min >= 1 && st.class.disjoint(&next.class):
		default:
			return nil
		}
	}
	return s
}

func (s *scan) nextConsuming(i int) *step {
	for ; i < len(s.steps); i++ {
		if k := s.steps[i].kind; k != stepOpen && k != stepClose {
			return &s.steps[i]
		}
	}
	return nil
}

// add appends the steps of one item of the regex's top-level sequence.
func (s *scan) add(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !s.add(sub) {
				return false
			}
		}
		return true
	case syntax.OpCapture:
		s.steps = append(s.steps, step{kind: stepOpen, group: re.Cap})
		if !s.add(re.Sub[0]) {
			return false
		}
		s.steps = append(s.steps, step{kind: stepClose, group: re.Cap})
		return true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return false
		}
		for _, r := range re.Rune {
			// A literal U+FFFD also matches an invalid byte.
			if r == utf8.RuneError {
				return false
			}
		}
		s.steps = append(s.steps, step{kind: stepLiteral, literal: string(re.Rune)})
		return true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if re.Flags&syntax.NonGreedy != 0 {
			return false
		}
		c, ok := single(re.Sub[0])
		if !ok {
			return false
		}
		st := step{kind: stepRun, class: c}
		switch re.Op {
		case syntax.OpStar:
			st.min, st.max = 0, -1
		case syntax.OpPlus:
			st.min, st.max = 1, -1
		case syntax.OpQuest:
			st.min, st.max = 0, 1
		case syntax.OpRepeat:
			st.min, st.max = re.Min, re.Max
		}
		s.steps = append(s.steps, st)
		return true
	}
	if c, ok := single(re); ok {
		s.steps = append(s.steps, step{kind: stepRun, class: c, min: 1, max: 1})
		return true
	}
	return false
}

// single returns the class of a regex that matches exactly one character.
func single(re *syntax.Regexp) (class, bool) {
	var c class
	switch re.Op {
	case syntax.OpAnyChar:
		c.ascii = [2]uint64{^uint64(0), ^uint64(0)}
		c.nonASCII = true
		return c, true
	case syntax.OpAnyCharNotNL:
		c.ascii = [2]uint64{^uint64(0) &^ (1 << '\n'), ^uint64(0)}
		c.nonASCII = true
		return c, true
	case syntax.OpLiteral:
		if len(re.Rune) != 1 || re.Rune[0] >= utf8.RuneSelf || re.Flags&syntax.FoldCase != 0 {
			return c, false
		}
		r := re.Rune[0]
		c.ascii[r>>6] |= 1 << (r & 63)
		return c, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf {
				// Every rune above ASCII must be in the class, or none.
				if lo > utf8.RuneSelf || hi < utf8.MaxRune {
					return c, false
				}
				c.nonASCII = true
				hi = utf8.RuneSelf - 1
			}
			for r := lo; r <= hi; r++ {
				c.ascii[r>>6] |= 1 << (r & 63)
			}
		}
		return c, true
	}
	return c, false
}

// match runs the scan over value. It returns where the match ends and fills
// caps with the group positions as regexp's submatch indexes do (caps[0] and
// caps[1] are the whole match).
func (s *scan) match(value string, caps []int) (int, bool) {
	pos := 0
	caps[0] = 0
	for i := range s.steps {
		st := &s.steps[i]
		switch st.kind {
		case stepLiteral:
			if !strings.HasPrefix(value[pos:], st.literal) {
				return 0, false
			}
			pos += len(st.literal)
		case stepRun:
			n := 0
			for pos < len(value) && n != st.max && st.class.has(value[pos]) {
				if value[pos] < utf8.RuneSelf {
					pos++
				} else {
					_, size := utf8.DecodeRuneInString(value[pos:])
					pos += size
				}
				n++
			}
			if n < st.min {
				return 0, false
			}
		case stepOpen:
			caps[2*st.group] = pos
		case stepClose:
			caps[2*st.group+1] = pos
		case stepEnd:
			if pos != len(value) {
				return 0, false
			}
		}
	}
	caps[1] = pos
	return pos, true
}
