package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompile(t *testing.T) {
	for expr, wantErr := range map[string]string{
		`banana/([0-9]*)`: "",
		`^/`:              "",
		``:                "must not be empty",
		`a*`:              "matches the empty string",
		`^`:               "matches the empty string",
		`()`:              "matches the empty string",
		`(/x)?`:           "matches the empty string",
		`banana/(`:        "missing closing ): `banana/(`",
		`a**`:             "invalid nested repetition operator",
		`\8`:              "invalid escape sequence",
		`[^z]{990}z`:      "",
		`[^z]{1000}z`:     "too complex: it compiles to 1003 instructions, over the limit of 1000",
	} {
		re, err := compile(expr)
		if wantErr == "" {
			require.NoError(t, err, expr)
			require.NotNil(t, re)
			continue
		}
		require.ErrorContains(t, err, wantErr, expr)
	}
}
