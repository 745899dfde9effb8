package wasmbuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshwasm/meshwasm/build/envoyabi"
	"github.com/meshwasm/meshwasm/build/wasistub"
)

// stubSet is what writeStubs prepared for one build.
type stubSet struct {
	files   map[string]string // standard-library file => its stubbed copy
	symbols map[string]string // Go symbol of a stub ("syscall.fd_pread") => WASI name
}

// linked returns, sorted, the WASI names of the stubs the linker kept (a
// function no code reaches is left out of the module, and so is its import
// when it is not stubbed).
func (s *stubSet) linked(functionNames []string) []string {
	seen := map[string]bool{}
	for _, fn := range functionNames {
		if wasi, ok := s.symbols[fn]; ok {
			seen[wasi] = true
		}
	}
	var names []string
	for name := range seen {
		names = append(names, wasistub.Module+"."+name)
	}
	slices.Sort(names)
	return names
}

// writeStubs writes, under tmp, a stubbed copy of every standard-library
// file of the filter's build that imports a WASI function the target Envoy
// does not provide. The files are found from what this Go version's `go
// list` says the build compiles, so no file name or Go release is assumed.
func writeStubs(ctx context.Context, dir, tmp string, env, tags []string, target envoyabi.Version) (*stubSet, error) {
	provided := map[string]bool{}
	for _, name := range envoyabi.WASI(target) {
		provided[name] = true
	}
	stub := func(name string) bool { return !provided[name] }

	args := append(append([]string{"list", "-deps"}, tags...),
		"-f", `{{if .Standard}}{{.ImportPath}}{{"\t"}}{{.Dir}}{{range .GoFiles}}{{"\t"}}{{.}}{{end}}{{"\n"}}{{end}}`, ".")
	raw, err := goOutput(ctx, dir, env, args...)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("%s: listing the packages of the build failed", dir), Output: err.Error()}
	}
	set := &stubSet{files: map[string]string{}, symbols: map[string]string{}}
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) < 3 {
			continue
		}
		pkg, pkgDir := fields[0], fields[1]
		for _, name := range fields[2:] {
			path := filepath.Join(pkgDir, name)
			src, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			if !wasistub.Mentions(src) {
				continue
			}
			out, funcs, err := wasistub.Rewrite(path, src, stub)
			if err != nil {
				return nil, &Error{Msg: fmt.Sprintf("stubbing %s failed", path), Output: err.Error()}
			}
			if len(funcs) == 0 {
				continue
			}
			copyPath := filepath.Join(tmp, "stubs", filepath.FromSlash(pkg), name)
			if err := os.MkdirAll(filepath.Dir(copyPath), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(copyPath, out, 0o644); err != nil {
				return nil, err
			}
			set.files[path] = copyPath
			for _, f := range funcs {
				set.symbols[pkg+"."+f.Go] = f.WASI
			}
		}
	}
	return set, nil
}
