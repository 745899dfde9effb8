// Package scaffold creates a new filter under filters/ from a template kept
// here, so a new filter starts in the project's shape (config.go, main.go,
// twin native/wasm tests, a benchmark, README and deployment examples) and
// gets every make target without a Makefile edit.
package scaffold

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// The template uses [[ ]] delimiters: Go composite literals such as
// [][2]string{{"a", "b"}} are full of {{.
//
//go:embed template/*.tmpl
var templates embed.FS

// localModules are the repository's modules a new filter requires: pkg for
// its code, build for its tests (build/wasmtest). Every other requirement
// and every checksum is derived by `go mod tidy` from what the rendered
// template imports, at the versions these modules already select, so the
// module cache a `make` filled is enough.
var localModules = []string{"build", "pkg"}

// ModulePrefix is the module path of every filter, followed by its name.
const ModulePrefix = "github.com/meshwasm/meshwasm/filters/"

var validName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Options say what to create and where.
type Options struct {
	Root string // the repository root (holds go.work and filters/)
	Name string // the filter's name: [a-z][a-z0-9]*, also its directory
	// NoWorkspace skips `go work use`, for rendering into a tree without go.work.
	NoWorkspace bool
}

// data is what the templates see.
type data struct {
	Name  string // demo
	Title string // Demo, in test and benchmark names (BenchmarkDemo_Request)
}

// ValidateName checks a filter name: lowercase letters and digits, starting
// with a letter, as it becomes a directory, a module path, a make target,
// an image repository and an Envoy stat prefix.
func ValidateName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid filter name %q: want [a-z][a-z0-9]* (for example: make new NAME=ratelimit)", name)
	}
	return nil
}

// Render returns the filter's files (path relative to the filter directory
// and contents) from the template. Go files come out gofmt-clean as written
// (the tests check it), so a new filter passes gofmt from its first commit.
func Render(name string) (map[string][]byte, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	d := data{Name: name, Title: strings.ToUpper(name[:1]) + name[1:]}
	files := map[string][]byte{}
	err := fs.WalkDir(templates, "template", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		src, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Delims("[[", "]]").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var out bytes.Buffer
		if err := t.Execute(&out, d); err != nil {
			return err
		}
		files[strings.TrimSuffix(path.Base(p), ".tmpl")] = out.Bytes()
		return nil
	})
	return files, err
}

// New writes filters/<name>/ under opts.Root: the rendered template, then
// go.mod and go.sum derived from what it imports, then adds the directory to
// go.work. It refuses a name that is already a directory under filters/.
func New(ctx context.Context, opts Options) error {
	files, err := Render(opts.Name)
	if err != nil {
		return err
	}
	if err := checkTargets(filepath.Join(opts.Root, "Makefile"), opts.Name); err != nil {
		return err
	}
	rel := filepath.Join("filters", opts.Name)
	dir := filepath.Join(opts.Root, rel)
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s already exists: choose another name", rel)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if files["go.mod"], err = goMod(opts.Root, ModulePrefix+opts.Name); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(opts.Root, "filters"), 0o755); err != nil {
		return err
	}
	// Mkdir, not MkdirAll: if another run created the directory meanwhile,
	// fail rather than write into it.
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	// On its own (GOWORK=off), so go.mod and go.sum suffice outside the
	// workspace too.
	tidy := exec.CommandContext(ctx, "go", "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := tidy.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy in %s: %w\n%s", rel, err, out)
	}
	if opts.NoWorkspace {
		return nil
	}
	cmd := exec.CommandContext(ctx, "go", "work", "use", "./"+filepath.ToSlash(rel))
	cmd.Dir = opts.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go work use %s: %w\n%s", rel, err, out)
	}
	return nil
}

// makeTarget matches a rule's target at the start of a Makefile line.
var makeTarget = regexp.MustCompile(`(?m)^([a-z][a-z0-9]*)\s*:`)

// checkTargets refuses a name that is already a make target (test, clean,
// ...): the filter's own target of that name would clash with it.
func checkTargets(makefile, name string) error {
	b, err := os.ReadFile(makefile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, m := range makeTarget.FindAllSubmatch(b, -1) {
		if string(m[1]) == name {
			return fmt.Errorf("invalid filter name %q: it is a make target already", name)
		}
	}
	return nil
}

// goMod writes a new filter's go.mod: its module path, the Go version pkg
// needs, and the repository's modules it requires, replaced by their
// directories. `go mod tidy` adds the rest.
func goMod(root, module string) ([]byte, error) {
	pkgMod, err := os.ReadFile(filepath.Join(root, "pkg", "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("%s is not the meshwasm repository root (-root names it): %w", root, err)
	}
	goLine := regexp.MustCompile(`(?m)^go \S+$`).Find(pkgMod)
	if goLine == nil {
		return nil, errors.New("pkg/go.mod has no go line")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\n%s\n\nrequire (\n", module, goLine)
	for _, m := range localModules {
		fmt.Fprintf(&b, "\tgithub.com/meshwasm/meshwasm/%s v0.0.0-00010101000000-000000000000\n", m)
	}
	b.WriteString(")\n\nreplace (\n")
	b.WriteString("\t// Only the tests use build: build/wasmtest compiles this filter to a\n\t// module and runs the same assertions against it.\n")
	for _, m := range localModules {
		fmt.Fprintf(&b, "\tgithub.com/meshwasm/meshwasm/%s => ../../%s\n", m, m)
	}
	b.WriteString(")\n")
	return []byte(b.String()), nil
}
