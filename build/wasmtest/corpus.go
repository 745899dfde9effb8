package wasmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReadCorpus reads the inputs `go test -fuzz` saved for a fuzz target under
// dir/testdata/fuzz/<target>, keyed by file name, so that a test can replay
// them against the compiled module (the fuzzing engine runs natively only).
// A missing directory gives no inputs.
func ReadCorpus(dir, target string) (map[string][]any, error) {
	files, err := filepath.Glob(filepath.Join(dir, "testdata", "fuzz", target, "*"))
	if err != nil {
		return nil, err
	}
	inputs := make(map[string][]any, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		values, err := ParseCorpusFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		inputs[filepath.Base(file)] = values
	}
	return inputs, nil
}

// ParseCorpusFile reads one file in the `go test fuzz v1` format: a header
// line, then one value a line, written as a Go conversion such as
// string("a\n"), []byte("\xff"), bool(true) or int(-3). The types fuzz
// targets here use are string, []byte, bool and the integer types.
func ParseCorpusFile(data []byte) ([]any, error) {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if strings.TrimSpace(lines[0]) != "go test fuzz v1" {
		return nil, fmt.Errorf(`line 1: expected "go test fuzz v1"`)
	}
	values := make([]any, 0, len(lines)-1)
	for i, line := range lines[1:] {
		v, err := parseCorpusValue(strings.TrimSpace(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+2, err)
		}
		values = append(values, v)
	}
	return values, nil
}

func parseCorpusValue(line string) (any, error) {
	kind, arg, ok := strings.Cut(line, "(")
	if !ok || !strings.HasSuffix(arg, ")") {
		return nil, fmt.Errorf("expected type(value), got %q", line)
	}
	arg = arg[:len(arg)-1]
	switch kind {
	case "string":
		return strconv.Unquote(arg)
	case "[]byte":
		s, err := strconv.Unquote(arg)
		return []byte(s), err
	case "bool":
		return strconv.ParseBool(arg)
	case "int", "int8", "int16", "int32", "int64":
		n, err := strconv.ParseInt(arg, 0, 64)
		return n, err
	case "uint", "uint8", "uint16", "uint32", "uint64", "byte":
		n, err := strconv.ParseUint(arg, 0, 64)
		return n, err
	}
	return nil, fmt.Errorf("unsupported type %q", kind)
}
