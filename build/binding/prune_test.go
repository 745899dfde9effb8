package binding

import (
	"go/parser"
	"go/token"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSourceWithout(t *testing.T) {
	src, err := SourceWithout([]string{"proxy_on_request_body", "proxy_on_response_trailers"})
	require.NoError(t, err)
	_, err = parser.ParseFile(token.NewFileSet(), FileName, src, parser.ParseComments)
	require.NoError(t, err, "the pruned binding is Go")
	exports := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^//go:wasmexport (\S+)$`).FindAllSubmatch(src, -1) {
		exports[string(m[1])] = true
	}
	require.Len(t, exports, len(Callbacks())-2)
	require.False(t, exports["proxy_on_request_body"])
	require.False(t, exports["proxy_on_response_trailers"])
	require.True(t, exports["proxy_on_response_body"])
	require.NotContains(t, string(src), "func exportOnRequestBody(")

	same, err := SourceWithout(nil)
	require.NoError(t, err)
	require.Equal(t, Source, same)

	_, err = SourceWithout([]string{"proxy_on_request_headers"})
	require.ErrorContains(t, err, "not optional")
}

func TestRequired(t *testing.T) {
	require.Len(t, Required(), len(Callbacks())-len(Optional))
	require.Contains(t, Required(), "proxy_on_request_headers")
	for name := range Optional {
		require.Contains(t, Callbacks(), name)
	}
}
