package hostile

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSecurityDoc_NamesExistingTests keeps SECURITY.md honest: every test or
// fuzz target it cites as proof of a guarantee exists in the repository.
func TestSecurityDoc_NamesExistingTests(t *testing.T) {
	r := root(t)
	doc, err := os.ReadFile(filepath.Join(r, "SECURITY.md"))
	require.NoError(t, err)
	cited := regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, cited, "SECURITY.md names no tests")

	defined := map[string]bool{}
	fn := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	err = filepath.WalkDir(r, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "dist" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fn.FindAllStringSubmatch(string(src), -1) {
			defined[m[1]] = true
		}
		return nil
	})
	require.NoError(t, err)
	for _, m := range cited {
		require.True(t, defined[m[1]], "SECURITY.md cites %s, which no _test.go file defines", m[1])
	}
}
