package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemplateRefs(t *testing.T) {
	cases := []struct {
		tmpl    string
		want    []string // refs as written
		wantErr string
	}{
		{"", nil, ""},
		{"status/", nil, ""},
		{"status/$1", []string{"$1"}, ""},
		{"$1$2", []string{"$1", "$2"}, ""},
		{"${1}x", []string{"${1}"}, ""},
		{"$1x", []string{"$1x"}, ""},
		{"$name/rest", []string{"$name"}, ""},
		{"${name}", []string{"${name}"}, ""},
		{"$$", nil, ""},
		{"$$1", nil, ""},
		{"$$$1", []string{"$1"}, ""},
		{"price$", nil, ""},
		{"a$-b", nil, ""},
		{"$/x", nil, ""},
		{"$é1", []string{"$é1"}, ""},
		{"$x_1.y", []string{"$x_1"}, ""},
		{"${", nil, "without a well-formed ${name}"},
		{"${}", nil, "without a well-formed ${name}"},
		{"${1", nil, "without a well-formed ${name}"},
		{"${a-b}", nil, "without a well-formed ${name}"},
		{"$${1", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.tmpl, func(t *testing.T) {
			refs, err := templateRefs(tc.tmpl)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, r := range refs {
				got = append(got, r.text)
				require.Equal(t, r.text, tc.tmpl[r.start:r.end])
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestGroupNumber(t *testing.T) {
	for name, want := range map[string]int{
		"0": 0, "1": 1, "12": 12, "01": -1, "00": -1, "1x": -1, "x": -1,
		"100000000": 1e8, "1000000000": -1, "١": -1, // Arabic-Indic one: a digit, not a number
	} {
		require.Equal(t, want, groupNumber(name), name)
	}
}

func TestCheckReplace(t *testing.T) {
	cases := []struct {
		regex, replace string
		wantErr        string
	}{
		{`banana/([0-9]*)`, `status/$1`, ""},
		{`banana/([0-9]*)`, `status/${1}`, ""},
		{`banana/([0-9]*)`, `$0`, ""},
		{`banana/([0-9]*)`, ``, ""},
		{`banana/([0-9]*)`, `cost$$`, ""},
		{`banana/(?P<id>[0-9]+)`, `status/${id}`, ""},
		{`banana/(?P<id>[0-9]+)`, `status/$id/$1`, ""},
		{`(?P<01>a)`, `$01`, ""},
		{`banana/([0-9]*)`, `status/$2`, "names group $2, which regex"},
		{`banana/([0-9]*)`, `status/$1x`, `for group 1 followed by "x" write ${1}x`},
		{`banana/(?P<id>[0-9]+)`, `${ID}`, "it has groups $0 to $1 and ${id}"},
		{`banana/([0-9]*)`, `status/\1`, `Envoy's group syntax: write $1 or ${1}`},
		{`banana/([0-9]*)`, "status\r", "CR at byte 6"},
		{`banana/([0-9]*)`, "status\n", "LF at byte 6"},
		{`banana/([0-9]*)`, "status\x00", "NUL at byte 6"},
		{`banana/([0-9]*)`, "${1", "without a well-formed ${name}"},
	}
	for _, tc := range cases {
		t.Run(tc.regex+" "+tc.replace, func(t *testing.T) {
			err := checkReplace(tc.replace, regexp.MustCompile(tc.regex))
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

// templateRefs must read a template exactly as regexp.Expand does: rebuilding
// Expand's output from the refs it finds must give Expand's own output.
func FuzzTemplateRefs(f *testing.F) {
	for _, s := range []string{"status/$1", "$1x", "${1}x", "$$$1", "$x_1$", "${first}-$11-$01", "${", "$é", "\\1"} {
		f.Add(s)
	}
	re := regexp.MustCompile(`(?P<first>a)(b)(?P<x_1>c)(d)(e)(f)(g)(h)(i)(j)(k)`)
	src := "abcdefghijk"
	match := re.FindStringSubmatchIndex(src)
	f.Fuzz(func(t *testing.T, tmpl string) {
		refs, err := templateRefs(tmpl)
		if err != nil {
			require.Contains(t, tmpl, "${")
			return
		}
		var b strings.Builder
		prev := 0
		for _, r := range refs {
			require.GreaterOrEqual(t, r.start, prev)
			b.WriteString(strings.ReplaceAll(tmpl[prev:r.start], "$$", "$"))
			b.WriteString(groupValue(re, src, match, r))
			prev = r.end
		}
		b.WriteString(strings.ReplaceAll(tmpl[prev:], "$$", "$"))
		require.Equal(t, string(re.ExpandString(nil, tmpl, src, match)), b.String())
	})
}

// groupValue is what Expand writes for a ref: the group's text, or nothing
// for a group the regex does not have.
func groupValue(re *regexp.Regexp, src string, match []int, r groupRef) string {
	if !hasGroup(re, r) {
		return ""
	}
	idx := r.num
	if idx < 0 {
		idx = re.SubexpIndex(r.name)
	}
	return src[match[2*idx]:match[2*idx+1]]
}
