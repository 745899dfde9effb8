package wasmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCorpusFile(t *testing.T) {
	text := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\nbool(true)\nint(-3)\nuint32(7)\n", "a\r\n\"é", "\xff\x00")
	got, err := ParseCorpusFile([]byte(text))
	require.NoError(t, err)
	require.Equal(t, []any{"a\r\n\"é", []byte("\xff\x00"), true, int64(-3), uint64(7)}, got)

	for _, bad := range []string{
		"string(\"a\")\n",                 // no header
		"go test fuzz v1\nstring(a)\n",    // not quoted
		"go test fuzz v1\nfloat64(1.5)\n", // unsupported
		"go test fuzz v1\nbool(maybe)\n",  // not a bool
		"go test fuzz v1\nstring(\"a\"\n", // no closing parenthesis
	} {
		_, err := ParseCorpusFile([]byte(bad))
		require.Error(t, err, "%q", bad)
	}
}

func TestReadCorpus(t *testing.T) {
	dir := t.TempDir()
	inputs, err := ReadCorpus(dir, "FuzzX")
	require.NoError(t, err)
	require.Empty(t, inputs)

	corpus := filepath.Join(dir, "testdata", "fuzz", "FuzzX")
	require.NoError(t, os.MkdirAll(corpus, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(corpus, "a1"), []byte("go test fuzz v1\nstring(\"/x\")\n"), 0o644))
	inputs, err = ReadCorpus(dir, "FuzzX")
	require.NoError(t, err)
	require.Equal(t, map[string][]any{"a1": {"/x"}}, inputs)

	require.NoError(t, os.WriteFile(filepath.Join(corpus, "b2"), []byte("junk\n"), 0o644))
	_, err = ReadCorpus(dir, "FuzzX")
	require.ErrorContains(t, err, "b2: line 1")
}
