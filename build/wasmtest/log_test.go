package wasmtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLineLimiter(t *testing.T) {
	var out bytes.Buffer
	l := &lineLimiter{w: &out, max: 8}
	n, err := l.Write([]byte("short\n"))
	require.NoError(t, err)
	require.Equal(t, 6, n)
	long := strings.Repeat("x", 100) + "\n"
	n, err = l.Write([]byte(long))
	require.NoError(t, err)
	require.Equal(t, len(long), n, "the whole line counts as written")
	require.Equal(t, "short\nxxxxxxxx... [101 bytes, shortened]\n", out.String())
}
