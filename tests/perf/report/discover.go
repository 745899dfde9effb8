// Package report finds each filter's per-request benchmark, reads the
// benchmark and soak results and writes BENCHMARKS.md and BENCHMARKS.json.
package report

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// benchFunc matches the per-request benchmark a filter must define: a
// function named Benchmark<Name>_Request in one of its _test.go files, with
// sub-benchmarks "native" and "wasm".
var benchFunc = regexp.MustCompile(`(?m)^func (Benchmark\w+_Request)\(b \*testing\.B\)`)

// RequestBenchmark returns the name of the Benchmark<Name>_Request function
// in dir's test files. None, or more than one, is an error: a filter
// without one would silently drop out of the report.
func RequestBenchmark(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return "", err
	}
	var found []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		for _, m := range benchFunc.FindAllSubmatch(src, -1) {
			found = append(found, string(m[1]))
		}
	}
	sort.Strings(found)
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%s: no func Benchmark<Name>_Request(b *testing.B) in its _test.go files", dir)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%s: more than one per-request benchmark: %v", dir, found)
}
